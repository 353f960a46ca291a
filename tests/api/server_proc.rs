//! The real `baton serve` binary as a child process for the fault tests: start on port 0 over a data dir,
//! kill -9, stop with SIGTERM. Dropping a `ServeProc` kills the server, so a failing test leaks nothing.

use crate::helpers::poll_until_blocking;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct ServeProc {
    pub child: Child,
    pub api: String,
}

/// Starts `baton serve --port 0 --home home` plus `args` (stderr goes to `home.stderr.log`); `Err` holds
/// what it printed when it did not start.
pub fn try_start(home: &Path, args: &[&str]) -> Result<ServeProc, String> {
    try_start_under(home, args, None)
}

/// As `try_start`, with `baton` exec'd from `sh -c "<prelude>; exec ..."` (to set limits or drop root).
pub fn try_start_under(
    home: &Path,
    args: &[&str],
    prelude: Option<&str>,
) -> Result<ServeProc, String> {
    let err_path = home.with_extension("stderr.log");
    let err_file = std::fs::File::create(&err_path).unwrap();
    let bin = env!("CARGO_BIN_EXE_baton");
    let mut cmd = match prelude {
        Some(p) => {
            let mut c = Command::new("sh");
            c.args(["-c", &format!("{p}; exec \"$0\" \"$@\""), bin]);
            c
        }
        None => Command::new(bin),
    };
    let mut child = cmd
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--home"])
        .arg(home)
        .args(args)
        .env_remove("BATON_HOME")
        .stdout(Stdio::piped())
        .stderr(err_file)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    match line.find("http://") {
        Some(at) => {
            let api = line[at..].split_whitespace().next().unwrap().to_string();
            Ok(ServeProc { child, api })
        }
        None => {
            let _ = child.wait();
            Err(std::fs::read_to_string(&err_path).unwrap_or_default())
        }
    }
}

pub fn start(home: &Path, args: &[&str]) -> ServeProc {
    try_start(home, args).unwrap_or_else(|e| panic!("baton serve did not start:\n{e}"))
}

/// Signals a process this test started (pid checked > 1).
pub fn signal(pid: u32, sig: Signal) {
    let pid = i32::try_from(pid).expect("pid fits");
    assert!(pid > 1, "refusing to signal pid {pid}");
    let _ = kill(Pid::from_raw(pid), sig);
}

/// Whether `pid` is a live (not zombie) process.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

impl ServeProc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then reap.
    pub fn kill9(mut self) {
        signal(self.pid(), Signal::SIGKILL);
        let _ = self.child.wait();
    }

    /// SIGTERM and wait (15 s) for a clean exit; returns the exit code.
    pub fn terminate(mut self) -> Option<i32> {
        signal(self.pid(), Signal::SIGTERM);
        let status = poll_until_blocking(
            "baton serve to exit on SIGTERM",
            Duration::from_secs(15),
            || self.child.try_wait().unwrap(),
            Option::is_some,
        );
        status.unwrap().code()
    }
}

impl Drop for ServeProc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            signal(self.child.id(), Signal::SIGKILL);
            let _ = self.child.wait();
        }
    }
}
