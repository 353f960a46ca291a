"""Blocks with the real client: Secret and custom Block subclasses saved, loaded, overwritten, nested and
deleted (tests/prefect/flows/blocks_flow.py), read back through the API with secrets hidden, listed by the
`prefect block` CLI, and never stored in the clear."""

from __future__ import annotations

import os

# Values the script saves as secrets and never prints or returns from a flow.
STORED_ONLY = ["hunter2-zx81", "pw-named-zx84", "tok-123456789012"]


def test_blocks_round_trip_with_the_sdk(baton, api, run_flow, prefect_cli):
    result = run_flow("blocks_flow.py")
    assert result.returncode == 0, result.describe()
    expect = {
        "SECRET": "hunter2-zx81",
        "DUPLICATE": "refused",
        "OVERWRITTEN": "hunter2-zx82",
        "IN_FLOW": "hunter2-zx82",
        "CUSTOM": "https://example.com|tok-123456789012|30",
        "NESTED": "db2.local|u2|pw-named-zx84",
        "INLINE": "pw-inline-zx83",
        "GENERIC": "Secret|hunter2-zx82",
        "DICT": "{'user': 'bob', 'pw': 'dict-zq-85'}",
        "MISSING": "Unable to find block document named never-saved for block type secret",
        "DELETED": "yes",
    }
    for key, value in expect.items():
        assert result.field(key) == value, f"{key}: {result.describe()}"

    masked = api.get("block_types/slug/secret/block_documents/name/api-key").json()
    assert masked["data"] == {"value": "********"}, masked
    assert masked["block_type"]["slug"] == "secret" and masked["block_schema"]["block_type"]["slug"] == "secret"
    clear = api.get(f"block_documents/{masked['id']}", params={"include_secrets": "true"}).json()
    assert clear["data"] == {"value": "hunter2-zx82"}, clear

    ref = api.get("block_types/slug/outerconn/block_documents/name/outer-ref").json()
    assert ref["data"] == {"host": "db2.local", "creds": {"username": "u2", "password": "********"}}, ref
    child = ref["block_document_references"]["creds"]["block_document"]
    assert child["name"] == "inner-named" and child["block_type"]["slug"] == "innercreds", ref

    names = [d["name"] for d in api.post("block_documents/filter", json={}).json()]
    assert names == sorted(names) and "api-key" in names and "to-delete" not in names, names
    assert api.post("block_documents/count", json={}).json() == len(names)

    r = prefect_cli("block", "ls")
    assert r.returncode == 0, r.describe()
    assert "api-key" in r.stdout and "reporting" in r.stdout, r.describe()
    r = prefect_cli("block", "inspect", "apiconfig/reporting")
    assert r.returncode == 0 and "https://example.com" in r.stdout, r.describe()
    assert "tok-123456789012" not in r.stdout, "the secret is hidden"
    r = prefect_cli("block", "register", "-m", "prefect.blocks.notifications")
    assert r.returncode == 0, r.describe()
    r = prefect_cli("block", "type", "ls")
    assert r.returncode == 0 and "secret" in r.stdout and "slack-webhook" in r.stdout, r.describe()
    r = prefect_cli("block", "delete", "apiconfig/reporting")
    assert r.returncode == 0, r.describe()
    assert api.get("block_types/slug/apiconfig/block_documents/name/reporting").status_code == 404

    edit = run_flow("blocks_edit.py")
    assert edit.returncode == 0, edit.describe()
    assert edit.field("LOADED") == "db.local|pw-inline-zx83", edit.describe()
    assert edit.field("EDITED") == "db-edited.local", edit.describe()
    assert edit.field("GONE") == "yes", edit.describe()

    # Bad input gets a clear 4xx and writes nothing.
    before = api.post("block_documents/count", json={"block_documents": {"is_anonymous": None}}).json()
    r = api.get("block_types/slug/no-such-type")
    assert r.status_code == 404 and r.json()["detail"] == "Block type not found", r.text
    r = api.get("block_schemas/checksum/sha256:" + "0" * 64)
    assert r.status_code == 404 and r.json()["detail"] == "Block schema not found", r.text
    inner = api.get("block_types/slug/innercreds/block_documents/name/inner-named").json()
    outer = api.get("block_types/slug/outerconn/block_documents/name/outer-ref").json()
    assert api.delete(f"block_documents/{inner['id']}").status_code == 204
    r = api.post("block_documents/", json={
        "name": "points-at-deleted", "block_type_id": outer["block_type_id"], "block_schema_id": outer["block_schema_id"],
        "data": {"host": "h", "creds": {"$ref": {"block_document_id": inner["id"]}}}})
    assert r.status_code == 409 and inner["id"] in r.json()["detail"], r.text
    after = api.post("block_documents/count", json={"block_documents": {"is_anonymous": None}}).json()
    assert after == before - 1, (before, after)
    left = api.get("block_types/slug/outerconn/block_documents/name/outer-ref").json()
    assert left["data"] == {"host": "db2.local"} and left["block_document_references"] == {}, left

    if baton.process is not None:
        for path in sorted(os.listdir(baton.home)):
            if path.startswith("baton.db"):
                raw = (baton.home / path).read_bytes()
                for secret in STORED_ONLY:
                    assert secret.encode() not in raw, f"{secret} is stored in the clear in {path}"
        key = baton.home / "secrets.key"
        assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
