//! Unit tests for run planning.

use super::*;
use crate::worker::python::Source;
use serde_json::json;

fn py(program: &str) -> Interpreter {
    Interpreter {
        program: program.into(),
        source: Source::Path,
    }
}

fn facts(job_variables: Value, entrypoint: Option<&str>) -> RunFacts {
    RunFacts {
        run_id: Uuid::nil(),
        run_name: "r".into(),
        flow_name: "etl".into(),
        entrypoint: entrypoint.map(String::from),
        job_variables: job_variables.as_object().unwrap().clone(),
        parameters: json!({"day": "today", "n": 3, "max-rows": 1})
            .as_object()
            .unwrap()
            .clone(),
        api_url: "http://127.0.0.1:4200/api".into(),
        api_auth: None,
        worker_name: "w".into(),
        ..Default::default()
    }
}

#[test]
fn commands_run_without_a_shell_with_parameters_in_the_environment() {
    let f = facts(
        json!({"command": "./backup.sh --full 'two words'", "env": {"A": "1"}}),
        None,
    );
    let job = plan(&f, None, &py("python3"), None, None, "").unwrap();
    assert_eq!(job.kind, Kind::Command);
    assert_eq!(
        (job.program.as_str(), job.args.clone()),
        (
            "./backup.sh",
            vec!["--full".to_string(), "two words".to_string()]
        )
    );
    assert_eq!(job.env["BATON_PARAM_DAY"], "today");
    assert_eq!(job.env["BATON_PARAM_N"], "3");
    assert_eq!(job.env["BATON_PARAM_MAX_ROWS"], "1");
    assert_eq!(job.env["A"], "1");
    assert!(job.env["BATON_PARAMETERS"].contains("\"day\":\"today\""));
    assert!(!job.env.contains_key("PREFECT__FLOW_RUN_ID"));
    assert!(plan(
        &facts(json!({"command": "unterminated 'quote"}), None),
        None,
        &py("p"),
        None,
        None,
        ""
    )
    .is_err());
}

#[test]
fn prefect_flows_go_through_the_engine() {
    let src =
        "from prefect import flow\n\n@flow(log_prints=True)\ndef etl(day: str):\n    print(day)\n";
    let f = facts(json!({}), Some("flows/etl.py:etl"));
    assert!(needs_prefect(&f, Some(src)));
    let has = Some(&Probe::HasPrefect);
    let job = plan(&f, None, &py("/venv/bin/python"), Some(src), has, "").unwrap();
    assert_eq!(job.kind, Kind::PrefectFlow);
    assert_eq!(job.program, "/venv/bin/python");
    assert_eq!(job.args, vec!["-m", "prefect.engine"]);
    assert_eq!(job.env["PREFECT__FLOW_RUN_ID"], Uuid::nil().to_string());
    assert_eq!(job.env["PREFECT_API_URL"], "http://127.0.0.1:4200/api");
    assert_eq!(job.env["PREFECT__FLOW_ENTRYPOINT"], "flows/etl.py:etl");
    let undecorated = "def etl(day):\n    pass\n";
    assert!(!needs_prefect(&f, Some(undecorated)));
    let plain = plan(&f, None, &py("python3"), Some(undecorated), None, "BOOT").unwrap();
    assert_eq!(plain.kind, Kind::PythonFunction, "a function without @flow");
    assert_eq!(plain.args, vec!["-c", "BOOT"]);
    assert_eq!(plain.env["BATON_ENTRY_FILE"], "flows/etl.py");
    let unreadable = plan(&f, None, &py("python3"), None, None, "B").unwrap();
    assert_eq!(
        unreadable.kind,
        Kind::PythonFunction,
        "the bootstrap says what is missing"
    );
}

#[test]
fn a_prefect_flow_is_not_started_with_a_python_that_lacks_prefect() {
    let src = "from prefect import flow\n\n@flow\ndef etl():\n    pass\n";
    let f = facts(json!({}), Some("etl.py:etl"));
    for probe in [Some(&Probe::NoPrefect), Some(&Probe::TimedOut), None] {
        let err = plan(&f, None, &py("/usr/bin/python3"), Some(src), probe, "B").unwrap_err();
        let PlanError::NoPrefect(msg) = err else {
            panic!("{err:?}")
        };
        assert!(
            msg.starts_with("/usr/bin/python3 (found on the PATH)"),
            "{msg}"
        );
    }
    let command = facts(json!({"command": "echo hi"}), Some("etl.py:etl"));
    assert!(
        !needs_prefect(&command, Some(src)),
        "a command runs anything"
    );
    let plan = plan(&command, None, &py("python3"), Some(src), None, "B").unwrap();
    assert_eq!(plan.kind, Kind::Command);
}

#[test]
fn the_runs_python_settings() {
    let f = facts(
        json!({"python": "/opt/py", "env": {"PYTHONPATH": "/lib", "A": "1", "PYTHONHOME": 3}}),
        None,
    );
    assert_eq!(python_variable(&f), Some("/opt/py"));
    assert_eq!(
        python_env(&f).into_iter().collect::<Vec<_>>(),
        [("PYTHONPATH".to_string(), "/lib".to_string())]
    );
}

#[test]
fn flow_detection_reads_decorators() {
    assert!(is_prefect_flow("@flow\ndef a():\n  pass", "a"));
    assert!(is_prefect_flow(
        "@prefect.flow(name='x',\n    retries=2)\nasync def a():\n  pass",
        "a"
    ));
    assert!(!is_prefect_flow("@task\ndef a():\n  pass", "a"));
    assert!(!is_prefect_flow(
        "@flow\ndef b():\n  pass\ndef a():\n  pass",
        "a"
    ));
}

#[test]
fn working_directory_and_entrypoint() {
    let base = Path::new("/base");
    let mut f = facts(json!({}), Some("a.py:f"));
    assert_eq!(working_dir(&f, base), None);
    f.path = Some("proj".into());
    assert_eq!(working_dir(&f, base), Some(PathBuf::from("/base/proj")));
    f.pull_steps = Some(
        json!([{"prefect.deployments.steps.set_working_directory": {"directory": "/srv/app"}}]),
    );
    assert_eq!(working_dir(&f, base), Some(PathBuf::from("/srv/app")));
    assert_eq!(pull_step_dir(&f, base), Some(PathBuf::from("/srv/app")));
    f.job_variables
        .insert("working_dir".into(), json!("/tmp/x"));
    assert_eq!(working_dir(&f, base), Some(PathBuf::from("/tmp/x")));
    assert!(split_entrypoint("nocolon").is_err());
    assert_eq!(
        split_entrypoint("a/b.py:f").unwrap(),
        ("a/b.py".to_string(), "f".to_string())
    );
}

#[test]
fn git_clone_steps_and_tokens() {
    let steps = json!([{"prefect.deployments.steps.git_clone": {"repository": "https://example.com/a/b.git", "branch": "main",
                                                                 "access_token": "{{ $GIT_TOKEN }}"}}]);
    let step = git_clone_step(Some(&steps)).unwrap();
    assert_eq!(step.branch.as_deref(), Some("main"));
    let tok = resolve_token(step.access_token.as_deref().unwrap(), |n| {
        (n == "GIT_TOKEN").then(|| "s3cret".to_string())
    });
    assert_eq!(tok.as_deref(), Some("s3cret"));
    assert_eq!(
        clone_url(&step, tok.as_deref()),
        "https://s3cret@example.com/a/b.git"
    );
    assert_eq!(resolve_token("${X}", |_| None), None);
    assert_eq!(
        resolve_token("literal", |_| None).as_deref(),
        Some("literal")
    );
    assert!(git_clone_step(Some(
        &json!([{"prefect.deployments.steps.set_working_directory": {"directory": "/x"}}])
    ))
    .is_none());
}
