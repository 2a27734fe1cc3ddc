"""Prometheus metrics. Request latencies are counted in the process that served the request;
under granian's several worker processes each writes its values to files in
PROMETHEUS_MULTIPROC_DIR (set by `igrs serve`), and a scrape of any worker adds them all up
(prometheus_client's multiprocess mode). Queue depths and job heartbeats are read from the
database at scrape time, so every web process reports the same, current numbers."""

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from igrs.core import clock

from . import selectors

# Request latency by view: the registration and dashboard targets are 100–300 ms, so the
# buckets are fine below a second.
REQUEST_SECONDS = Histogram(
    "igrs_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter("igrs_responses", "Responses by view and status class.", ["view", "status"])


class DatabaseCollector(Collector):
    """Queue depths and job heartbeats, read when scraped. A job's name is the label
    `task`: Prometheus gives `job` to the scrape target."""

    def collect(self):
        queue = GaugeMetricFamily("igrs_queue_depth", "Items waiting, by queue.", labels=["queue"])
        for name, depth in selectors.queue_depths().items():
            queue.add_metric([name], depth)
        yield queue
        yield from self._jobs()

    @staticmethod
    def _jobs():
        now = clock.now()
        age = GaugeMetricFamily(
            "igrs_job_heartbeat_age_seconds", "Seconds since a job last ran.", labels=["task"]
        )
        success = GaugeMetricFamily(
            "igrs_job_last_success_timestamp_seconds",
            "When a job last ran without error (Unix time).",
            labels=["task"],
        )
        runs = CounterMetricFamily("igrs_job_runs", "Runs of a job.", labels=["task"])
        errors = CounterMetricFamily("igrs_job_errors", "Failed runs of a job.", labels=["task"])
        duration = GaugeMetricFamily(
            "igrs_job_last_duration_seconds", "How long a job's last run took.", labels=["task"]
        )
        for beat in selectors.heartbeats():
            age.add_metric([beat.job], (now - beat.beat_at).total_seconds())
            if beat.ok_at:
                success.add_metric([beat.job], beat.ok_at.timestamp())
            runs.add_metric([beat.job], beat.runs)
            errors.add_metric([beat.job], beat.errors)
            duration.add_metric([beat.job], beat.last_duration)
        yield from (age, success, runs, errors, duration)


def exposition() -> bytes:
    """The text a scrape gets: this process's (or all web processes') request metrics, then
    the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(requests) + generate_latest(database)
