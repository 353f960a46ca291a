"""Sets and reads variables through prefect.variables.Variable, inside and outside a flow."""

from prefect import flow
from prefect.variables import Variable


@flow
def read_config() -> str:
    conf = Variable.get("pipeline_conf")
    return f"{conf['region']}:{len(conf['shards'])}"


if __name__ == "__main__":
    Variable.set("pipeline_conf", {"region": "eu", "shards": [1, 2, 3]}, tags=["etl"])
    try:
        Variable.set("pipeline_conf", {"region": "us"})
        print("SECOND_SET=allowed")
    except ValueError:
        print("SECOND_SET=refused")
    Variable.set("pipeline_conf", {"region": "us", "shards": [1]}, overwrite=True)
    print("MISSING=" + repr(Variable.get("no_such_var", default="fallback")))
    print("RESULT=" + read_config())
    print("NUMBER=" + repr(Variable.get("plain_number")))
    Variable.unset("plain_number")
    print("AFTER_UNSET=" + repr(Variable.get("plain_number")))
