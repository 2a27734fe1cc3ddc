"""A simulated helpline day over HTTP: agents, each on their own keep-alive connection, take
inbound calls (the ACD posts the call event, the agent registers the complaint with its call
id) and outbound verification calls (the agent asks for the next call, reads the ATR, records
the outcome), interleaved as the day's mix. Latencies are kept per operation.

Paced, the calls arrive as the day's clock runs `pace` times faster than real time, spread
evenly, and a free agent takes the next one when it is due (a call waits, and its delay is
counted, when every agent is busy): the latency measured is the one agents would see at that
speed. Flat out (no pace), every agent starts the next call the moment the last one ends: how
fast the system can go, where latency is only the queue the agents themselves make."""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import uvloop

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
OPERATIONS = ("call event", "register", "next call", "outcome")
DESCRIPTION = "तीन महीने से आय प्रमाण पत्र नहीं बना, तहसील के चक्कर लगा रहे हैं।"


@dataclass
class DayResult:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    errors: Counter = field(default_factory=Counter)  # (operation, status) -> count
    inbound: int = 0
    outbound: int = 0
    nothing_due: int = 0
    most_behind: float = 0.0  # seconds the latest call waited past its time for a free agent

    def percentile_ms(self, operation: str, p: float) -> float:
        ordered = sorted(self.latencies[operation])
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())


@dataclass(frozen=True)
class Day:
    port: int
    agents: list[tuple[str, str]]  # (login, API token)
    telephony_token: str
    category_id: int
    place_id: int
    inbound: int
    outbound: int
    mobile_base: int
    time_limit: float
    pace: float | None = None  # × real time; None: flat out
    day_seconds: float = 86_400.0  # of the helpline's day these calls make up

    def jobs(self) -> Iterator[tuple[str, int]]:
        """Inbound and outbound calls spread evenly through the day, as the mix says."""
        total, out = self.inbound + self.outbound, 0
        for n in range(total):
            if out * total < self.outbound * (n + 1) and out < self.outbound:
                out += 1
                yield "out", out
            else:
                yield "in", n - out


def run_day(day: Day) -> DayResult:
    return asyncio.run(_run(day), loop_factory=uvloop.new_event_loop)


async def _run(day: Day) -> DayResult:
    result, jobs = DayResult(), enumerate(day.jobs())
    start = time.perf_counter()
    deadline = start + day.time_limit
    # Paced: the i-th call of the day comes in at start + i × gap.
    gap = (day.day_seconds / day.pace / (day.inbound + day.outbound)) if day.pace else 0.0
    await asyncio.gather(
        *(
            _agent(day, login, token, jobs, start, gap, deadline, result)
            for login, token in day.agents
        )
    )
    result.seconds = time.perf_counter() - start
    return result


async def _agent(
    day: Day,
    login: str,
    token: str,
    jobs: Iterator[tuple[int, tuple[str, int]]],
    start: float,
    gap: float,
    deadline: float,
    result: DayResult,
) -> None:
    connection = Connection(day.port)
    try:
        # Shared: each job is done once, by whichever agent is free.
        for i, (kind, n) in jobs:
            due = start + i * gap
            now = time.perf_counter()
            if now > deadline:
                break
            if due > now:
                await asyncio.sleep(due - now)
            elif gap:
                result.most_behind = max(result.most_behind, now - due)
            if kind == "in":
                await _inbound(day, connection, login, token, n, result)
            else:
                await _outbound(connection, token, n, result)
    finally:
        connection.close()


async def _inbound(
    day: Day, connection: "Connection", login: str, token: str, n: int, result: DayResult
) -> None:
    mobile = f"{day.mobile_base + n:010d}"
    call_id = f"day-{mobile}"  # unique across runs, as an ACD's call ids are
    event = {"call_id": call_id, "event": "offered", "agent": login, "ani": mobile}
    status, _body = await _timed(
        connection,
        result,
        "call event",
        "/api/v1/cti/events",
        day.telephony_token,
        event,
        expect=200,
    )
    if status != 200:
        return
    complaint = {
        "source": "helpline",
        "complainant_name": "राम प्रसाद",
        "mobile": mobile,
        "category_id": day.category_id,
        "place_id": day.place_id,
        "description": DESCRIPTION,
        "call_id": call_id,
    }
    status, _body = await _timed(
        connection, result, "register", "/api/v1/complaints", token, complaint, expect=201
    )
    result.inbound += status == 201


async def _outbound(connection: "Connection", token: str, n: int, result: DayResult) -> None:
    status, body = await _timed(
        connection, result, "next call", "/api/v1/verification/next", token, None, expect=(200, 204)
    )
    if status == 204:
        result.nothing_due += 1
        return
    if status != 200:
        return
    found = json.loads(body)
    # The day's verdicts: mostly satisfied, some not satisfied (escalated), some unreachable.
    outcome = "satisfied" if n % 20 < 14 else "not_satisfied" if n % 20 < 17 else "unreachable"
    verdict = {
        "outcome": outcome,
        "note": "" if outcome == "satisfied" else "अभी भी समस्या है",
        "version": found["version"],
    }
    status, _body = await _timed(
        connection,
        result,
        "outcome",
        f"/api/v1/complaints/{found['reference']}/verification",
        token,
        verdict,
        expect=200,
    )
    result.outbound += status == 200


async def _timed(
    connection: "Connection",
    result: DayResult,
    operation: str,
    path: str,
    token: str,
    body: dict | None,
    expect,
) -> tuple[int, bytes]:
    accepted = expect if isinstance(expect, tuple) else (expect,)
    started = time.perf_counter()
    try:
        status, answer = await asyncio.wait_for(connection.post(path, token, body), REQUEST_TIMEOUT)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        connection.close()
        result.errors[(operation, "failed")] += 1
        return 0, b""
    if status in accepted:
        result.latencies[operation].append(time.perf_counter() - started)
    else:
        result.errors[(operation, status)] += 1
    return status, answer


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened after the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(
        self, path: str, token: str, body: dict | None, headers: str = ""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        data = json.dumps(body or {}, ensure_ascii=False).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{headers}"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = dict(line.lower().split(":", 1) for line in lines[1:] if ":" in line)
        answer = await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").strip() == "close":
            self.close()
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
