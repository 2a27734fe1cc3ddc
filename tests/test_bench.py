"""The bench's own logic: the profile's layers, pgbench's scripts and output, database names,
and a tiny run of the lookup section and its profile whose tables must have every column, a
CPU figure per request and a ratio to the same run's baseline."""

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import pgbench, rawdb  # noqa: E402
from bench.databases import database_prefix  # noqa: E402
from bench.profile_wsgi import LAYER_NAMES, by_layer, layer_of  # noqa: E402

SQL_WAIT = ("~", 0, "<built-in method psycopg_c._psycopg.wait_c>")
SEND = ("/x/site-packages/psycopg/cursor.py", 10, "execute")
RENDER = ("/x/site-packages/django/template/base.py", 20, "render")
LEN = ("~", 0, "<built-in method builtins.len>")


def test_python_functions_are_placed_by_module_and_c_functions_by_name_or_caller():
    assert layer_of(("/x/site-packages/django/middleware/csrf.py", 1, "f")) == "middleware"
    assert layer_of(("/x/src/igrs/core/fastsql.py", 1, "select")) == "SQL"
    assert layer_of(("/x/src/igrs/grievances/selectors.py", 1, "f")).startswith("application")
    assert layer_of(RENDER) == "rendering"
    assert layer_of(SQL_WAIT) == "SQL"  # named by its module
    assert layer_of(LEN) is None  # placed by its callers
    assert layer_of(("/x/site-packages/asgiref/local.py", 1, "__getattr__")) is None


def test_a_c_functions_time_is_split_between_its_callers_layers():
    stats = {
        SEND: (1, 1, 0.002, 0.004, {}),
        RENDER: (1, 1, 0.003, 0.006, {}),
        # 0.004 s in len: 3/4 of it called from rendering, 1/4 from psycopg.
        LEN: (4, 4, 0.004, 0.004, {RENDER: (3, 3, 0.003, 0.003), SEND: (1, 1, 0.001, 0.001)}),
    }
    layers = by_layer(stats)
    assert layers["SQL"] == pytest.approx(0.003)
    assert layers["rendering"] == pytest.approx(0.006)
    assert sum(layers.values()) == pytest.approx(0.009)


def test_pgbench_registration_script_writes_what_rawdb_writes():
    ids = {"post_id": 7, "category_id": 3, "place_id": 5, "agent_user_id": 2}
    script = pgbench.registration_script(ids, events=2, outbox=2)
    lines = script.splitlines()
    assert lines[0] == "BEGIN;" and lines[-1] == "COMMIT;"
    assert lines[1].endswith("RETURNING id, reference \\gset")
    assert sum("INSERT INTO grievances_event" in line for line in lines) == 2
    assert sum("INSERT INTO notifications_outboxmessage" in line for line in lines) == 2
    assert "%s" not in script and "{" not in script.replace("'{}'", "")


def test_pgbench_output_is_read():
    out = (
        "number of failed transactions: 0 (0.000%)\nlatency average = 7.123 ms\n"
        "initial connection time = 12.3 ms\ntps = 4412.5 (without initial connection time)\n"
    )
    found = pgbench.parse(out, 10)
    assert (found.rate, found.latency_ms, found.failed) == (4412.5, 7.123, 0)
    with pytest.raises(RuntimeError):
        pgbench.parse("connection refused", 10)


def test_the_urls_database_name_prefixes_the_runs_databases():
    assert database_prefix("postgres://postgres@127.0.0.1:5433/igrs_bench") == "igrs_bench"
    assert database_prefix("postgres://postgres@127.0.0.1:5432/postgres") == "igrs_bench"
    assert database_prefix("postgres://postgres@127.0.0.1:5432/mine") == "mine"


def test_raw_lookup_reads_the_same_rows_the_api_shows(tmp_path):
    import sqlite3

    path = tmp_path / "l.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE grievances_complaint (id INTEGER PRIMARY KEY, reference TEXT);"
        "CREATE TABLE grievances_event (id INTEGER PRIMARY KEY, complaint_id INT, at TEXT);"
        "CREATE TABLE grievances_attachment (id INTEGER PRIMARY KEY, event_id INT);"
        "INSERT INTO grievances_complaint VALUES (1, '2026000000012');"
    )
    conn.commit()
    done, seconds = rawdb.lookup_rate(f"sqlite:///{path}", ["2026000000012"], 2, 0.2)
    assert done > 0 and seconds >= 0.2


@pytest.mark.skipif(
    "postgres" in os.environ.get("IGRS_DATABASE_URL", ""),
    reason="makes its own SQLite databases: the SQLite pass runs it once",
)
def test_a_tiny_run_prints_each_sections_cpu_per_request_and_ratio():
    from bench.runner import TINY, run

    said: list[str] = []
    report = run(
        ["sqlite"],
        quick=True,
        pg_url="",
        profile=("lookup",),
        say=said.append,
        sections=("lookup",),
        plan=TINY,
    )
    tables = [block for block in report.split("### ") if block.startswith(("3b", "Prof"))]
    assert len(tables) == 3, report  # lookup, the profile's layers and its top functions
    for table in tables:
        rows = [line for line in table.splitlines() if line.startswith("| ")]
        header, body = rows[0], rows[2:]
        assert body and all(row.count(" | ") == header.count(" | ") for row in body), table
    lookup, layers = tables[0], tables[1]
    for path in ("API GET", "tracker page"):
        row = next(line for line in lookup.splitlines() if path in line)
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert cells[3] == "0", row  # no errors
        assert re.fullmatch(r"\d+\.\d\d×", cells[10]), row
        assert all(float(v) >= 0 for v in cells[8].split(" + ")), row
    assert all(f"| {name} |" in layers for name in LAYER_NAMES), layers
