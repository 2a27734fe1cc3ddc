"""SMS through real gateways on loopback: IGRS's HTTP gateway into Kannel (bearerbox + smsbox
+ fakesmsc), Kannel's delivery reports back into IGRS over HTTP, IGRS's SMPP client against
an SMSC built on Net::SMPP; and the faults: gateway down, worker killed mid-send."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from igrs.notifications import services as sms
from igrs.notifications.models import OutboxMessage, OutboxStatus, SmsPart

from .conftest import database_url, later, new_complaint
from .sms_rig import Kannel, Smsc, free_port, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]
S = OutboxStatus


@pytest.fixture(scope="module")
def kannel(tmp_path_factory):
    rig = Kannel(tmp_path_factory.mktemp("kannel")).start()
    yield rig
    rig.stop()


def register_on_dlt() -> None:
    """The ids a deployment enters from its DLT registrations (a real gateway needs them)."""
    from igrs.core import cache
    from igrs.notifications.models import SmsTemplate

    SmsTemplate.objects.update(
        dlt_template_id="1107161234567890123", entity_id="1101600000000012345"
    )
    cache.clear()


@pytest.fixture
def through_kannel(kannel, settings, live_server, reseeded):
    for name, value in kannel.settings().items():
        setattr(settings, name, value)
    settings.IGRS_SMS_DLR_BASE = live_server.url
    settings.IGRS_DLT_REQUIRED = True
    if not reports_can_land():
        params = json.loads(settings.IGRS_SMS_HTTP_PARAMS)
        del params["dlr-mask"], params["dlr-url"]
        settings.IGRS_SMS_HTTP_PARAMS = json.dumps(params)
    register_on_dlt()
    already = len(kannel.received())
    return lambda: kannel.received()[already:]


def reports_can_land() -> bool:
    """On in-memory SQLite the live server shares the test thread's one connection, and a
    delivery report arriving while the worker writes misuses it: there reports are asked
    for only where the server has its own connection (PostgreSQL, in every CI run)."""
    return connection.vendor != "sqlite"


def queued() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(status=S.QUEUED).order_by("pk"))


def test_messages_reach_the_fake_smsc_through_kannel_and_reports_come_back(through_kannel, agent):
    complaint = new_complaint(agent, description="सड़क पर गड्ढा। बच्चों को चोट लग रही है।")
    english = new_complaint(agent, mobile="9811111111", language="en")
    messages = queued()
    assert {m.encoding for m in messages} == {"ucs2", "gsm7"}  # Hindi and English both go

    assert sms.deliver_pending() == len(messages)

    arrived = wait_until(
        lambda: (got := through_kannel()) and len(got) >= len(messages) and got,
        what="every message at the fake SMSC",
    )
    assert sorted((m["to"], m["text"]) for m in arrived) == sorted(
        (m.mobile.lstrip("+"), m.body) for m in messages
    )  # exact text, Devanagari included
    assert any(complaint.reference in m["text"] and "शिकायत" in m["text"] for m in arrived)
    assert any(english.reference in m["text"] and "registered" in m["text"] for m in arrived)
    if not reports_can_land():
        return
    # Kannel calls back (type 8, then 1): every message ends delivered, through the signed URL.
    wait_until(
        lambda: not OutboxMessage.objects.exclude(status=S.DELIVERED).exists(),
        what="delivery reports",
    )
    assert [
        (m.key, m.status, m.sent_at, m.finished_at)
        for m in OutboxMessage.objects.all()
        if not (m.finished_at and m.sent_at)
    ] == []


def test_a_long_hindi_message_goes_in_parts_and_arrives_whole(through_kannel, agent):
    from igrs.core import cache
    from igrs.notifications.models import SmsTemplate

    SmsTemplate.objects.filter(key="registered_assigned", language="hi").update(
        body="आपकी शिकायत संख्या {#var#} दर्ज कर ली गई है और {#var#}{#var#} को भेज दी गई है। "
        "निस्तारण की अंतिम तिथि {#var#} है। स्थिति जानने के लिए 1076 पर कॉल करें।",
        variables="reference,post,post,due",
    )
    cache.clear()
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.encoding == "ucs2" and message.parts == 3  # counted as the operator bills
    sms.deliver_pending()
    to = message.mobile.lstrip("+")
    arrived = wait_until(
        lambda: [m for m in through_kannel() if m["to"] == to], what="the long message"
    )
    assert arrived[0]["text"] == message.body and arrived[0]["parts"] == message.parts


def test_gateway_down_messages_wait_and_go_once_when_it_is_back(through_kannel, kannel, agent):
    new_complaint(agent)
    new_complaint(agent, mobile="9822222222")
    count = len(queued())
    kannel.stop_smsbox()
    try:
        assert sms.deliver_pending() == count
        waiting = OutboxMessage.objects.filter(status=S.QUEUED, attempts=1)
        assert waiting.count() == count  # not lost, not failed: back in the queue
        assert all("cannot reach" in m.last_error for m in waiting)
        assert sms.deliver_pending() == 0  # backing off
    finally:
        kannel.start_smsbox()
    later(1)
    assert sms.deliver_pending() == count
    arrived = wait_until(
        lambda: (got := through_kannel()) and len(got) >= count and got,
        what="messages after the gateway came back",
    )
    later(2)
    assert sms.deliver_pending() == 0
    assert len(through_kannel()) == count == len(arrived)  # none doubled


# ---------------------------------------------------------------- worker killed mid-send

DYING_WORKER = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
import django
django.setup()
from django.conf import settings
from igrs.notifications import gateways, services

class DieAfterSend(gateways.HttpGateway):
    # The message has left for Kannel; the worker dies before recording that.
    def send(self, message):
        super().send(message)
        os._exit(9)

gateways._gateways[(settings.IGRS_SMS_GATEWAY, settings.IGRS_SMPP_HOST,
                    settings.IGRS_SMPP_PORT)] = DieAfterSend()
services.deliver_pending(batch=1)
"""


@pytest.mark.parametrize("reports", [True, False], ids=["report-comes", "no-report"])
def test_a_worker_killed_between_send_and_record_never_sends_twice(
    through_kannel, kannel, agent, tmp_path, live_server, reports
):
    if connection.vendor != "postgresql":
        pytest.skip("another process shares the test database only on PostgreSQL")
    new_complaint(agent)
    first = queued()[0]
    env = {
        **os.environ,
        **{k: str(v) for k, v in kannel.settings().items()},
        "IGRS_DATABASE_URL": database_url(),
        "IGRS_VAR_DIR": str(tmp_path),
        "IGRS_SMS_DLR_BASE": live_server.url,
        "PYTHONPATH": str(ROOT / "src"),
    }
    if not reports:
        env["IGRS_SMS_DLR_QUERY"] = ""  # Kannel calls back with nothing IGRS understands
    worker = subprocess.run(
        [sys.executable, "-c", DYING_WORKER],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 9, worker.stderr
    wait_until(lambda: through_kannel(), what="the message the dead worker sent")
    if reports:  # the report tells what the dead worker could not record
        wait_until(
            lambda: OutboxMessage.objects.filter(pk=first.pk, status=S.DELIVERED),
            what="the report of the dead worker's message",
        )
    else:
        first.refresh_from_db()
        assert first.status == S.SENDING and first.attempts == 1

    # The restarted worker, once the dead one's lease is over: in doubt, not sent again.
    later(1)
    sms.deliver_pending()
    first.refresh_from_db()
    assert first.status == (S.DELIVERED if reports else S.UNCONFIRMED)
    later(2)
    sms.deliver_pending()
    assert [m["text"] for m in through_kannel()].count(first.body) == 1


# ---------------------------------------------------------------- SMPP


@pytest.fixture
def smsc(tmp_path, settings, reseeded):
    register_on_dlt()
    settings.IGRS_DLT_REQUIRED = True
    server = Smsc(tmp_path)
    settings.IGRS_SMS_GATEWAY = "igrs.notifications.gateways.SmppGateway"
    settings.IGRS_SMPP_PORT = server.port
    settings.IGRS_SMPP_ENTITY_TLV = 0x1400
    settings.IGRS_SMPP_TEMPLATE_TLV = 0x1401
    yield server
    server.stop()


def test_smpp_client_sends_with_dlt_tlvs_and_takes_receipts(smsc, agent):
    register_on_dlt()
    new_complaint(agent)
    new_complaint(agent, mobile="9811111113", language="en")  # ends in 13: the SMSC fails it
    messages = queued()
    assert sms.deliver_pending() == len(messages)

    got = smsc.received()
    assert sorted((row["to"], row["text"]) for row in got) == sorted(
        (m.mobile.lstrip("+"), m.body) for m in messages
    )
    assert {row["entity_id"].rstrip("\0") for row in got} == {"1101600000000012345"}
    assert {row["template_id"].rstrip("\0") for row in got} == {"1107161234567890123"}
    assert {row["data_coding"] for row in got} == {0, 8}  # GSM-7 and UCS-2 (Hindi)
    assert SmsPart.objects.count() == sum(row.get("parts", 1) for row in got)

    def reported():
        sms.deliver_pending()  # a worker round reads the receipts on the bind
        return not OutboxMessage.objects.filter(status__in=[S.SENDING, S.SENT]).exists()

    wait_until(reported, what="SMPP receipts")
    failed = OutboxMessage.objects.get(mobile="+919811111113")
    assert failed.status == S.UNDELIVERED and failed.error_code == "034"
    assert set(OutboxMessage.objects.exclude(pk=failed.pk).values_list("status", flat=True)) == {
        S.DELIVERED
    }


def test_smsc_down_then_up_sends_once(smsc, agent, settings):
    new_complaint(agent)
    count = len(queued())
    real_port = settings.IGRS_SMPP_PORT
    settings.IGRS_SMPP_PORT = free_port()  # nothing listens there
    assert sms.deliver_pending() == count
    assert OutboxMessage.objects.filter(status=S.QUEUED, attempts=1).count() == count
    settings.IGRS_SMPP_PORT = real_port
    later(1)
    assert sms.deliver_pending() == count
    assert len(smsc.received()) == count
