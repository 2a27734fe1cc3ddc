"""Where a request's time goes: cProfile around the WSGI application, called in-process with
the request the web server would pass (no sockets: only our process is measured), its time
grouped by layer — middleware, auth, routing, parsing, validation, application code, SQL,
rendering, serialisation, translation, the rest of the framework. SQL statements are also
counted and timed at Django's execute_wrapper. The CPU and wall time per request are measured
first, without the profiler, whose own overhead inflates them."""

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

from bench.http_requests import registration_body

PATH_MARKERS = ("site-packages/", "/src/", "/lib/python3.12/")
# (layer, substrings of a function's file or name); the first layer that matches wins, so
# the narrow ones come first. A C function (file "~") takes its callers' layers instead,
# unless its own name places it (a psycopg or pydantic-core method).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQL", ("psycopg", "django/db/", "sqlite3", "igrs/core/fastsql")),
    (
        "middleware",
        ("django/middleware/", "middleware.py", "contrib/sessions/", "contrib/messages/"),
    ),
    ("auth", ("ninja/security", "igrs/core/accounts", "contrib/auth/", "hmac", "hashlib")),
    ("routing", ("django/urls/",)),
    ("parsing", ("django/http/request", "multipartparser", "ninja/parser", "json/decoder")),
    (
        "validation",
        (
            "ninja/signature",
            "ninja/params",
            "django/forms/",
            "validators",
            "validate_python",
            "model_validate",
        ),
    ),
    ("rendering", ("django/template/", "templatetags", "django/shortcuts")),
    (
        "serialisation",
        ("igrs/api/api.py", "json/encoder", "to_json", "model_dump", "ninja/responses"),
    ),
    ("translation", ("django/utils/translation", "gettext")),
    ("application (services, selectors)", ("igrs/",)),
    ("framework, other", ("",)),
)
LAYER_NAMES = tuple(name for name, _ in LAYERS)
# Helpers every layer uses (context-locals behind translation and the connection proxy, lazy
# strings): like C functions, their time counts in their callers' layers.
BY_CALLER = ("asgiref/local", "django/utils/functional")

Function = tuple[str, int, str]  # pstats' (file, line, name)


def layer_of(function: Function) -> str | None:
    """The layer a function belongs to; None for a C function no name places and for the
    shared helpers (their callers' layers take their time)."""
    path, _line, name = function
    if any(helper in path for helper in BY_CALLER):
        return None
    text = f"{path} {name}"
    for layer, markers in LAYERS[:-1]:
        if any(marker in text for marker in markers):
            return layer
    return None if path == "~" else LAYERS[-1][0]


def by_layer(stats: dict[Function, tuple]) -> dict[str, float]:
    """Own time (seconds) per layer; a C function's time goes to its callers' layers in
    proportion to the time each call site spent in it."""
    found = dict.fromkeys(LAYER_NAMES, 0.0)

    def place(function: Function, seconds: float, depth: int = 0) -> None:
        layer = layer_of(function)
        if layer is not None:
            found[layer] += seconds
            return
        callers = stats[function][4] if function in stats else {}
        spent = sum(entry[2] for entry in callers.values())
        if depth > 5 or not spent:
            found[LAYERS[-1][0]] += seconds
            return
        for caller, entry in callers.items():
            place(caller, seconds * entry[2] / spent, depth + 1)

    for function, (_cc, _calls, tottime, _cumtime, _callers) in stats.items():
        place(function, tottime)
    return found


def profile_requests(make: Callable[[int], dict[str, Any]], n: int, top: int) -> dict[str, Any]:
    """Profile n requests made by `make(i)` (a WSGI environ) after 20 unmeasured ones."""
    from igrs.wsgi import application

    def call(i: int) -> None:
        environ = make(i)
        status: list[str] = []
        response = application(environ, lambda s, _h, _exc=None: status.append(s))
        b"".join(response)
        getattr(response, "close", lambda: None)()
        if not status[0][:1] == "2":
            raise RuntimeError(f"{environ['PATH_INFO']} answered {status[0]}")

    for i in range(20):  # warm the master-data memo and the connection outside the profile
        call(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(20, 20 + n):
        call(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sql = {"statements": 0, "seconds": 0.0}

    def timed(execute, sql_text, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql["statements"] += 1
            sql["seconds"] += time.perf_counter() - start

    profiler = cProfile.Profile()
    with connection.execute_wrapper(timed):
        start = time.perf_counter()
        profiler.enable()
        for i in range(20 + n, 20 + 2 * n):
            call(i)
        profiler.disable()
        profiled = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw = stats.stats  # type: ignore[attr-defined]
    return {
        "n": n,
        "cpu_ms": cpu / n * 1000,
        "wall_ms": wall / n * 1000,
        "profiled_ms": profiled / n * 1000,
        "layers": {k: v / n * 1000 for k, v in by_layer(raw).items()},
        "sql_statements": sql["statements"] / n,
        "sql_wrapper_ms": sql["seconds"] / n * 1000,
        "self": _top(raw, top, n),
    }


def environ(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    """The WSGI environ a web server would pass for this request."""
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        env[key if key in ("CONTENT_TYPE",) else f"HTTP_{key}"] = value
    return env


def registration_request(
    token: str, ids: dict[str, int], mobile_base: int
) -> Callable[[int], dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return lambda i: environ(
        "POST", "/api/v1/complaints", headers, registration_body(mobile_base + i, ids)
    )


def _top(stats: dict[Function, tuple], top: int, n: int) -> list[list[Any]]:
    """[function, layer, calls per request, own ms per request] of the costliest functions."""
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    rows = []
    for function, (_cc, calls, tottime, _cumtime, _callers) in ranked[:top]:
        path, line, name = function
        if " at 0x" in name:  # C functions are named with their address
            name = name.split(" at 0x")[0] + ">"
        rows.append(
            [
                f"{_short(path)}:{line} {name}",
                layer_of(function) or "(by caller)",
                round(calls / n, 1),
                round(tottime / n * 1000, 3),
            ]
        )
    return rows


def _short(path: str) -> str:
    for marker in PATH_MARKERS:
        if marker in path:
            return path.split(marker, 1)[1]
    return path
