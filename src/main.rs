//! The `baton` binary: parses the command line and dispatches.
fn main() {}
