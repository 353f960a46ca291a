"""Blocks with the real client: Secret and custom Block subclasses saved, loaded, overwritten, nested and
deleted (tests/prefect/flows/blocks_flow.py), read back through the API with secrets hidden, listed by the
`prefect block` CLI, and never stored in the clear."""

from __future__ import annotations

import os

# Values the script saves as secrets and never prints or returns from a flow.
STORED_ONLY = ["hunter2-zx81", "pw-inline-zx83", "pw-named-zx84", "tok-123456789012"]


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
    r = prefect_cli("block", "type", "ls")
    assert r.returncode == 0 and "secret" in r.stdout, r.describe()

    if baton.process is not None:
        for path in sorted(os.listdir(baton.home)):
            if path.startswith("baton.db"):
                raw = (baton.home / path).read_bytes()
                for secret in STORED_ONLY:
                    assert secret.encode() not in raw, f"{secret} is stored in the clear in {path}"
        key = baton.home / "secrets.key"
        assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
