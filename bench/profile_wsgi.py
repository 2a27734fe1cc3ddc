"""Where an HTTP registration spends its time: cProfile around the WSGI application, called
in-process with the request the web server would pass (no sockets: only our process is measured).
Time waiting for the database shows up in psycopg's send and wait functions. The CPU time per
request is measured first, without the profiler, whose own overhead would inflate it."""

import cProfile
import io
import pstats
import time
from typing import Any

from bench.http_requests import registration_body
from igrs.wsgi import application

PATH_MARKERS = ("site-packages/", "/src/", "/lib/python3.12/")


def profile_registrations(
    n: int, mobile_base: int, token: str, ids: dict[str, int], top: int
) -> dict[str, Any]:
    for i in range(10):  # warm the master-data memo outside the profile
        _post(registration_body(mobile_base + i, ids), token)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(10, 10 + n):
        _post(registration_body(mobile_base + i, ids), token)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(10 + n, 10 + 2 * n):
        _post(registration_body(mobile_base + i, ids), token)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    return {
        "n": n,
        "cpu_ms": cpu / n * 1000,
        "wall_ms": wall / n * 1000,
        "cumulative": _top(stats, "cumulative", top, n, only="igrs/"),
        "self": _top(stats, "tottime", top, n),
    }


def _post(body: bytes, token: str) -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/complaints",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    response = application(environ, lambda s, _headers, _exc=None: status.append(s))
    b"".join(response)
    getattr(response, "close", lambda: None)()
    if not status[0].startswith("201"):
        raise RuntimeError(f"registration answered {status[0]}")


def _top(stats: pstats.Stats, key: str, top: int, n: int, only: str = "") -> list[list[Any]]:
    """[function, calls per request, ms per request] for the costliest functions (of the
    files whose path contains `only`)."""
    rows = []
    ranked = sorted(
        ((f, v) for f, v in stats.stats.items() if only in f[0]),  # type: ignore[attr-defined]
        key=lambda item: item[1][3 if key == "cumulative" else 2],
        reverse=True,
    )
    for (path, line, name), (_cc, calls, tottime, cumtime, _callers) in ranked[:top]:
        spent = cumtime if key == "cumulative" else tottime
        if " at 0x" in name:  # C functions are named with their address
            name = name.split(" at 0x")[0] + ">"
        rows.append(
            [f"{_short(path)}:{line} {name}", round(calls / n, 1), round(spent / n * 1000, 3)]
        )
    return rows


def _short(path: str) -> str:
    for marker in PATH_MARKERS:
        if marker in path:
            return path.split(marker, 1)[1]
    return path
