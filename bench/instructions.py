"""Instructions per HTTP registration in the web process, counted by valgrind's callgrind.

CPU time per request swings ±20% between runs on a shared virtual machine; the number of
instructions a request executes does not (the same to ~0.2% run after run). So a change
whose cost is a few percent is measured here: the WSGI application is called in process
(as `--profile` does) under callgrind twice, with W and with W + N registrations, and the
difference divided by N is one registration's instructions, start-up and warm-up excluded.
The database's own work is not counted (it runs in PostgreSQL's processes).

    python -m bench.instructions [--requests 200] [--pg-url postgres://…]

Compare two trees by running it in each (PYTHONPATH=<tree>/src for a scratch tree that
shares this venv). Needs valgrind; takes about two minutes.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.databases import bench_database, run_part

WARMUP = 40
CHILD = r"""
import json, sys
import django
django.setup()
from bench import parts, profile_wsgi as pw
from igrs.wsgi import application
given = json.loads(sys.argv[1])
make = pw.registration_request(given["token"], parts.seeded_ids(), given["base"])
for i in range(given["n"]):
    status = []
    answer = application(make(i), lambda s, _h, _e=None: status.append(s))
    b"".join(answer)
    answer.close()
    if status[0][:1] != "2":
        sys.exit(f"registration answered {status[0]}")
"""


def instructions(env: dict[str, str], requests: int, mobile_base: int, token: str) -> int:
    """Instructions callgrind counts for a process that makes `requests` registrations."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        given = json.dumps({"token": token, "base": mobile_base, "n": requests})
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            + [sys.executable, "-c", CHILD, given],
            env={**env, "PYTHONHASHSEED": "0"},  # the same dict layouts in every run
            check=True,
            capture_output=True,
        )
        totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
        return int(totals[0].split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_database("postgresql", Path(tmp), args.pg_url, "instr") as db,
    ):
        token = run_part(db, "prepare", 600)["token"]
        base = instructions(db.env(), WARMUP, 9_300_000_000, token)
        more = instructions(db.env(), WARMUP + args.requests, 9_310_000_000, token)
    per_request = (more - base) / args.requests
    print("| measure | value |\n| --- | --- |")
    print(f"| instructions per HTTP registration (web process) | {per_request / 1e6:.3f} M |")
    print(f"| start-up and {WARMUP} warm-up registrations | {base / 1e9:.3f} G |")


if __name__ == "__main__":
    main()
