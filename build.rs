//! Link step only: pack the executable's relative relocations (DT_RELR, glibc 2.36+, GNU ld 2.38+). Rust's
//! vtables and string tables give a position-independent binary ~60,000 relocations; as classic RELA entries
//! they are a 1.5 MB table that the loader reads at every start (resident memory of an idle server). Packed,
//! the table is a few kilobytes. Only the final link changes; no dependency is rebuilt.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=BATON_NO_RELR");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux_gnu && std::env::var_os("BATON_NO_RELR").is_none() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
