"""One loop per job, each in its own thread with its own database connection, error
handling, back-off and heartbeat: a slow webhook receiver or a bug in one job never stops
the others, and a database restart or a terminated connection costs each loop one failed
run (the broken connection is closed, the next run opens a new one)."""

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time

from django.db import close_old_connections, connection

from igrs.core.backoff import Backoff

from . import services
from .jobs import Job
from .logs import fields, where

log = logging.getLogger("igrs.worker")
# After the nth failure in a row: 1 s, 2 s, 4 s … at most a minute (a database coming back
# after a restart is found within seconds, a lasting bug does not flood the log).
FAILING = Backoff((dt.timedelta(seconds=1),), ceiling=dt.timedelta(minutes=1))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobLoop(threading.Thread):
    def __init__(self, job: Job, stopping: threading.Event):
        super().__init__(name=f"job-{job.name}", daemon=True)
        self.job, self.stopping = job, stopping
        self.failures = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            close_old_connections()  # past IGRS_DB_CONN_MAX_AGE, or broken
            pause = self.run_once()
            if pause:
                self.stopping.wait(pause)
        connection.close()

    def run_once(self) -> float:
        """One run of the job and its heartbeat; the seconds to wait before the next."""
        started = time.monotonic()
        error: Exception | None = None
        done = 0
        try:
            done = self.job.run()
        except Exception as failure:  # noqa: BLE001 - one job's failure must not end the loop
            error = failure
        duration = time.monotonic() - started
        self.beat(duration, error)
        if error is not None:
            self.failures += 1
            self.reconnect()
            log.error(
                fields(
                    event="job_failed",
                    job=self.job.name,
                    duration_ms=round(duration * 1000),
                    error=type(error).__name__,
                    failures=self.failures,
                    at=where(error),
                ),
            )
            return FAILING.after(self.failures).total_seconds()
        self.failures = 0
        if done:
            log.info(
                fields(
                    event="job_run",
                    job=self.job.name,
                    done=done,
                    duration_ms=round(duration * 1000),
                )
            )
        return 0 if done else self.job.every

    def beat(self, duration: float, error: Exception | None) -> None:
        try:
            services.record_run(self.job.name, worker_name(), self.job.every, duration, error)
        except Exception as failure:  # noqa: BLE001 - the database is down: the run's log says so
            self.reconnect()
            if error is None:
                log.warning(
                    fields(
                        event="heartbeat_failed", job=self.job.name, error=type(failure).__name__
                    )
                )

    @staticmethod
    def reconnect() -> None:
        """Close this thread's connection (broken by a restart or pg_terminate_backend, or
        left inside a failed transaction); the next query opens a fresh one."""
        with contextlib.suppress(Exception):  # closing a dead socket: nothing to save
            connection.close()


def supervise(jobs: list[Job], stopping: threading.Event) -> None:
    """Run every job in its own loop until `stopping` is set; then let each finish its run."""
    loops = [JobLoop(job, stopping) for job in jobs]
    for loop in loops:
        loop.start()
    log.info(fields(event="worker_started", jobs=",".join(job.name for job in jobs)))
    while not stopping.wait(1.0):  # a timed wait lets the main thread take signals
        pass
    for loop in loops:
        loop.join(timeout=30)
    log.info(fields(event="worker_stopped"))
