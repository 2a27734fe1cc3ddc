"""A light HTTP/1.1 load generator: asyncio raw sockets, one process, keep-alive when the server
allows it. It shares the two cores with the server, so it parses as little as it can: the
status line, Content-Length and Connection: close."""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import uvloop

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 15.0  # seconds; a slower answer counts as an error


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # of successful requests, seconds
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0  # wrong status, timeouts, broken connections

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def run_load(
    port: int,
    make_request: Callable[[int], bytes],
    *,
    count: int,
    clients: int,
    time_limit: float,
    expect: int,
) -> LoadResult:
    """Send `count` requests over `clients` connections, stopping early after time_limit."""
    return asyncio.run(
        _run(port, make_request, count, clients, time_limit, expect),
        loop_factory=uvloop.new_event_loop,
    )


async def _run(
    port: int,
    make_request: Callable[[int], bytes],
    count: int,
    clients: int,
    time_limit: float,
    expect: int,
) -> LoadResult:
    result = LoadResult()
    numbers = iter(range(count))
    start = time.perf_counter()
    deadline = start + time_limit
    await asyncio.gather(
        *(_client(port, make_request, numbers, deadline, expect, result) for _ in range(clients))
    )
    result.seconds = time.perf_counter() - start
    return result


async def _client(
    port: int,
    make_request: Callable[[int], bytes],
    numbers,
    deadline: float,
    expect: int,
    result: LoadResult,
) -> None:
    reader = writer = None
    for i in numbers:  # shared iterator: each number is sent once, by whichever client is free
        if time.perf_counter() > deadline:
            break
        sent = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(make_request(i))
            status, keep_alive = await asyncio.wait_for(_response(reader), REQUEST_TIMEOUT)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            result.statuses["failed"] += 1
            keep_alive = False
        else:
            result.statuses[status] += 1
            if status == expect:
                result.latencies.append(time.perf_counter() - sent)
            else:
                result.errors += 1
        if not keep_alive and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = dict(line.lower().split(":", 1) for line in lines[1:] if ":" in line)
    await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").strip() != "close"
