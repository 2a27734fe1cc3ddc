"""Seeing IGRS run: /healthz, /readyz (database, migrations, the worker's heartbeats),
/metrics in Prometheus' format read back through a real Prometheus scraping a real
`igrs serve`, and log lines with ids and without personal data."""

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from bench.server import free_port
from igrs.core import clock
from igrs.core.accounts import create_token
from igrs.ops import services as ops
from igrs.ops.jobs import all_jobs
from igrs.ops.supervisor import JobLoop

from .conftest import database_url
from .sms_rig import wait_until
from .test_api import Api, registration, user_with_role

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = "/usr/bin/prometheus"


@pytest.fixture
def agent_api(client, db) -> Api:
    return Api(client, create_token(user_with_role("agent-o", "agent"), "agent"))


def beat_all() -> None:
    for job in all_jobs():
        ops.record_run(job.name, "test:1", job.every, 0.01, None)


def test_healthz_answers_while_readyz_waits_for_the_worker(client, db):
    assert client.get("/healthz").status_code == 200
    waiting = client.get("/readyz")
    assert waiting.status_code == 503
    assert waiting.json()["database"] and waiting.json()["migrations"]
    assert set(waiting.json()["late_jobs"]) == {job.name for job in all_jobs()}

    beat_all()
    assert client.get("/readyz").json() == {
        "ready": True,
        "database": True,
        "migrations": True,
        "late_jobs": [],
    }
    clock.advance(dt.timedelta(minutes=2))  # the SMS job (every second) is now late
    late = client.get("/readyz")
    assert late.status_code == 503 and "sms" in late.json()["late_jobs"]
    assert "sweep" not in late.json()["late_jobs"]  # every minute: not late yet


def test_metrics_show_latency_by_view_queue_depths_and_jobs(client, agent_api):
    assert agent_api.post("/complaints", registration()).status_code == 201
    beat_all()
    ops.record_run("sms", "test:1", 1.0, 0.2, RuntimeError("x"))
    body = client.get("/metrics").content.decode()
    families = {family.name: family for family in text_string_to_metric_families(body)}

    latency = families["igrs_request_duration_seconds"]
    counts = {s.labels["view"]: s.value for s in latency.samples if s.name.endswith("_count")}
    assert counts.get("api:register_complaint", 0) >= 1, counts
    queues = {s.labels["queue"]: s.value for s in families["igrs_queue_depth"].samples}
    assert queues["sms_queued"] >= 1  # the registration's SMS
    assert queues["desk"] == 0 and queues["overdue_unswept"] == 0
    errors = {s.labels["task"]: s.value for s in families["igrs_job_errors"].samples}
    assert errors["sms"] == 1 and errors["sweep"] == 0
    assert {s.labels["task"] for s in families["igrs_job_heartbeat_age_seconds"].samples} >= {
        job.name for job in all_jobs()
    }


def test_a_registration_and_its_sms_log_ids_but_never_the_mobile(client, agent_api, caplog):
    mobile = "9876501234"
    with caplog.at_level(logging.DEBUG):
        created = agent_api.post("/complaints", registration(mobile=mobile))
        assert created.status_code == 201
        JobLoop(next(job for job in all_jobs() if job.name == "sms"), None).run_once()
    lines = [record.getMessage() for record in caplog.records]
    request = [line for line in lines if line.startswith("event=request ")]
    assert len(request) == 1 and "view=api:register_complaint" in request[0]
    assert f"request_id={created['X-Request-ID']}" in request[0] and "status=201" in request[0]
    assert any("event=job_run job=sms" in line for line in lines)
    everything = "\n".join(lines + [caplog.text])
    assert mobile not in everything and mobile[-4:] + " " not in everything
    assert "सीता" not in everything  # nor the name


def test_a_request_id_given_by_the_proxy_is_kept(client, db):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID="edge-42")
    assert answered["X-Request-ID"] == "edge-42"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith=newline")
    assert forged["X-Request-ID"] != "bad id\nwith=newline" and len(forged["X-Request-ID"]) == 32


# ---------------------------------------------------------------- a real Prometheus


def require_prometheus() -> None:
    if not os.path.exists(PROMETHEUS):
        reason = "Prometheus not installed (apt-get install prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.django_db(transaction=True)
def test_prometheus_scrapes_igrs_serve_and_answers_a_query(reseeded, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("another process shares the test database only on PostgreSQL")
    require_prometheus()
    beat_all()
    ops.record_run("webhooks", "test:1", 1.0, 0.1, RuntimeError("receiver down"))
    web = free_port()
    env = {
        **os.environ,
        "IGRS_DATABASE_URL": database_url(),
        "IGRS_VAR_DIR": str(tmp_path),
        "IGRS_WEB_WORKERS": "2",  # two processes: the metrics of both are added up
        "IGRS_WEB_THREADS": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "igrs.cli", "serve", "--bind", f"127.0.0.1:{web}"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    prometheus = None
    try:
        wait_until(lambda: get(f"http://127.0.0.1:{web}/healthz"), timeout=60, what="igrs serve")
        for _ in range(6):  # spread over both web processes
            get(f"http://127.0.0.1:{web}/healthz")
        prometheus, api = start_prometheus(tmp_path, web)
        errors = wait_until(
            lambda: query(api, 'igrs_job_errors_total{task="webhooks"}'),
            timeout=60,
            what="Prometheus to scrape IGRS",
        )
        assert errors == 1.0
        healthz = wait_until(
            lambda: query(api, 'sum(igrs_request_duration_seconds_count{view="ops:healthz"})'),
            timeout=30,
            what="the latency histogram",
        )
        assert healthz >= 7  # all the probes, whichever process answered them
    finally:
        if prometheus is not None:
            prometheus.terminate()
            prometheus.wait(30)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read()
    except OSError:
        return None


def start_prometheus(folder: Path, web: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: igrs\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{web}']\n"
    )
    data = tempfile.mkdtemp(prefix="prometheus-", dir=folder)
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "prometheus.log", "wb"),  # noqa: SIM115 - lives with the process
    )
    api = f"http://127.0.0.1:{port}"
    wait_until(lambda: get(f"{api}/-/ready"), timeout=60, what="Prometheus")
    return process, api


def query(api: str, expression: str) -> float | None:
    """One value through Prometheus' own HTTP API, or None while it has none."""
    answer = get(f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": expression}))
    if answer is None:
        return None
    result = json.loads(answer)["data"]["result"]
    if not result:
        time.sleep(0.2)  # the next scrape is a second away
        return None
    return float(result[0]["value"][1])
