"""`igrs test`: lint, format check, type check, browser-test tools (npm), then the pytest
suite on SQLite and on PostgreSQL.

PostgreSQL is taken from IGRS_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/
postgres); pytest-django creates its own throw-away database there and drops it afterwards.
Without a reachable server the PostgreSQL pass is skipped with a warning, except under CI=true,
where it is required.

The two pytest passes run side by side (one core each on a 2-core machine: the suite spends much
of its time waiting on browsers, gateways and servers it starts), each writing to its own log
that is printed whole when the pass ends; IGRS_TEST_SERIAL=1 runs them one after the other.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


def _run(title: str, cmd: list[str], env: dict[str, str] | None = None) -> int:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    return subprocess.call(cmd, env={**os.environ, **(env or {})})


def _run_side_by_side(passes: list[tuple[str, list[str], dict[str, str]]], logs: Path) -> list[str]:
    """Start every pass at once, each logging to its own file; print each log whole as its
    pass ends. Returns the titles of the passes that failed."""
    started = time.monotonic()
    running = []
    for title, cmd, env in passes:
        log = logs / (title.replace(" ", "-") + ".log")
        print(f"\n=== {title} (started; its output follows when it ends): {' '.join(cmd)}")
        out = log.open("wb")
        process = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
        running.append((title, process, out, log))
    failed = []
    for title, process, out, log in running:
        code = process.wait()
        out.close()
        print(f"\n=== {title}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        sys.stdout.buffer.write(log.read_bytes())
        sys.stdout.flush()
        if code != 0:
            failed.append(title)
    return failed


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2):
            return True
    except OSError:
        return False


def _browser_tools_step(root: Path) -> tuple[str, list[str], None] | None:
    """Install axe-core (pinned in tests/browser/package-lock.json) for the browser tests.
    None without npm: the browser tests then skip, as they do without Chromium."""
    npm = shutil.which("npm")
    if npm is None:
        print("warning: npm not found; browser tests will be skipped.")
        return None
    return (
        "browser test tools",
        [
            npm,
            "ci",
            "--prefix",
            str(root / "tests" / "browser"),
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ],
        None,
    )


def run_all(pytest_args: list[str]) -> int:
    root = Path(__file__).resolve().parents[3]
    os.chdir(root)
    py = sys.executable
    pg_url = os.environ.get("IGRS_TEST_POSTGRES_URL", DEFAULT_PG)
    pg_db = f"{urlparse(pg_url).scheme}://{urlparse(pg_url).netloc}/igrs_{os.getpid()}"
    checks = [
        ("ruff", [py, "-m", "ruff", "check", "src", "tests", "bench"], None),
        ("ruff format", [py, "-m", "ruff", "format", "--check", "src", "tests", "bench"], None),
        # The files checked are named in pyproject.toml ([tool.mypy] files).
        ("mypy", [py, "-m", "mypy"], None),
        (
            "migrations",
            [py, "-m", "igrs.cli", "makemigrations", "--check", "--dry-run"],
            {"IGRS_VAR_DIR": str(root / "var" / "check")},
        ),
    ]
    passes = [
        (
            "pytest on SQLite",
            [py, "-m", "pytest", *pytest_args],
            {
                "IGRS_DATABASE_URL": "sqlite:///" + str(root / "var" / "test.sqlite3"),
                # Each pass has its own var/ (built models, prompts, files) so that the
                # passes running side by side never write the same file.
                "IGRS_VAR_DIR": str(root / "var" / "pass-sqlite"),
                "IGRS_TEST_ARTIFACTS": str(root / "var" / "test-artifacts" / "sqlite"),
            },
        )
    ]
    if _reachable(pg_url):
        passes.append(
            (
                "pytest on PostgreSQL",
                [py, "-m", "pytest", *pytest_args],
                {
                    "IGRS_DATABASE_URL": pg_db,
                    "IGRS_VAR_DIR": str(root / "var" / "pass-postgres"),
                    "IGRS_TEST_ARTIFACTS": str(root / "var" / "test-artifacts" / "postgres"),
                },
            )
        )
    elif os.environ.get("CI") == "true":
        print(f"PostgreSQL at {pg_url} is not reachable and CI requires it.", file=sys.stderr)
        return 1
    else:
        print(f"warning: PostgreSQL at {pg_url} not reachable; skipping that pass.")
    browser_tools = _browser_tools_step(root)
    if browser_tools is None and os.environ.get("CI") == "true":
        print("npm is needed for the browser tests' axe-core and CI requires it.", file=sys.stderr)
        return 1
    checks += [browser_tools] if browser_tools else []
    (root / "var" / "check").mkdir(parents=True, exist_ok=True)
    failed = [title for title, cmd, env in checks if _run(title, cmd, env) != 0]
    if os.environ.get("IGRS_TEST_SERIAL") == "1":
        failed += [title for title, cmd, env in passes if _run(title, cmd, env) != 0]
    else:
        failed += _run_side_by_side(passes, root / "var" / "check")
    print("\n" + ("FAILED: " + ", ".join(failed) if failed else "all checks passed"))
    return 1 if failed else 0
