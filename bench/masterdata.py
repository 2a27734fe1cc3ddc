"""Master data over the API and public Open311 reads, in process through Django's test client
on a seeded SQLite database of its own: a cold read (memo cleared before each), a warm one
(from the per-process memo), and a revalidation answered 304 by its ETag. Baseline, in the
same run: the cold read of the same request. A request refused 401 before any query (the
framework's floor) is shown under the table.

    .venv/bin/python -m bench.masterdata [--repeats 30]
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django

workdir = tempfile.mkdtemp(prefix="igrs-bench-masterdata-")
os.environ["IGRS_DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.tables import Table, median, percentile, ratio  # noqa: E402
from igrs.core import cache  # noqa: E402
from igrs.core.accounts import create_token, grant_role  # noqa: E402
from igrs.directory.seed import seed_directory  # noqa: E402


def timed(fn: Callable[[], object], repeats: int, before: Callable[[], object] = lambda: None):
    samples = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    repeats = parser.parse_args().repeats
    call_command("migrate", verbosity=0)
    seed_directory()
    user = User.objects.create_user("bench-agent")
    grant_role(user, "agent")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'agent')}"}
    client = Client()
    floor = median(timed(lambda: client.get("/api/v1/departments"), repeats))
    table = Table(
        f"Master data and public Open311 reads (SQLite, in process, {repeats} each)",
        ["Request", "Rows", "Bytes", "How", "p50 ms", "p95 ms", "× cold"],
    )

    def measure(path: str, rows: str, headers: dict) -> None:
        first = client.get(path, **headers)
        assert first.status_code == 200, first.content
        etag = {"HTTP_IF_NONE_MATCH": first.get("ETag", "")}
        ways = [
            ("cold (memo cleared)", headers, cache.clear),
            ("warm (memo)", headers, lambda: None),
        ]
        if first.get("ETag"):
            ways.append(("If-None-Match → 304", {**headers, **etag}, lambda: None))
        cold = None
        for how, sent, before in ways:
            samples = timed(lambda sent=sent: client.get(path, **sent), repeats, before)
            p50 = median(samples)
            cold = cold or p50
            p95 = percentile(samples, 0.95)
            table.add(path, rows, len(first.content), how, p50, p95, ratio(p50, cold))

    measure("/api/v1/categories", "29", auth)
    measure("/api/v1/places?kind=district&limit=1000", "75", auth)
    measure("/api/v1/places?limit=1000", "1,000", auth)
    measure("/api/v1/posts?limit=1000", "1,000 + holders", auth)
    with override_settings(IGRS_OPEN311_PUBLIC_PER_MINUTE=10**9):
        measure("/open311/v2/services.json", "29", {})
    table.notes.append(f"floor: GET /api/v1/departments without a token, 401: {floor:.3g} ms")
    print(table.markdown())


if __name__ == "__main__":
    sys.exit(main())
