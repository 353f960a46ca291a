"""A second process: loads the nested block another process saved, edits it (save with overwrite), reads the
edit back, then deletes it. Prints KEY=value lines."""

from prefect.blocks.core import Block
from pydantic import SecretStr


class InnerCreds(Block):
    username: str
    password: SecretStr


class OuterConn(Block):
    host: str
    creds: InnerCreds


if __name__ == "__main__":
    conn = OuterConn.load("outer-inline")
    print("LOADED=" + conn.host + "|" + conn.creds.password.get_secret_value())
    conn.host = "db-edited.local"
    conn.save("outer-inline", overwrite=True)
    print("EDITED=" + OuterConn.load("outer-inline").host)
    OuterConn.delete("outer-inline")
    try:
        OuterConn.load("outer-inline")
        print("GONE=no")
    except ValueError:
        print("GONE=yes")
