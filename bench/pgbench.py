"""Raw-SQL baselines run by PostgreSQL's own load generator, pgbench (a C client that costs the
machine little): the same rows a registration writes, and the same reads a lookup by
reference makes, with nothing of the web process in between. Statements are prepared
(`-M prepared`), as the hot path's are."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import rawdb

# The expressions bound to rawdb's placeholders, in their order; {post} etc. are filled from
# the seeded ids. A sequence numbers the references (the real path takes a serial too), and
# "+915…" is no valid mobile, so these rows never count against a registration's cap.
_COMPLAINT_VALUES = (
    "'P' || nextval('bench_raw_ref')",
    "'राम प्रसाद'",
    "'+915000000000'",
    f"'{rawdb.DESCRIPTION}'",
    "{post}",
    "{post}",
    "now()",
    "now() + interval '7 days'",
    "now() + interval '6 days'",
    "now()",
    "now()",
    "{category}",
    "{place}",
    "{agent}",
)
_EVENT_VALUES = (":id", "now()", "'{action}'", "'{role}'", "{agent}", "'{from_status}'", "{post}")
_OUTBOX_VALUES = (
    "'+915000000000'",
    "'registered'",
    "'आपकी शिकायत संख्या ' || :reference::text || ' दर्ज हो गई है।'",
    "jsonb_build_object('reference', :reference::text)",
    ":reference::text",
    "now()",
    "now()",
)


def _fill(sql: str, values: tuple[str, ...]) -> str:
    parts = sql.split("%s")
    assert len(parts) == len(values) + 1, (len(parts), len(values))
    return "".join(p + v for p, v in zip(parts, values, strict=False)) + parts[-1]


def registration_script(ids: dict[str, int], events: int, outbox: int) -> str:
    """One registration's writes in one transaction, as rawdb writes them."""
    names = {
        "post": ids["post_id"],
        "category": ids["category_id"],
        "place": ids["place_id"],
        "agent": ids["agent_user_id"],
    }
    complaint = _fill(rawdb.COMPLAINT.replace("RETURNING id", ""), _COMPLAINT_VALUES)
    lines = ["BEGIN;", complaint.format(**names) + " RETURNING id, reference \\gset"]
    steps = [("register", "agent", ""), ("assign", "system", "registered")][:events]
    for action, role, from_status in steps:
        values = _fill(rawdb.EVENT, (*_EVENT_VALUES, "'{{}}'"))
        lines.append(
            values.format(action=action, role=role, from_status=from_status, **names) + ";"
        )
    lines += [_fill(rawdb.OUTBOX, _OUTBOX_VALUES) + ";"] * outbox
    return "\n".join([*lines, "COMMIT;"]) + "\n"


SETUP = "CREATE SEQUENCE IF NOT EXISTS bench_raw_ref"


def lookup_script(ref: str) -> str:
    """What a lookup by reference reads: the complaint, its timeline, the timeline's files."""
    return (
        f"\\set ref {int(ref)}\n"
        "SELECT * FROM grievances_complaint WHERE reference = :ref;\n"
        "SELECT * FROM grievances_event WHERE complaint_id = "
        "(SELECT id FROM grievances_complaint WHERE reference = :ref) ORDER BY at, id;\n"
        "SELECT * FROM grievances_attachment WHERE event_id IN (SELECT e.id FROM "
        "grievances_event e JOIN grievances_complaint c ON c.id = e.complaint_id "
        "WHERE c.reference = :ref) ORDER BY id;\n"
    )


@dataclass(frozen=True)
class PgbenchResult:
    rate: float  # transactions per second, without the connection time
    latency_ms: float  # average
    failed: int
    seconds: float


def available() -> bool:
    return shutil.which("pgbench") is not None


def run(
    url: str, scripts: list[str], clients: int, seconds: float, setup: str = ""
) -> PgbenchResult:
    """pgbench with these scripts (chosen at random, equal weights) for `seconds`, after the
    `setup` statement."""
    if setup:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(setup)
    with tempfile.TemporaryDirectory(prefix="igrs-pgbench-") as tmp:
        files = []
        for i, script in enumerate(scripts):
            path = Path(tmp) / f"script{i}.sql"
            path.write_text(script, encoding="utf-8")
            files += ["-f", f"{path}@1"]
        done = subprocess.run(
            [
                "pgbench",
                "-n",  # no vacuum of pgbench's own tables: there are none
                "-M",
                "prepared",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(max(1, round(seconds))),
                *files,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    if done.returncode:
        raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
    return parse(done.stdout, seconds)


def parse(output: str, seconds: float) -> PgbenchResult:
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    failed = re.search(r"number of failed transactions: (\d+)", output)
    if tps is None:
        raise RuntimeError(f"pgbench printed no rate:\n{output[-2000:]}")
    return PgbenchResult(
        rate=float(tps.group(1)),
        latency_ms=float(latency.group(1)) if latency else float("nan"),
        failed=int(failed.group(1)) if failed else 0,
        seconds=seconds,
    )
