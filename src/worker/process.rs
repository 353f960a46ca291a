//! Starting a run's process in its own process group, streaming its output line by line, and ending the
//! whole group (SIGTERM, a grace period, then SIGKILL).

use super::job::JobSpec;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// One line of output.
#[derive(Debug, Clone)]
pub struct Line {
    pub stderr: bool,
    pub text: String,
}

/// A started process and its output.
pub struct Running {
    pub child: Child,
    pub pid: u32,
    pub lines: mpsc::Receiver<Line>,
}

/// Starts the job: its own process group, stdin closed, stdout and stderr piped into `lines`.
pub fn start(job: &JobSpec) -> std::io::Result<Running> {
    let mut cmd = Command::new(&job.program);
    cmd.args(&job.args)
        .envs(&job.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    if let Some(dir) = &job.cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn()?;
    let pid = child.id().unwrap_or(0);
    let (tx, rx) = mpsc::channel(1024);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(pump(BufReader::new(out), false, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(pump(BufReader::new(err), true, tx));
    }
    Ok(Running {
        child,
        pid,
        lines: rx,
    })
}

async fn pump<R: tokio::io::AsyncRead + Unpin>(
    reader: BufReader<R>,
    stderr: bool,
    tx: mpsc::Sender<Line>,
) {
    let mut lines = reader.lines();
    while let Ok(Some(text)) = lines.next_line().await {
        if tx.send(Line { stderr, text }).await.is_err() {
            return;
        }
    }
}

/// Sends `signal` to the process group led by `pid`.
pub fn signal_group(pid: u32, signal: Signal) {
    // Never 0 (our own group) or 1 (killpg(1) means every process we may signal).
    if let Ok(raw) = i32::try_from(pid) {
        if raw > 1 {
            let _ = killpg(Pid::from_raw(raw), signal);
        }
    }
}

/// Ends the group: SIGTERM, then SIGKILL if the leader is still alive after `grace`. Waits for the leader.
pub async fn stop_group(
    child: &mut Child,
    pid: u32,
    grace: Duration,
) -> Option<std::process::ExitStatus> {
    signal_group(pid, Signal::SIGTERM);
    match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => {
            signal_group(pid, Signal::SIGKILL);
            status.ok()
        }
        Err(_) => {
            signal_group(pid, Signal::SIGKILL);
            child.wait().await.ok()
        }
    }
}

/// Whether a process with this pid exists on this machine.
pub fn alive(pid: u32) -> bool {
    match i32::try_from(pid) {
        Ok(raw) if raw > 0 => nix::sys::signal::kill(Pid::from_raw(raw), None).is_ok(),
        _ => false,
    }
}

/// Whether `pid` is still the process Baton started for `run_id` (its environment names the run), so a
/// recycled pid is never mistaken for a run's process. Without /proc (not Linux) the answer is `false`.
pub fn is_run_process(pid: u32, run_id: &str) -> bool {
    if !alive(pid) {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/environ")) {
        Ok(env) => {
            let needle = format!("BATON_FLOW_RUN_ID={run_id}");
            env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes())
        }
        // Without /proc the pid cannot be checked: never signal what might be someone else's process.
        Err(_) => false,
    }
}
