//! Which Python runs a flow, and whether it can import `prefect`.
//!
//! The lookup ([`find`]), first match wins (README.md, "`baton serve`", documents it):
//! 1. the `python` job variable (`prefect deploy --job-variable python=…`, or what `baton deploy` recorded);
//! 2. `.venv/bin/python`, then `venv/bin/python`, in the working directory and each parent, up to the
//!    pull-step directory (`set_working_directory`, a git checkout) when the working directory is inside it,
//!    else up to `/`;
//! 3. the worker's `--python PATH` / `BATON_PYTHON` (an explicit choice, so it beats an ambient virtualenv);
//! 4. the worker's `$VIRTUAL_ENV/bin/python`;
//! 5. `python3` on the worker's PATH.
//!
//! The lookup is pure over an `is_file` view of the filesystem. [`Prober`] asks an interpreter whether it can
//! import `prefect` in a child process (never on the runtime's threads), bounded by [`PROBE_TIMEOUT`]; a
//! yes is remembered per interpreter file and modification time, a no is asked again next time (the user may
//! just have installed prefect).

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// How long an interpreter may take to say whether it has prefect.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the interpreter came from (named in messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    JobVariable,
    ProjectVenv,
    WorkerOption,
    VirtualEnv,
    Path,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::JobVariable => "the python job variable",
            Source::ProjectVenv => "the project's virtualenv",
            Source::WorkerOption => "the worker's --python / BATON_PYTHON",
            Source::VirtualEnv => "the worker's $VIRTUAL_ENV",
            Source::Path => "found on the PATH",
        }
    }
}

/// The interpreter chosen for a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    pub program: String,
    pub source: Source,
}

/// The places the lookup reads, in order.
#[derive(Clone, Copy, Debug, Default)]
pub struct Places<'a> {
    /// The run's `python` job variable.
    pub job_variable: Option<&'a str>,
    /// The run's working directory.
    pub cwd: Option<&'a Path>,
    /// The directory a pull step set (the walk up from `cwd` stops there when `cwd` is inside it).
    pub top: Option<&'a Path>,
    /// The worker's `--python` / `BATON_PYTHON`.
    pub option: Option<&'a str>,
    /// The worker's `$VIRTUAL_ENV`.
    pub virtual_env: Option<&'a str>,
    /// The worker's `PATH` (where `python3` is looked up, so messages name the file).
    pub path_var: Option<&'a OsStr>,
}

fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The interpreter for a run (see the module doc for the order).
pub fn find(p: &Places, is_file: impl Fn(&Path) -> bool) -> Interpreter {
    let pick = |program: String, source| Interpreter { program, source };
    if let Some(j) = given(p.job_variable) {
        // A relative path (`.venv/bin/python` in a prefect.yaml) is the project's.
        let program = match p.cwd {
            Some(d) if j.contains('/') && Path::new(j).is_relative() => {
                d.join(j).to_string_lossy().into_owned()
            }
            _ => j.to_string(),
        };
        return pick(program, Source::JobVariable);
    }
    if let Some(v) = p.cwd.and_then(|d| project_venv(d, p.top, &is_file)) {
        return pick(v.to_string_lossy().into_owned(), Source::ProjectVenv);
    }
    if let Some(o) = given(p.option) {
        return pick(o.to_string(), Source::WorkerOption);
    }
    if let Some(v) = given(p.virtual_env) {
        let python = Path::new(v).join("bin/python");
        if is_file(&python) {
            return pick(python.to_string_lossy().into_owned(), Source::VirtualEnv);
        }
    }
    let on_path = p.path_var.and_then(|v| {
        std::env::split_paths(v)
            .map(|d| d.join("python3"))
            .find(|f| is_file(f))
    });
    let program = on_path.map_or("python3".into(), |f| f.to_string_lossy().into_owned());
    pick(program, Source::Path)
}

/// `.venv/bin/python` or `venv/bin/python` in `dir` or the nearest parent that has one, not above `top`
/// when `dir` is inside `top`.
pub fn project_venv(
    dir: &Path,
    top: Option<&Path>,
    is_file: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let top = top.filter(|t| dir.starts_with(t));
    for d in dir.ancestors() {
        for venv in [".venv", "venv"] {
            let python = d.join(venv).join("bin/python");
            if is_file(&python) {
                return Some(python);
            }
        }
        if Some(d) == top {
            break;
        }
    }
    None
}

/// What `baton deploy` records as the `python` job variable of a Python flow deployed from `project`: the
/// project's virtualenv, else the deploying shell's `$VIRTUAL_ENV`; nothing when neither has a python (the
/// worker's own fallbacks then apply).
pub fn for_deploy(
    project: &Path,
    virtual_env: Option<&str>,
    is_file: impl Fn(&Path) -> bool,
) -> Option<String> {
    let places = Places {
        cwd: Some(project),
        virtual_env,
        ..Default::default()
    };
    let found = find(&places, is_file);
    (found.source != Source::Path).then_some(found.program)
}

/// What asking an interpreter found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    HasPrefect,
    NoPrefect,
    /// It could not be run at all (why).
    CannotRun(String),
    TimedOut,
}

/// The one-line reason a Prefect flow was not started with `python`, and the ways to fix it.
pub fn no_prefect_message(python: &Interpreter, probe: &Probe) -> String {
    let problem = match probe {
        Probe::CannotRun(why) => format!("cannot be run ({why})"),
        Probe::TimedOut => format!(
            "did not say within {} s whether it can import prefect",
            PROBE_TIMEOUT.as_secs()
        ),
        Probe::HasPrefect | Probe::NoPrefect => "cannot import prefect".into(),
    };
    format!(
        "{} ({}) {problem}; this Prefect flow needs a Python that can import it. Fix it with one of: \
         `prefect deploy … --job-variable python=/path/to/venv/bin/python`; a `.venv` with prefect in the \
         project directory; `baton serve --python /path/to/venv/bin/python` (or `baton worker start --python …`).",
        python.program,
        python.source.describe()
    )
}

/// `program` as a file: a path as given, a bare name looked up in `path_var` (a `PATH` value).
pub fn resolve_program(program: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program)).filter(|p| p.is_file());
    }
    std::env::split_paths(path_var?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// `--python` / `BATON_PYTHON` of `baton serve` and `baton worker start`, checked at start: a path must be
/// a file (a relative one is made absolute, since runs start in their own directories), a bare name must be
/// on the PATH.
pub fn checked_option(flag: Option<String>) -> anyhow::Result<Option<String>> {
    let Some(p) = flag.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let p = if p.contains('/') && std::path::Path::new(&p).is_relative() {
        std::env::current_dir()?
            .join(&p)
            .to_string_lossy()
            .into_owned()
    } else {
        p
    };
    let path_var = std::env::var_os("PATH");
    if resolve_program(&p, path_var.as_deref()).is_none() {
        let where_ = if p.contains('/') { "" } else { " on the PATH" };
        anyhow::bail!("--python {p}: no such file{where_}");
    }
    Ok(Some(p))
}

/// Asks interpreters whether they can import `prefect`; remembers the yeses.
pub struct Prober {
    yes: Mutex<HashSet<(PathBuf, SystemTime, String)>>,
    timeout: Duration,
}

impl Default for Prober {
    fn default() -> Self {
        Prober {
            yes: Mutex::default(),
            timeout: PROBE_TIMEOUT,
        }
    }
}

/// Finds prefect without importing it (fast); the directory of the command is left off `sys.path`, so a
/// `prefect/` folder there does not count.
const CHECK: &str = "import importlib.util, sys\n\
sys.path[:] = [p for p in sys.path if p not in ('', '.')]\n\
s = importlib.util.find_spec('prefect')\n\
sys.exit(0 if s is not None and s.origin not in (None, 'namespace') else 3)\n";

impl Prober {
    /// Whether `program` can import prefect, with the run's `PYTHON*` variables (`env`) set.
    pub async fn probe(&self, program: &str, env: &BTreeMap<String, String>) -> Probe {
        let path_var = std::env::var_os("PATH");
        let Some(file) = resolve_program(program, path_var.as_deref()) else {
            return Probe::CannotRun("no such file".into());
        };
        let mtime = tokio::fs::metadata(&file)
            .await
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let key = (file, mtime, format!("{env:?}"));
        if self.yes.lock().is_ok_and(|y| y.contains(&key)) {
            return Probe::HasPrefect;
        }
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(["-c", CHECK])
            .envs(env)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        let answer = match tokio::time::timeout(self.timeout, cmd.status()).await {
            Err(_) => Probe::TimedOut,
            Ok(Err(e)) => Probe::CannotRun(e.to_string()),
            Ok(Ok(s)) if s.success() => Probe::HasPrefect,
            Ok(Ok(_)) => Probe::NoPrefect,
        };
        if answer == Probe::HasPrefect {
            if let Ok(mut y) = self.yes.lock() {
                y.insert(key);
            }
        }
        answer
    }
}

#[cfg(test)]
#[path = "python_tests.rs"]
mod tests;
