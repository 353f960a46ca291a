"""Compare two recordings made with BATON_P2_RECORD (sitecustomize.py): Prefect 2's server (first) and
Baton (second). Groups requests by method and path template (UUIDs and names become {id}/{name}) and
prints, per group, the status codes each server gave and the response keys that differ.

    python compare.py prefect2.jsonl baton.jsonl [--bodies]
"""

import json
import re
import sys
from collections import OrderedDict

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def template(url: str) -> str:
    path = url.split("/api", 1)[-1]
    path = UUID.sub("{id}", path)
    path = re.sub(r"tutorial-queue-[0-9a-f]{8}", "{queue}", path)
    path = re.sub(r"tutorial-[0-9a-f]{8}", "{name}", path)
    path = re.sub(r"sha256:[0-9a-f]{64}", "{checksum}", path)
    return path


def load(path):
    groups = OrderedDict()
    for line in open(path):
        e = json.loads(line)
        key = (e["method"], template(e["url"]))
        groups.setdefault(key, []).append(e)
    return groups


def keys(body):
    if isinstance(body, list):
        body = body[0] if body else {}
    return set(body) if isinstance(body, dict) else set()


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    bodies = "--bodies" in sys.argv
    for key in list(a) + [k for k in b if k not in a]:
        ea, eb = a.get(key, []), b.get(key, [])
        sa = sorted({str(e.get("status")) for e in ea})
        sb = sorted({str(e.get("status")) for e in eb})
        ka = set().union(*(keys(e.get("response")) for e in ea)) if ea else set()
        kb = set().union(*(keys(e.get("response")) for e in eb)) if eb else set()
        mark = "  " if sa == sb and ka <= kb else "!!"
        print(f"{mark} {key[0]:6} {key[1]:70} prefect2={','.join(sa) or '-'} baton={','.join(sb) or '-'}")
        if ka - kb and eb:
            print(f"     keys missing in baton: {sorted(ka - kb)}")
        if bodies and mark == "!!":
            for e in eb[:1]:
                print("     baton request:", json.dumps(e.get("request"))[:1500])
                print("     baton answer:", json.dumps(e.get("response"))[:1500])


if __name__ == "__main__":
    main()
