"""`igrs test`: lint, format check, type check, browser-test tools (npm), then the pytest
suite on SQLite and on PostgreSQL.

PostgreSQL is taken from IGRS_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/
postgres); pytest-django creates its own throw-away database there and drops it afterwards.
Without a reachable server the PostgreSQL pass is skipped with a warning, except under CI=true,
where it is required.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


def _run(title: str, cmd: list[str], env: dict[str, str] | None = None) -> int:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    return subprocess.call(cmd, env={**os.environ, **(env or {})})


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
    steps = [
        ("ruff", [py, "-m", "ruff", "check", "src", "tests", "bench"], None),
        ("ruff format", [py, "-m", "ruff", "format", "--check", "src", "tests", "bench"], None),
        # The files checked are named in pyproject.toml ([tool.mypy] files).
        ("mypy", [py, "-m", "mypy"], None),
        (
            "migrations",
            [py, "-m", "igrs.cli", "makemigrations", "--check", "--dry-run"],
            {"IGRS_VAR_DIR": str(root / "var" / "check")},
        ),
        (
            "pytest on SQLite",
            [py, "-m", "pytest", *pytest_args],
            {"IGRS_DATABASE_URL": "sqlite:///" + str(root / "var" / "test.sqlite3")},
        ),
    ]
    if _reachable(pg_url):
        steps.append(
            (
                "pytest on PostgreSQL",
                [py, "-m", "pytest", *pytest_args],
                {"IGRS_DATABASE_URL": pg_db},
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
    steps[3:3] = [browser_tools] if browser_tools else []
    (root / "var" / "check").mkdir(parents=True, exist_ok=True)
    failed = [title for title, cmd, env in steps if _run(title, cmd, env) != 0]
    print("\n" + ("FAILED: " + ", ".join(failed) if failed else "all checks passed"))
    return 1 if failed else 0
