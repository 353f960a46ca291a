//! One run, start to finish: claim, plan, start, stream output, wait (for exit, cancellation or timeout),
//! report the outcome.

use super::job::Kind;
use super::process;
use super::run_logs::{forward_logs, log_line, spawn_log};
use super::transport::{Answer, Ticket, Transport};
use super::{plan_run, propose, Active, Probe, WorkerConfig};
use crate::domain::state::name;
use crate::domain::StateType;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub(super) async fn execute<T: Transport>(
    t: Arc<T>,
    cfg: &WorkerConfig,
    ticket: Ticket,
    active: Active,
    probe: Probe,
    stop: CancellationToken,
) {
    let id = ticket.id;
    match propose(
        &*t,
        id,
        StateType::Pending,
        Some(name::PENDING),
        None,
        false,
    )
    .await
    {
        Answer::Accepted(_) => {}
        other => {
            tracing::debug!(run = %id, answer = ?other, "run not claimed (another worker has it)");
            return;
        }
    }
    // Label the run at once, so that whatever happens next (a long git clone, a server killed) it is known
    // whose run it is and the crash reapers can find it.
    if let Err(e) = t.attach(id, None, worker_labels(cfg)).await {
        tracing::warn!(run = %id, error = %e, "could not label the claimed run");
    }
    let job = match plan_run(&*t, cfg, &ticket, &probe).await {
        Ok(job) => job,
        Err(why) => {
            let msg = format!("Baton did not start this run: {why}");
            log_line(&*t, id, 40, &msg).await;
            propose(&*t, id, StateType::Failed, None, Some(msg), false).await;
            return;
        }
    };
    let mut running = match process::start(&job) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("Baton could not start {}: {e}", job.program);
            log_line(&*t, id, 40, &msg).await;
            propose(&*t, id, StateType::Failed, None, Some(msg), false).await;
            return;
        }
    };
    let cancel = CancellationToken::new();
    if let Ok(mut a) = active.lock() {
        a.insert(id, cancel.clone());
    }
    if let Err(e) = t.attach(id, Some(running.pid), worker_labels(cfg)).await {
        tracing::warn!(run = %id, error = %e, "could not record the run's process id");
    }
    let command = shlex::try_join(
        std::iter::once(job.program.as_str()).chain(job.args.iter().map(String::as_str)),
    )
    .unwrap_or_else(|_| job.program.clone());
    let started = format!(
        "Worker '{}' started process {}: {command}",
        cfg.name, running.pid
    );
    spawn_log(&t, id, 20, started);
    let reports_itself = job.kind == Kind::PrefectFlow;
    if !reports_itself {
        if let Answer::Rejected(_) | Answer::Aborted(_) =
            propose(&*t, id, StateType::Running, None, None, false).await
        {
            // Cancelled (or otherwise ended) between the claim and the start: stop what was started.
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            if let Ok(mut a) = active.lock() {
                a.remove(&id);
            }
            return;
        }
    }
    let lines = std::mem::replace(&mut running.lines, tokio::sync::mpsc::channel(1).1);
    let pump = tokio::spawn(forward_logs(t.clone(), id, lines, !reports_itself));
    let timeout = job
        .timeout_seconds
        .and_then(|t| Duration::try_from_secs_f64(t).ok());
    let mut signal = None;
    let outcome = tokio::select! {
        status = running.child.wait() => {
            let status = status.ok();
            signal = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
            Outcome::Exited(status.and_then(|s| s.code()))
        }
        _ = cancel.cancelled() => {
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            Outcome::Cancelled
        }
        _ = sleep_opt(timeout) => {
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            Outcome::TimedOut
        }
        _ = stop.cancelled() => {
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            Outcome::WorkerStopped
        }
    };
    process::signal_group(running.pid, nix::sys::signal::Signal::SIGKILL);
    let _ = pump.await;
    // After the output is through, so the line is stamped after the process's last line.
    spawn_log(&t, id, 20, ended(running.pid, &outcome, signal));
    if let Ok(mut a) = active.lock() {
        a.remove(&id);
    }
    finish(&*t, id, &job.kind, outcome, job.timeout_seconds).await;
    let checkout = super::checkout_dir(id);
    if job.cwd.as_deref() == Some(checkout.as_path()) {
        let _ = std::fs::remove_dir_all(checkout);
    }
}

fn worker_labels(cfg: &WorkerConfig) -> crate::domain::Doc {
    let mut labels = crate::domain::Doc::new();
    labels.insert("prefect.worker.name".into(), Value::from(cfg.name.clone()));
    labels.insert("prefect.worker.type".into(), Value::from("process"));
    labels.insert(
        "prefect.work-pool.name".into(),
        Value::from(cfg.pool.clone()),
    );
    labels
}

enum Outcome {
    Exited(Option<i32>),
    Cancelled,
    TimedOut,
    WorkerStopped,
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn finish<T: Transport>(
    t: &T,
    id: Uuid,
    kind: &Kind,
    outcome: Outcome,
    timeout: Option<f64>,
) {
    match outcome {
        Outcome::Cancelled => {
            propose(
                t,
                id,
                StateType::Cancelled,
                None,
                Some("Cancelled: the run's process was stopped.".into()),
                true,
            )
            .await;
        }
        Outcome::WorkerStopped
            if t.state_of(id)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.is_terminal()) => {}
        Outcome::WorkerStopped => {
            let msg = "The worker stopped while the run was in progress; its process was ended.";
            log_line(t, id, 40, msg).await;
            propose(t, id, StateType::Crashed, None, Some(msg.into()), false).await;
        }
        Outcome::TimedOut => {
            let msg = format!(
                "The run exceeded its timeout of {} s and was stopped.",
                timeout.unwrap_or_default()
            );
            log_line(t, id, 40, &msg).await;
            propose(
                t,
                id,
                StateType::Failed,
                Some(name::TIMED_OUT),
                Some(msg),
                false,
            )
            .await;
        }
        Outcome::Exited(code) if *kind == Kind::PrefectFlow => {
            let state = t.state_of(id).await.ok().flatten();
            // A suspended run's process exits on purpose: the run waits, Paused, to be resumed.
            let suspended = state == Some(StateType::Paused) && code == Some(0);
            if !state.is_some_and(|s| s.is_terminal()) && !suspended {
                let msg = format!(
                    "The flow run process exited (code {}) without reporting a final state.",
                    code.map_or("unknown".into(), |c| c.to_string())
                );
                log_line(t, id, 40, &msg).await;
                propose(t, id, StateType::Crashed, None, Some(msg), false).await;
            }
        }
        Outcome::Exited(Some(0)) => {
            propose(t, id, StateType::Completed, None, None, false).await;
        }
        Outcome::Exited(Some(c)) => {
            let msg = format!("The process exited with code {c}.");
            propose(t, id, StateType::Failed, None, Some(msg), false).await;
        }
        Outcome::Exited(None) => {
            let msg = "The run's process was killed by a signal.";
            log_line(t, id, 40, msg).await;
            propose(t, id, StateType::Crashed, None, Some(msg.into()), false).await;
        }
    }
}

/// How the run's process ended, in words.
fn ended(pid: u32, outcome: &Outcome, signal: Option<i32>) -> String {
    match outcome {
        Outcome::Exited(Some(code)) => format!("Process {pid} exited with code {code}."),
        Outcome::Exited(None) => {
            let name = signal
                .and_then(|s| nix::sys::signal::Signal::try_from(s).ok())
                .map_or("a signal".to_string(), |s| s.as_str().to_string());
            format!("Process {pid} was killed by {name}.")
        }
        Outcome::Cancelled => format!("Process {pid} was stopped: the run was cancelled."),
        Outcome::TimedOut => format!("Process {pid} was stopped: the run exceeded its timeout."),
        Outcome::WorkerStopped => format!("Process {pid} was stopped: the worker is stopping."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_process_is_told_in_words() {
        assert_eq!(
            ended(7, &Outcome::Exited(Some(3)), None),
            "Process 7 exited with code 3."
        );
        assert_eq!(
            ended(7, &Outcome::Exited(None), Some(9)),
            "Process 7 was killed by SIGKILL."
        );
        assert_eq!(
            ended(7, &Outcome::Exited(None), None),
            "Process 7 was killed by a signal."
        );
        assert!(ended(7, &Outcome::Cancelled, None).contains("cancelled"));
    }
}
