"""Running the demo's processes together and stopping all of them together.

Each child gets its own process group, so a terminal's Ctrl-C reaches only `igrs demo`, which
then stops every child the same way as on SIGTERM: TERM to each group (granian's workers
included), a grace period, then KILL for whatever is left. Nothing outlives the demo."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

GRACE_SECONDS = 15.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Stopped:
    """Why run_together returned: a signal asked it to, or a child ended on its own."""

    by_signal: int | None = None
    child: int | None = None  # the index of the command that ended
    status: int = 0


def run_together(
    commands: Sequence[Sequence[str]],
    env: dict[str, str],
    on_start: Callable[[], None] | None = None,
) -> Stopped:
    """Start the commands (then call on_start) and wait until SIGINT or SIGTERM arrives or
    one of them exits; then stop them all. Returns why it stopped (the index and status of
    a child that ended by itself)."""
    received: list[int] = []

    def note(signum, _frame):
        received.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: list[subprocess.Popen] = []
    try:
        for argv in commands:
            if received:
                break
            children.append(subprocess.Popen(argv, env=env, start_new_session=True))
        if on_start is not None and not received:
            on_start()
        while not received:
            ended = next((i for i, c in enumerate(children) if c.poll() is not None), None)
            if ended is not None:
                return Stopped(child=ended, status=children[ended].returncode)
            time.sleep(POLL_SECONDS)
        return Stopped(by_signal=received[0])
    finally:
        stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_all(children: Sequence[subprocess.Popen]) -> None:
    """TERM each child's process group, wait up to GRACE_SECONDS, then KILL what remains."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    for child in children:
        _signal_group(child, signal.SIGKILL)  # stragglers, e.g. a worker of a killed server
        child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is empty: all have exited
        os.killpg(child.pid, signum)
