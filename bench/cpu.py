"""CPU time by who spent it during a measurement, from /proc. The load generator, the web
workers and the database share two cores with anything else running on the machine, so the
split tells what one request costs and how much of the machine was not ours."""

import os
from collections.abc import Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def snapshot() -> dict[int, tuple[str, float]]:
    """pid -> (command name, CPU seconds so far) for every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def spent(
    before: dict[int, tuple[str, float]],
    after: dict[int, tuple[str, float]],
    workers: Iterable[int],
    background: Iterable[int] = (),
) -> dict[str, float]:
    """CPU seconds between two snapshots: web workers, the background worker (`igrs worker`),
    database, load generator (this process or pgbench), other."""
    workers, jobs, me = set(workers), set(background), os.getpid()
    groups = {"web": 0.0, "worker": 0.0, "database": 0.0, "load": 0.0, "other": 0.0}
    for pid, (name, seconds) in after.items():
        delta = seconds - before.get(pid, (name, 0.0))[1]
        if pid in workers:
            groups["web"] += delta
        elif pid in jobs:
            groups["worker"] += delta
        elif name.startswith("postgres"):
            groups["database"] += delta
        elif pid == me or name == "pgbench":
            groups["load"] += delta
        else:
            groups["other"] += delta
    return groups
