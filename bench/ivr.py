"""How many simultaneous IVR calls one core carries with clean audio timing.

For each load level a fresh `igrs ivr` process is started, pinned to one core (CPU 0), on an
SQLite database in a temporary directory; this process (pinned to the other core) dials that
many calls over loopback, listens to the greeting for a fixed time, and hangs up. Figures:

- send lateness: how far behind its 20 ms slot the IVR sent each RTP packet (measured by the
  IVR's pacer, written to a JSON file when it stops); "late" is more than 10 ms (half a frame);
- receive jitter: how far each packet's arrival gap at the phones differs from 20 ms (includes
  this process's own scheduling, so it is an upper bound);
- the IVR's CPU time over the listening window, as a share of one core and per call.

The baseline is one call in the same run. Clean: under 0.1% of packets late while the calls
are connected, the core under 90% busy, every call answered. Run:
`.venv/bin/python -m bench.ivr` (about five minutes; `--levels`, `--seconds`, `--scheduling`).
Writes bench/results-ivr.md.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sipphone import Phone
from bench.tables import Table, ratio

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
LATE_MS = 10.0
CLEAN_LATE_SHARE = 0.001
CLEAN_CPU_SHARE = 0.90


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class IvrProcess:
    def __init__(self, folder: Path, env: dict, realtime: bool, db_threads: int):
        self.port = free_udp_port()
        self.stats = folder / f"stats-{self.port}.json"
        self.log = (folder / f"ivr-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "igrs.cli",
                "ivr",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--stats",
                str(self.stats),
                "--max-calls",
                "2000",
                "--db-threads",
                str(db_threads),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            preexec_fn=lambda: _pin(realtime),
        )
        line = self.process.stdout.readline()
        if "sip:1076@" not in line:
            raise RuntimeError(f"the IVR did not start: {line!r}; see {self.log.name}")

    def mark_phase(self) -> None:
        """The IVR writes its figures so far and counts afresh."""
        self.process.send_signal(signal.SIGUSR1)

    def stop(self) -> list[dict]:
        """The figures of each phase: setup (dialling), steady (listening), teardown."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)
        self.log.close()
        return [json.loads(line) for line in self.stats.read_text().splitlines()]


def _pin(realtime: bool) -> None:
    """CPU 0 only; with `realtime`, round-robin real-time priority, as media servers run, so
    the other work on this shared machine cannot delay a packet."""
    os.sched_setaffinity(0, {0})
    if realtime:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(10))


async def load(
    port: int, calls: int, seconds: float, ivr_pid: int, mark_phase=lambda: None
) -> dict:
    phones = [
        Phone(f"+9190000{i:05d}", ("127.0.0.1", port), keep_audio=False) for i in range(calls)
    ]
    for phone in phones:
        await phone.open()
    # Calls arrive over one second, as a queue's would, not in one instant.
    statuses = await asyncio.gather(
        *(_dial_later(phone, i / calls) for i, phone in enumerate(phones))
    )
    await asyncio.sleep(0.5)  # the last ACKs land and every call is speaking
    mark_phase()
    start_cpu, start = cpu_seconds(ivr_pid), time.monotonic()
    marks = [phone.mark() for phone in phones]
    await asyncio.sleep(seconds)
    used, elapsed = cpu_seconds(ivr_pid) - start_cpu, time.monotonic() - start
    mark_phase()
    gaps = []
    spoken = 0
    for phone, mark in zip(phones, marks, strict=True):
        arrivals = phone.received.arrivals[mark:]
        gaps += [abs((b - a) * 1000 - 20) for a, b in zip(arrivals, arrivals[1:], strict=False)]
        spoken += any(phone.received.speaking[mark:])
    await asyncio.gather(*(phone.hang_up() for phone in phones))
    for phone in phones:
        phone.close()
    gaps.sort()
    return {
        "answered": sum(1 for s in statuses if s == 200),
        "spoken": spoken,
        "cpu_share": used / elapsed,
        "jitter_p99": gaps[int(len(gaps) * 0.99)] if gaps else 0.0,
    }


async def _dial_later(phone: Phone, delay: float) -> int | None:
    await asyncio.sleep(delay)
    return await phone.dial()


def prepare(folder: Path) -> dict:
    env = {
        **os.environ,
        "IGRS_VAR_DIR": str(folder),
        "IGRS_DATABASE_URL": f"sqlite:///{folder / 'ivr.sqlite3'}",
    }
    subprocess.run([sys.executable, "-m", "igrs.cli", "migrate", "-v0"], env=env, check=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,25,50,100,200,300,500")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--db-threads", type=int, default=4)
    parser.add_argument(
        "--scheduling",
        default="normal,realtime",
        help="normal, realtime (SCHED_RR, needs root) or both",
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    table = Table(
        "IVR: simultaneous calls on one core (the IVR pinned to CPU 0)",
        [
            "scheduling",
            "calls",
            "answered",
            "heard speech",
            "send lateness p50 ms",
            "send lateness p99 ms",
            "late packets (>10 ms) %",
            "receive jitter p99 ms",
            "IVR CPU % of one core",
            "CPU ms per call-second",
            "p99 vs 1 call",
            "dialling in: p99 ms / late %",
            "hanging up: p99 ms / late %",
            "clean",
        ],
    )
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="igrs-bench-ivr-") as temp:
        env = prepare(Path(temp))
        carried: dict[str, int] = {}
        for scheduling in args.scheduling.split(","):
            baseline, carried[scheduling] = None, 0
            for calls in (int(n) for n in args.levels.split(",")):
                ivr = IvrProcess(
                    Path(temp), env, realtime=scheduling == "realtime", db_threads=args.db_threads
                )
                try:
                    measured = asyncio.run(
                        load(ivr.port, calls, args.seconds, ivr.process.pid, ivr.mark_phase)
                    )
                finally:
                    setup, sent, teardown = ivr.stop()
                clean = (
                    sent["late_share"] < CLEAN_LATE_SHARE
                    and measured["cpu_share"] < CLEAN_CPU_SHARE
                    and measured["answered"] == calls
                )
                baseline = baseline if baseline is not None else sent["p99_ms"]
                if clean:
                    carried[scheduling] = max(carried[scheduling], calls)
                table.add(
                    scheduling,
                    calls,
                    measured["answered"],
                    measured["spoken"],
                    sent["p50_ms"],
                    sent["p99_ms"],
                    round(sent["late_share"] * 100, 3),
                    round(measured["jitter_p99"], 2),
                    round(measured["cpu_share"] * 100, 1),
                    round(measured["cpu_share"] * 1000 / calls, 2),
                    ratio(sent["p99_ms"], baseline),
                    f"{setup['p99_ms']} / {round(setup['late_share'] * 100, 2)}",
                    f"{teardown['p99_ms']} / {round(teardown['late_share'] * 100, 2)}",
                    "yes" if clean else "no",
                )
    table.notes += [
        "The largest level with clean timing: "
        + ", ".join(f"**{n}** calls ({how} scheduling)" for how, n in carried.items())
        + ".",
        f"Lateness, CPU and jitter are of {args.seconds:.0f} s with every call connected and "
        "speaking (the greeting; 50 packets a second each). The calls dial in over one second "
        "and hang up at once: those two phases are measured apart (the last columns).",
        "Receive jitter is measured in the calling process (the other core), whose own "
        "scheduling it includes.",
        "The baseline of the ratio is 1 call with the same scheduling.",
        f"The machine's load average (1 minute, 2 cores, shared with other work): "
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.",
    ]
    text = table.markdown()
    print(text)
    (ROOT / "bench" / "results-ivr.md").write_text("# IVR capacity (bench/ivr.py)\n\n" + text)


if __name__ == "__main__":
    main()
