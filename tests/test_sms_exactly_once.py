"""Each queued SMS reaches the SMSC exactly once, however often the worker is killed: real
`igrs worker` processes sending through a real Kannel (bearerbox + smsbox + fakesmsc) are
killed with SIGKILL mid-flow, repeatedly — before a send, after Kannel accepted one, before
its row was marked — and what the fake SMSC received is counted. Sends left in doubt are
settled by Kannel's delivery reports (the DLR URL names the outbox id) or, with none by the
confirmation wait, queued again: 0 lost, 0 duplicates."""

import collections
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bench.server import free_port
from igrs.notifications import services as sms
from igrs.notifications.models import OutboxMessage, OutboxStatus
from igrs.notifications.receipts import Receipt

from .conftest import database_url, later
from .sms_rig import Kannel, wait_until
from .test_sms_gateways import register_on_dlt

ROOT = Path(__file__).resolve().parents[1]
S = OutboxStatus
MESSAGES = 2000
KILLS = 5
SENT_BETWEEN_KILLS = 120
IN_DOUBT = (S.SENDING, S.UNCONFIRMED)


@pytest.fixture
def kannel(transactional_db, tmp_path, settings, reseeded):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the test database only on PostgreSQL")
    (tmp_path / "kannel").mkdir()
    rig = Kannel(tmp_path / "kannel").start()
    for name, value in rig.settings().items():
        setattr(settings, name, value)
    settings.IGRS_DLT_REQUIRED = True
    settings.IGRS_SMS_RATE = 0
    register_on_dlt()
    yield rig
    rig.stop()


@pytest.fixture
def environment(kannel, tmp_path, settings) -> dict[str, str]:
    return {
        **os.environ,
        **{name: str(value) for name, value in kannel.settings().items()},
        "IGRS_DATABASE_URL": database_url(),
        "IGRS_VAR_DIR": str(tmp_path),
        "IGRS_DLT_REQUIRED": "1",
        "IGRS_SMS_RATE": "0",
        "IGRS_SMS_BATCH": "200",  # a kill mid-batch leaves sent-but-unmarked messages
        "IGRS_WORKER_POLL_SECONDS": "0.2",
        "PYTHONPATH": str(ROOT / "src"),
    }


@pytest.fixture
def reports_to(environment, settings) -> str:
    """`igrs serve` takes Kannel's delivery reports, as in production: with its few threads
    it holds a few database connections however many reports come at once."""
    port = free_port()
    env = {**environment, "IGRS_WEB_WORKERS": "1", "IGRS_WEB_THREADS": "4"}
    server = subprocess.Popen(
        [sys.executable, "-m", "igrs.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{url}/healthz"), timeout=60, what="igrs serve")
    settings.IGRS_SMS_DLR_BASE = environment["IGRS_SMS_DLR_BASE"] = url
    yield url
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except OSError:
        return False


def queue(count: int) -> None:
    """English one-time passwords, one per mobile, so the SMSC's log tells them apart."""
    sms.save_outbox(
        [
            sms.queue_sms(f"+9197{n:08d}", "otp_citizen", "en", {"otp": "4321", "minutes": "10"})
            for n in range(count)
        ]
    )


def test_killed_workers_send_each_sms_exactly_once(kannel, environment, reports_to):
    queue(MESSAGES)
    env = environment
    for _kill in range(KILLS):
        before = len(kannel.received())
        worker = subprocess.Popen(
            [sys.executable, "-m", "igrs.cli", "worker", "--only", "sms,sms_reconcile"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda before=before: len(kannel.received()) >= before + SENT_BETWEEN_KILLS,
            timeout=60,
            what="the worker to be sending",
        )
        os.kill(worker.pid, signal.SIGKILL)  # mid-flow: no chance to record anything
        worker.wait()

    # Each kill left a batch claimed: some sent (Kannel accepted them), the rest not.
    assert in_doubt(), "the kills should have come between a claim and its record"
    # The dead workers' sends that reached Kannel are settled by its reports...
    received = {message["to"] for message in kannel.received()}
    wait_until(lambda: not in_doubt() & received, timeout=60, what="the reports of sent SMS")
    # ...and the rest never reached it: after their lease and the confirmation wait, with
    # no report, they are queued again and sent by the worker that carries on.
    later(1)
    sms.reconcile_unconfirmed()
    later(1)
    while sms.reconcile_unconfirmed() + sms.deliver_pending(batch=200):
        pass
    arrived = wait_until(
        lambda: (got := kannel.received()) and len(got) >= MESSAGES and got,
        timeout=60,
        what="every SMS at the fake SMSC",
    )
    per_mobile = collections.Counter(message["to"] for message in arrived)
    expected = {m.lstrip("+") for m in OutboxMessage.objects.values_list("mobile", flat=True)}
    assert set(per_mobile) == expected  # 0 lost
    assert [to for to, times in per_mobile.items() if times > 1] == []  # 0 duplicates
    assert not OutboxMessage.objects.filter(status__in=(*IN_DOUBT, S.QUEUED)).exists()


def in_doubt() -> set[str]:
    mobiles = OutboxMessage.objects.filter(status__in=IN_DOUBT).values_list("mobile", flat=True)
    return {mobile.lstrip("+") for mobile in mobiles}


# ---------------------------------------------------------------- the rules, on both databases


@pytest.fixture
def reporting_gateway(settings, db):
    """The HTTP gateway with the callback URL in its request: it reports what it took."""
    settings.IGRS_SMS_GATEWAY = "igrs.notifications.gateways.HttpGateway"
    settings.IGRS_SMS_HTTP_URL = f"http://127.0.0.1:{free_port()}/"  # nothing listens
    settings.IGRS_DLT_REQUIRED = False
    settings.IGRS_SMS_CONFIRM_SECONDS = 600


def dead_workers_messages(count: int) -> list[OutboxMessage]:
    """Messages claimed by a worker that died before recording anything."""
    queue(count)
    rows = list(OutboxMessage.objects.order_by("pk"))
    OutboxMessage.objects.update(status=S.SENDING, attempts=1, next_attempt_at=timezone.now())
    return rows


def test_an_unreported_send_in_doubt_is_queued_again_only_after_the_wait(reporting_gateway):
    reported, silent = dead_workers_messages(2)
    later(0.001)
    sms.reconcile_unconfirmed()  # the lease is over: in doubt
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.UNCONFIRMED}
    assert sms.record_receipt(reported.pk, Receipt(S.DELIVERED))  # reports reach IGRS
    later(0.005)  # 7 minutes: the wait is 10
    assert sms.reconcile_unconfirmed() == 0
    later(0.003)
    assert sms.reconcile_unconfirmed() == 1
    assert OutboxMessage.objects.get(pk=silent.pk).status == S.QUEUED
    assert OutboxMessage.objects.get(pk=reported.pk).status == S.DELIVERED
    # A report that comes after all: the gateway had it, so it is not sent again.
    assert sms.record_receipt(silent.pk, Receipt(S.DELIVERED))
    assert sms.deliver_pending() == 0


def test_while_no_report_reaches_igrs_silence_proves_nothing(reporting_gateway):
    dead_workers_messages(2)
    later(1)
    sms.reconcile_unconfirmed()
    later(30)
    assert sms.reconcile_unconfirmed() == 0  # e.g. a callback URL the gateway cannot reach
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.UNCONFIRMED}


def test_without_reports_a_send_in_doubt_waits_for_a_person(reporting_gateway, settings):
    settings.IGRS_SMS_CONFIRM_SECONDS = 0
    dead_workers_messages(1)
    later(1)
    sms.reconcile_unconfirmed()
    later(30)
    sms.reconcile_unconfirmed()
    assert OutboxMessage.objects.get().status == S.UNCONFIRMED


def test_the_console_gateway_writes_an_outbox_message_once_across_processes(settings, tmp_path, db):
    from igrs.notifications.gateways import ConsoleGateway

    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")
    queue(2)
    first, second = OutboxMessage.objects.order_by("pk")
    one, other = ConsoleGateway(), ConsoleGateway()  # as two worker processes would have
    accepted = one.send(first)
    assert other.send(first) == accepted  # after a kill, sent again: not written again
    other.send(second)
    assert one.send(second).ids == other.send(second).ids
    lines = (tmp_path / "sms.log").read_text().splitlines()
    assert [json.loads(line)["outbox_id"] for line in lines] == [first.pk, second.pk]
