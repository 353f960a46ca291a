//! Unit tests for the interpreter lookup, over a fake filesystem (a set of files that exist), and for the
//! probe against real scripts in a temp dir.

use super::*;

fn fs(files: &[&str]) -> impl Fn(&Path) -> bool {
    let files: HashSet<PathBuf> = files.iter().map(PathBuf::from).collect();
    move |p: &Path| files.contains(p)
}

fn places<'a>(cwd: &'a str) -> Places<'a> {
    Places {
        cwd: Some(Path::new(cwd)),
        ..Default::default()
    }
}

fn found(p: &Places, files: &[&str]) -> (String, Source) {
    let i = find(p, fs(files));
    (i.program, i.source)
}

const ALL: &[&str] = &[
    "/srv/app/.venv/bin/python",
    "/srv/venv/bin/python",
    "/env/bin/python",
];

#[test]
fn the_python_job_variable_comes_first() {
    let p = Places {
        job_variable: Some("/opt/py/bin/python"),
        option: Some("/opt/other"),
        virtual_env: Some("/env"),
        ..places("/srv/app")
    };
    assert_eq!(
        found(&p, ALL),
        ("/opt/py/bin/python".into(), Source::JobVariable)
    );
    let relative = Places {
        job_variable: Some(".venv/bin/python"),
        ..places("/srv/app")
    };
    assert_eq!(
        found(&relative, &[]).0,
        "/srv/app/.venv/bin/python",
        "relative to the working directory"
    );
    let bare = Places {
        job_variable: Some("python3.12"),
        ..places("/srv/app")
    };
    assert_eq!(
        found(&bare, &[]).0,
        "python3.12",
        "a name stays a name (PATH)"
    );
    let blank = Places {
        job_variable: Some("  "),
        ..places("/srv/app")
    };
    assert_eq!(found(&blank, ALL).1, Source::ProjectVenv, "blank is unset");
}

#[test]
fn the_projects_venv_is_found_in_the_working_directory_or_a_parent() {
    let p = Places {
        option: Some("/opt/other"),
        virtual_env: Some("/env"),
        ..places("/srv/app/flows")
    };
    assert_eq!(
        found(&p, ALL),
        ("/srv/app/.venv/bin/python".into(), Source::ProjectVenv)
    );
    assert_eq!(
        found(
            &p,
            &[
                "/srv/app/flows/venv/bin/python",
                "/srv/app/.venv/bin/python"
            ]
        )
        .0,
        "/srv/app/flows/venv/bin/python",
        "the nearest directory wins"
    );
    assert_eq!(
        found(
            &p,
            &["/srv/app/venv/bin/python", "/srv/app/.venv/bin/python"]
        )
        .0,
        "/srv/app/.venv/bin/python",
        ".venv before venv in one directory"
    );
    assert_eq!(
        found(&places("/a/b/c"), &["/.venv/bin/python"]).0,
        "/.venv/bin/python",
        "up to /"
    );
    assert_eq!(
        found(&Places::default(), ALL).1,
        Source::Path,
        "no working directory"
    );
}

#[test]
fn the_walk_stops_at_the_pull_step_directory() {
    let inside = Places {
        top: Some(Path::new("/srv/app")),
        ..places("/srv/app/flows")
    };
    assert_eq!(found(&inside, &["/srv/venv/bin/python"]).1, Source::Path);
    assert_eq!(
        found(&inside, &["/srv/app/venv/bin/python"]).0,
        "/srv/app/venv/bin/python",
        "the pull-step directory itself counts"
    );
    let outside = Places {
        top: Some(Path::new("/tmp/checkout")),
        ..places("/srv/app/flows")
    };
    assert_eq!(
        found(&outside, &["/srv/venv/bin/python"]).0,
        "/srv/venv/bin/python",
        "a working directory outside it walks up to /"
    );
}

#[test]
fn then_the_workers_option_its_virtualenv_and_python3() {
    let p = Places {
        option: Some("/opt/py"),
        virtual_env: Some("/env"),
        ..places("/srv/app")
    };
    assert_eq!(
        found(&p, &["/env/bin/python"]),
        ("/opt/py".into(), Source::WorkerOption)
    );
    let p = Places { option: None, ..p };
    assert_eq!(
        found(&p, &["/env/bin/python"]),
        ("/env/bin/python".into(), Source::VirtualEnv)
    );
    assert_eq!(
        found(&p, &[]),
        ("python3".into(), Source::Path),
        "a virtualenv without a python is skipped"
    );
    let path = std::ffi::OsString::from("/nope:/usr/local/bin:/usr/bin");
    let p = Places {
        path_var: Some(&path),
        ..p
    };
    assert_eq!(
        found(&p, &["/usr/bin/python3", "/usr/local/bin/python3"]),
        ("/usr/local/bin/python3".into(), Source::Path),
        "the first python3 on the PATH, named by its file"
    );
}

#[test]
fn baton_deploy_records_a_virtualenv_it_finds_and_nothing_else() {
    let project = Path::new("/srv/app");
    assert_eq!(
        for_deploy(project, Some("/env"), fs(ALL)).as_deref(),
        Some("/srv/app/.venv/bin/python")
    );
    assert_eq!(
        for_deploy(project, Some("/env"), fs(&["/env/bin/python"])).as_deref(),
        Some("/env/bin/python")
    );
    assert_eq!(for_deploy(project, None, fs(&[])), None);
}

#[test]
fn the_message_names_the_interpreter_and_three_fixes() {
    let python = Interpreter {
        program: "/usr/bin/python3".into(),
        source: Source::Path,
    };
    let msg = no_prefect_message(&python, &Probe::NoPrefect);
    assert!(!msg.contains('\n'));
    for needle in [
        "/usr/bin/python3 (found on the PATH) cannot import prefect",
        "--job-variable python=",
        "`.venv`",
        "baton serve --python",
    ] {
        assert!(msg.contains(needle), "{needle:?} in {msg}");
    }
    let gone = no_prefect_message(&python, &Probe::CannotRun("no such file".into()));
    assert!(gone.contains("cannot be run (no such file)"), "{gone}");
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.to_string_lossy().into_owned()
}

#[tokio::test]
async fn the_probe_asks_once_per_yes_and_again_after_a_no() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let c = count.display();
    let yes = script(dir.path(), "yes", &format!("echo . >> {c}; exit 0"));
    let no = script(dir.path(), "no", &format!("echo . >> {c}; exit 3"));
    let prober = Prober::default();
    let env = BTreeMap::new();
    assert_eq!(prober.probe(&yes, &env).await, Probe::HasPrefect);
    assert_eq!(prober.probe(&yes, &env).await, Probe::HasPrefect);
    assert_eq!(prober.probe(&no, &env).await, Probe::NoPrefect);
    assert_eq!(prober.probe(&no, &env).await, Probe::NoPrefect);
    let asked = std::fs::read_to_string(&count).unwrap().lines().count();
    assert_eq!(asked, 3, "a yes is remembered, a no is not");
    let missing = dir.path().join("missing").to_string_lossy().into_owned();
    assert!(matches!(
        prober.probe(&missing, &env).await,
        Probe::CannotRun(_)
    ));
}

#[tokio::test]
async fn the_probe_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let slow = script(dir.path(), "slow", "exec sleep 5");
    let prober = Prober {
        timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let started = std::time::Instant::now();
    assert_eq!(prober.probe(&slow, &BTreeMap::new()).await, Probe::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(3));
}
