//! Tests of reading Python source: functions, decorators, docstrings, signatures and the schema made from them.

use super::pyschema::{annotation_schema, literal, parameter_schema};
use super::pysource::{find_function, functions};
use serde_json::json;

const SRC: &str = r#"
import prefect
from prefect import flow, task

@task
def helper(x):
    return x

@flow(
    name="nightly-etl",  # the flow's name
    log_prints=True,
)
def etl(
    n: int,
    day: str = "today",
    ratio: float | None = None,
    tags: list[str] = ["a", "b"],
    opts: dict = {"k": 1},
    flag: bool = False,
    *args,
    when: Optional[int] = 3,
    **kwargs,
) -> None:
    """Load the day's data.

    Longer text, indented.
    """
    print(n)

@flow
async def tidy_up(a, b='x'): return a

def plain(items: List[int], mode: Literal["fast", "slow"] = 'fast'):
    'One-line doc.'
    pass
"#;

#[test]
fn functions_with_decorators_and_docstrings() {
    let fns = functions(SRC);
    let names: Vec<&str> = fns.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["helper", "etl", "tidy_up", "plain"]);
    let etl = &fns[1];
    assert!(etl.is_flow());
    assert_eq!(etl.flow_name().as_deref(), Some("nightly-etl"));
    assert_eq!(
        etl.docstring.as_deref(),
        Some("Load the day's data.\n\nLonger text, indented.")
    );
    assert!(!fns[0].is_flow());
    assert!(fns[2].is_flow());
    assert_eq!(fns[2].flow_name(), None);
    assert_eq!(fns[3].docstring.as_deref(), Some("One-line doc."));
    assert!(!fns[3].is_flow());
}

#[test]
fn multi_line_signature_becomes_a_schema() {
    let f = find_function(SRC, "etl").unwrap();
    let names: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["n", "day", "ratio", "tags", "opts", "flag", "when"]);
    let s = parameter_schema(&f.params);
    assert_eq!(s["required"], json!(["n"]));
    let p = &s["properties"];
    assert_eq!(
        p["n"],
        json!({"title": "n", "position": 0, "type": "integer"})
    );
    assert_eq!(
        p["day"],
        json!({"title": "day", "position": 1, "type": "string", "default": "today"})
    );
    assert_eq!(
        p["ratio"],
        json!({"title": "ratio", "position": 2, "default": null,
               "anyOf": [{"type": "number"}, {"type": "null"}]})
    );
    assert_eq!(p["tags"]["type"], "array");
    assert_eq!(p["tags"]["items"], json!({"type": "string"}));
    assert_eq!(p["tags"]["default"], json!(["a", "b"]));
    assert_eq!(p["opts"]["default"], json!({"k": 1}));
    assert_eq!(p["flag"]["default"], json!(false));
    assert_eq!(p["when"]["anyOf"][0], json!({"type": "integer"}));
}

#[test]
fn annotations_and_literals() {
    assert_eq!(
        annotation_schema("Optional[str]")["anyOf"][1],
        json!({"type": "null"})
    );
    assert_eq!(
        annotation_schema("typing.List[int]")["items"],
        json!({"type": "integer"})
    );
    assert_eq!(annotation_schema("'int'"), json!({"type": "integer"}));
    assert_eq!(annotation_schema("MyModel"), json!({}));
    assert_eq!(
        annotation_schema("Literal['fast', 'slow']"),
        json!({"enum": ["fast", "slow"], "type": "string"})
    );
    assert_eq!(
        annotation_schema("dict[str, float]")["additionalProperties"],
        json!({"type": "number"})
    );
    assert_eq!(literal("1_000"), Some(json!(1000)));
    assert_eq!(literal("-2.5"), Some(json!(-2.5)));
    assert_eq!(literal("(1, 'a')"), Some(json!([1, "a"])));
    assert_eq!(literal("None"), Some(json!(null)));
    assert_eq!(literal("os.getcwd()"), None);
    let f = find_function("def f(x=os.getcwd()): pass", "f").unwrap();
    let s = parameter_schema(&f.params);
    assert!(s.get("required").is_none());
    assert!(s["properties"]["x"].get("default").is_none());
}

#[test]
fn strings_and_comments_do_not_confuse_the_reader() {
    let src = "x = 'def fake(a):'\n# def commented(b):\ndef real(a: str = \"(\", b: str = ')'):\n    \"\"\"Doc with def inside(c).\"\"\"\n";
    let fns = functions(src);
    assert_eq!(fns.len(), 1);
    assert_eq!(fns[0].name, "real");
    assert_eq!(fns[0].params.len(), 2);
    assert_eq!(fns[0].params[1].default.as_deref(), Some("')'"));
    assert_eq!(fns[0].docstring.as_deref(), Some("Doc with def inside(c)."));
}
