#!/usr/bin/env python3
"""Checks that src/store/pg/*.sql (the baseline 0017_baseline.sql and each later version, in file-name order) give
the SQLite schema of src/store/migrations/*.sql on PostgreSQL.

    scripts/pg-schema-check.py [POSTGRES_URL]      (default: $BATON_TEST_DATABASE_URL)

Starts no server (scripts/pg.sh does). On the server at the URL it creates a fresh database, applies the baseline
with psql (no Python PostgreSQL driver is needed), reads the catalogs, and compares them with the SQLite schema
built in memory from the migration files (applied in file-name order, as store/migrations.rs does):
  - the same tables and views;
  - per table, the same columns in the same order, with compatible types (TEXT = text COLLATE "C",
    INTEGER = bigint, REAL = double precision, BLOB = bytea), the same NOT NULL and the same DEFAULT;
  - the same primary key, UNIQUE constraints, foreign keys (columns, target, ON DELETE) and number of CHECKs;
  - the same index names, each on the same table with the same columns, uniqueness and partial predicate;
  - per view, the same columns in the same order with compatible types.
PostgreSQL-only additions are expected and checked, not reported: a last `rowid` column (bigint identity, UNIQUE),
events.xid (xid8, default pg_current_xact_id()) with the index events_xid_rowid, and automation_cursor.last_xid.
Exits 1 with the list of differences, 0 when the schemas match. The database is dropped at the end.
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(REPO, "src", "store", "pg", "0017_baseline.sql")
MIGRATIONS = os.path.join(REPO, "src", "store", "migrations")

TYPES = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision", "BLOB": "bytea"}
# PostgreSQL-only columns besides `rowid`: (table, column) -> (type, default).
EXTRA_COLUMNS = {
    ("events", "xid"): ("xid8", "pg_current_xact_id()"),
    ("automation_cursor", "last_xid"): ("xid8", "'0'"),
}
EXTRA_INDEXES = {"events_xid_rowid": ("events", False, ["xid", "rowid"], None)}

US, RS = "\x1f", "\x1e"


def psql_bin():
    found = shutil.which("psql")
    if found:
        return found
    dirs = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/psql"),
        key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p)],
    )
    if not dirs:
        sys.exit("pg-schema-check: psql not found (install postgresql-client, or run scripts/pg.sh start)")
    return dirs[-1]


PSQL = psql_bin()


def psql(url, sql=None, file=None, single_tx=False):
    """Runs SQL (or a file) with psql; returns the rows as lists of fields."""
    cmd = [PSQL, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", US, "-R", RS, "-d", url]
    if single_tx:
        cmd.append("-1")
    cmd += ["-f", file] if file else ["-c", sql]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip() or f"psql exited {p.returncode}")
    out = p.stdout
    if out.endswith("\n"):
        out = out[:-1]
    return [r.split(US) for r in out.split(RS) if r != ""]


def with_database(url, name):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


# ---------------------------------------------------------------------------------------------------------------
# SQLite side


def sqlite_schema():
    files = sorted(glob.glob(os.path.join(MIGRATIONS, "*.sql")))
    if not files:
        sys.exit(f"pg-schema-check: no migrations in {MIGRATIONS}")
    db = sqlite3.connect(":memory:")
    for f in files:
        with open(f, encoding="utf-8") as fh:
            db.executescript(fh.read())
    tables, views, indexes = {}, {}, {}
    objects = db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    for kind, name, _tbl, sql in objects:
        if kind == "table":
            info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
            cols = [
                {"name": c[1], "type": c[2].upper(), "notnull": bool(c[3] or c[5]), "default": c[4]}
                for c in info
            ]
            pk = [c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5])]
            uniques = set()
            for ix in db.execute(f'PRAGMA index_list("{name}")').fetchall():
                if ix[3] == "u":
                    uniques.add(tuple(r[2] for r in db.execute(f'PRAGMA index_info("{ix[1]}")')))
            fks = {}
            for f in db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall():
                fk = fks.setdefault(f[0], {"cols": [], "ref": f[2], "refcols": [], "on_delete": f[6]})
                fk["cols"].append(f[3])
                fk["refcols"].append(f[4])
            fkset = {(tuple(v["cols"]), v["ref"], tuple(v["refcols"]), v["on_delete"].upper()) for v in fks.values()}
            checks = len(re.findall(r"\bCHECK\s*\(", sql, re.I))
            tables[name] = {"cols": cols, "pk": pk, "uniques": uniques, "fks": fkset, "checks": checks}
        elif kind == "view":
            info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
            views[name] = [{"name": c[1], "type": c[2].upper()} for c in info]
        elif kind == "index" and sql is not None:
            xinfo = db.execute(f'PRAGMA index_xinfo("{name}")').fetchall()
            keys = [r for r in xinfo if r[5]]
            if any(r[2] is None for r in keys):
                cols = None  # an expression index
            else:
                cols = [r[2] for r in keys]
            unique = bool(re.match(r"\s*CREATE\s+UNIQUE", sql, re.I))
            m = re.search(r"\bWHERE\s+(.*)$", sql, re.I | re.S)
            indexes[name] = (_tbl, unique, cols, norm_pred(m.group(1)) if m else None)
    return tables, views, indexes


# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL side

COLUMNS_SQL = """
SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       coalesce(pg_get_expr(d.adbin, d.adrelid), ''), coalesce(co.collname, ''), a.attidentity
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
WHERE c.relkind IN ('r', 'v', 'p')
ORDER BY c.relname, a.attnum
"""

CONSTRAINTS_SQL = """
SELECT c.relname, k.contype, k.conname,
       coalesce((SELECT string_agg(a.attname, ',' ORDER BY u.ord)
                 FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num), ''),
       coalesce(f.relname, ''),
       coalesce((SELECT string_agg(a.attname, ',' ORDER BY u.ord)
                 FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num), ''),
       k.confdeltype
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
LEFT JOIN pg_class f ON f.oid = k.confrelid
ORDER BY c.relname, k.conname
"""

INDEXES_SQL = """
SELECT i.relname, t.relname, x.indisunique,
       (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ',' ORDER BY k)
        FROM generate_series(1, x.indnkeyatts) k),
       coalesce(pg_get_expr(x.indpred, x.indrelid, true), ''),
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid),
       pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
ORDER BY i.relname
"""

ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def pg_schema(url):
    tables, views = {}, {}
    for rel, kind, col, typ, notnull, default, coll, ident in psql(url, COLUMNS_SQL):
        target = views if kind == "v" else tables
        entry = target.setdefault(rel, {"cols": [], "pk": [], "uniques": set(), "fks": set(), "checks": 0})
        entry["cols"].append(
            {"name": col, "type": typ, "notnull": notnull == "t", "default": default or None, "collation": coll,
             "identity": ident}
        )
    for rel, contype, _name, cols, ref, refcols, deltype in psql(url, CONSTRAINTS_SQL):
        t = tables.get(rel)
        if t is None:
            continue
        cols = tuple(cols.split(",")) if cols else ()
        if contype == "p":
            t["pk"] = list(cols)
        elif contype == "u":
            t["uniques"].add(cols)
        elif contype == "f":
            t["fks"].add((cols, ref, tuple(refcols.split(",")), ON_DELETE[deltype]))
        elif contype == "c":
            t["checks"] += 1
    indexes = {}
    for name, tbl, unique, keys, pred, from_constraint, definition in psql(url, INDEXES_SQL):
        if from_constraint == "t":
            continue
        indexes[name] = (tbl, unique == "t", [index_key_column(k) for k in keys.split(",")],
                         norm_pred(pred) if pred else None, definition)
    keywords = {w for w, in psql(url, "SELECT word FROM pg_get_keywords() WHERE catcode = 'R'")}
    return tables, views, indexes, keywords


def index_key_column(key):
    """`expected_start_time NULLS FIRST` / `"end" DESC` -> the column name."""
    key = re.sub(r"\s+(ASC|DESC)?\s*(NULLS (FIRST|LAST))?\s*$", "", key.strip(), flags=re.I).strip()
    key = re.sub(r'\s+COLLATE\s+"?\w+"?$', "", key)
    if key.startswith('"') and key.endswith('"'):
        key = key[1:-1]
    return key


def norm_pred(pred):
    p = pred.strip().rstrip(";").strip()
    while p.startswith("(") and p.endswith(")") and balanced(p[1:-1]):
        p = p[1:-1].strip()
    return re.sub(r"\s+", " ", p.replace('"', "")).lower()


def balanced(s):
    depth = 0
    for ch in s:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def norm_default(value):
    if value is None:
        return None
    v = value.strip()
    while True:
        stripped = re.sub(r"::[a-z_0-9 ]+(\[\])?$", "", v).strip()
        if stripped.startswith("(") and stripped.endswith(")") and balanced(stripped[1:-1]):
            stripped = stripped[1:-1].strip()
        if stripped == v:
            break
        v = stripped
    try:
        return repr(float(v))
    except ValueError:
        return v


# ---------------------------------------------------------------------------------------------------------------
# Comparison


def compare(lite, pg):
    lt, lv, li = lite
    pt, pv, pi, keywords = pg
    diffs, notes = [], []

    for name in sorted(set(lt) - set(pt)):
        diffs.append(f"table {name}: missing on PostgreSQL")
    for name in sorted(set(pt) - set(lt)):
        diffs.append(f"table {name}: only on PostgreSQL")
    for name in sorted(set(lv) - set(pv)):
        diffs.append(f"view {name}: missing on PostgreSQL")
    for name in sorted(set(pv) - set(lv)):
        diffs.append(f"view {name}: only on PostgreSQL")

    for name in sorted(set(lt) & set(pt)):
        a, b = lt[name], pt[name]
        where = f"table {name}"
        lite_cols = a["cols"]
        pg_cols = b["cols"]
        # PostgreSQL-only columns: allowed after the SQLite columns only.
        extras = [c for c in pg_cols if c["name"] == "rowid" or (name, c["name"]) in EXTRA_COLUMNS]
        base = [c for c in pg_cols if c not in extras]
        if any(pg_cols.index(c) < len(base) for c in extras):
            diffs.append(f"{where}: PostgreSQL-only columns {[c['name'] for c in extras]} must come after the "
                         "SQLite columns")
        ln, pn = [c["name"] for c in lite_cols], [c["name"] for c in base]
        if ln != pn:
            diffs.append(f"{where}: columns differ\n      SQLite:     {ln}\n      PostgreSQL: {pn}")
        for c in extras:
            if c["name"] == "rowid":
                if c["type"] != "bigint" or c["identity"] != "a":
                    diffs.append(f"{where}.rowid: want bigint GENERATED ALWAYS AS IDENTITY, found {c['type']} "
                                 f"identity={c['identity'] or 'none'}")
                if ("rowid",) not in b["uniques"]:
                    diffs.append(f"{where}.rowid: no UNIQUE constraint")
            else:
                want_type, want_default = EXTRA_COLUMNS[(name, c["name"])]
                if c["type"] != want_type or not c["notnull"] or c["default"] is None or \
                        norm_default(c["default"]) != norm_default(want_default):
                    diffs.append(f"{where}.{c['name']}: want {want_type} NOT NULL DEFAULT {want_default}, found "
                                 f"{c['type']} notnull={c['notnull']} default={c['default']}")
        byname = {c["name"]: c for c in base}
        for lc in lite_cols:
            pc = byname.get(lc["name"])
            if pc is None:
                continue
            col = f"{where}.{lc['name']}"
            want = TYPES.get(lc["type"])
            if want is None:
                diffs.append(f"{col}: SQLite type {lc['type']!r} has no mapping")
            elif pc["type"] != want:
                diffs.append(f"{col}: SQLite {lc['type']} wants {want}, PostgreSQL has {pc['type']}")
            if want == "text" and pc["collation"] != "C":
                diffs.append(f"{col}: text without COLLATE \"C\" (collation {pc['collation'] or 'default'})")
            if lc["notnull"] != pc["notnull"]:
                diffs.append(f"{col}: NOT NULL on SQLite={lc['notnull']}, PostgreSQL={pc['notnull']}")
            if norm_default(lc["default"]) != norm_default(pc["default"]):
                diffs.append(f"{col}: DEFAULT {lc['default']} on SQLite, {pc['default']} on PostgreSQL")
            if lc["name"].lower() in keywords:
                notes.append(f"{col}: a reserved word on PostgreSQL; the SQL must always quote it")
        if a["pk"] != b["pk"]:
            diffs.append(f"{where}: primary key {a['pk']} on SQLite, {b['pk']} on PostgreSQL")
        pg_uniques = {u for u in b["uniques"] if u != ("rowid",)}
        if a["uniques"] != pg_uniques:
            diffs.append(f"{where}: UNIQUE {sorted(a['uniques'])} on SQLite, {sorted(pg_uniques)} on PostgreSQL")
        if a["fks"] != b["fks"]:
            diffs.append(f"{where}: foreign keys differ\n      SQLite:     {sorted(a['fks'])}\n"
                         f"      PostgreSQL: {sorted(b['fks'])}")
        if a["checks"] != b["checks"]:
            diffs.append(f"{where}: {a['checks']} CHECK constraint(s) on SQLite, {b['checks']} on PostgreSQL")

    for name in sorted(set(lv) & set(pv)):
        ln = [(c["name"], TYPES.get(c["type"], c["type"])) for c in lv[name]]
        pn = [(c["name"], c["type"]) for c in pv[name]["cols"]]
        if ln != pn:
            diffs.append(f"view {name}: columns differ\n      SQLite:     {ln}\n      PostgreSQL: {pn}")

    for name in sorted(set(li) - set(pi)):
        diffs.append(f"index {name}: missing on PostgreSQL")
    for name in sorted(set(pi) - set(li)):
        if name in EXTRA_INDEXES:
            if tuple(pi[name][:4]) != EXTRA_INDEXES[name]:
                diffs.append(f"index {name}: want {EXTRA_INDEXES[name]}, found {pi[name][4]}")
        else:
            diffs.append(f"index {name}: only on PostgreSQL ({pi[name][4]})")
    for name in sorted(set(li) & set(pi)):
        ltbl, luniq, lcols, lpred = li[name]
        ptbl, puniq, pcols, ppred, definition = pi[name]
        if lcols is None:
            diffs.append(f"index {name}: an expression index on SQLite; compare it by hand with {definition}")
            continue
        if (ltbl, luniq, lcols, lpred) != (ptbl, puniq, pcols, ppred):
            diffs.append(f"index {name}: SQLite {ltbl}({', '.join(lcols)}) unique={luniq} where={lpred}; "
                         f"PostgreSQL {definition}")
    return diffs, notes


def main():
    args = [a for a in sys.argv[1:]]
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    url = args[0] if args else os.environ.get("BATON_TEST_DATABASE_URL")
    if not url:
        sys.exit("pg-schema-check: give a PostgreSQL URL or set BATON_TEST_DATABASE_URL (scripts/pg.sh start)")
    if not os.path.exists(BASELINE):
        sys.exit(f"pg-schema-check: {BASELINE} does not exist")

    lite = sqlite_schema()
    dbname = f"baton_schema_check_{os.getpid()}"
    try:
        psql(url, f'DROP DATABASE IF EXISTS "{dbname}"')
        psql(url, f'CREATE DATABASE "{dbname}"')
    except RuntimeError as e:
        print(f"pg-schema-check: cannot create a database on {url}: {e}", file=sys.stderr)
        return 2
    try:
        dburl = with_database(url, dbname)
        for path in sorted(glob.glob(os.path.join(os.path.dirname(BASELINE), "*.sql"))):
            try:
                psql(dburl, file=path, single_tx=True)
            except RuntimeError as e:
                print(f"FAIL: PostgreSQL rejects {os.path.relpath(path, REPO)}:\n{e}", file=sys.stderr)
                return 1
        pg = pg_schema(dburl)
    finally:
        try:
            psql(url, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        except RuntimeError as e:
            print(f"pg-schema-check: could not drop {dbname}: {e}", file=sys.stderr)

    diffs, notes = compare(lite, pg)
    lt, lv, li = lite
    for n in notes:
        print(f"note: {n}")
    if diffs:
        print(f"FAIL: {len(diffs)} difference(s) between the SQLite migrations and "
              f"{os.path.relpath(BASELINE, REPO)}:")
        for d in diffs:
            print(f"  - {d}")
        return 1
    ncols = sum(len(t["cols"]) for t in lt.values())
    print(f"OK: {len(lt)} tables ({ncols} columns), {len(lv)} view(s) and {len(li)} indexes match the SQLite "
          f"schema of {len(glob.glob(os.path.join(MIGRATIONS, '*.sql')))} migrations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
