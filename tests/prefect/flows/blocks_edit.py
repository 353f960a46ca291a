"""A second process: loads the nested block another process saved, edits it (save with overwrite), reads the
edit back, then deletes it. Prints KEY=value lines."""

from block_classes import OuterConn


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
