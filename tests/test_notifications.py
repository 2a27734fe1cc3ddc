"""Outbox: DLT templates, rendering per language, SMS parts, delivery after commit, retries,
quiet hours, throttling, delivery reports, the operations page."""

import contextlib
import datetime as dt
import http.server
import importlib
import json
import socket
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from igrs.core import cache, clock
from igrs.core.accounts import grant_role
from igrs.notifications import dlt, receipts
from igrs.notifications import services as sms
from igrs.notifications.gateways import (
    Accepted,
    GatewayError,
    GatewayUnsure,
    HttpGateway,
    get_gateway,
)
from igrs.notifications.models import OutboxMessage, OutboxStatus, SmsTemplate

from .conftest import later, new_complaint
from .sms_rig import free_port

S = OutboxStatus


class FailingGateway:
    concurrency, idempotent, tracks_parts, reports_acceptance = 1, False, False, False

    def send(self, message):
        raise GatewayError("operator down")

    def poll(self, on_receipt):
        pass


class RefusingGateway(FailingGateway):
    def send(self, message):
        raise GatewayError("HTTP 403: Authorization failed", code="403", permanent=True)


class UnsureGateway(FailingGateway):
    sent: list = []

    def send(self, message):
        self.sent.append(message.pk)
        raise GatewayUnsure("no answer in 10 s")


class DeduplicatingGateway(UnsureGateway):
    idempotent = True


class PartsGateway(FailingGateway):
    """Answers like an SMSC: an id per part."""

    tracks_parts = True

    def send(self, message):
        return Accepted((f"smsc-{message.pk}-1", f"smsc-{message.pk}-2"))


def use(settings, gateway: type) -> None:
    settings.IGRS_SMS_GATEWAY = f"tests.test_notifications.{gateway.__name__}"


# ---------------------------------------------------------------- encoding and templates


def test_parts_follow_gsm_and_unicode_limits():
    assert dlt.segments("a" * 160) == ("gsm7", 1) and dlt.segments("a" * 161) == ("gsm7", 2)
    assert dlt.segments("a" * 306) == ("gsm7", 2) and dlt.segments("a" * 307) == ("gsm7", 3)
    # The extension table (€ [ ] { } …) takes two septets a character.
    assert dlt.segments("€" * 80) == ("gsm7", 1) and dlt.segments("€" * 81) == ("gsm7", 2)
    assert dlt.segments("क" * 70) == ("ucs2", 1) and dlt.segments("क" * 71) == ("ucs2", 2)
    assert dlt.segments("क" * 134) == ("ucs2", 2) and dlt.segments("क" * 135) == ("ucs2", 3)
    assert dlt.segments("Reference 123 ✓")[0] == "ucs2"  # one character outside GSM-7


def test_seeded_templates_are_dlt_shaped_in_both_languages(db):
    rows = SmsTemplate.objects.all()
    assert {(row.key, row.language) for row in rows} >= {
        (key, lang)
        for key in ("registered_assigned", "assigned_officer", "otp_citizen")
        for lang in ("hi", "en")
    }
    for row in rows:
        assert "{reference}" not in row.body
        assert len(dlt.VARIABLE.findall(row.body)) == len(dlt.parse_names(row.variables)), row
    officer = SmsTemplate.objects.get(key="assigned_officer", language="en")
    assert "{#url#}" in officer.body and officer.variables.endswith("link")
    assert "{#var#}{#var#}" in officer.body  # the post's name gets two variables: 60 chars


def test_filling_checks_every_value_against_its_variable():
    body, names = "Complaint {#var#} is with {#var#}{#var#}. {#url#}", "reference,post,post,link"
    text = dlt.fill(
        body,
        names,
        {"reference": "2026000000016", "post": "तहसीलदार, लखनऊ सदर", "link": "http://x.in/o/1"},
    )
    assert text == "Complaint 2026000000016 is with तहसीलदार, लखनऊ सदर. http://x.in/o/1"
    long_post = dlt.fill(body, names, {"reference": "1", "post": "क" * 80, "link": "http://x"})
    assert "क" * 59 + "…" in long_post  # a name is shortened to its 60 characters
    english = dlt.fill(body, names, {"reference": "1", "post": "x" * 80, "link": "http://x"})
    assert "x" * 57 + "..." in english and dlt.encoding(english) == "gsm7"  # still GSM-7
    with pytest.raises(dlt.TemplateError, match="reference"):  # an identifier is not
        dlt.fill(body, names, {"reference": "1" * 31, "post": "", "link": "http://x"})
    with pytest.raises(dlt.TemplateError):  # a link must look like one
        dlt.fill(body, names, {"reference": "1", "post": "", "link": "not a link"})
    with pytest.raises(dlt.TemplateError, match="post"):
        dlt.fill(body, names, {"reference": "1", "link": "http://x"})
    # A value cannot break out of its variable with a new line.
    assert "\n" not in dlt.fill(body, names, {"reference": "1\n2", "post": "a", "link": "http://x"})


def test_citizen_sms_in_hindi_carries_the_reference(agent):
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.language == "hi" and complaint.reference in message.body
    assert message.encoding == "ucs2" and message.parts == dlt.segments(message.body)[1]
    assert any("\u0900" <= ch <= "\u097f" for ch in message.body)  # Devanagari text
    english = new_complaint(agent, mobile="9811111111", language="en")
    body = OutboxMessage.objects.get(reference=english.reference, key="registered_assigned").body
    assert "registered" in body


def test_the_registered_text_and_its_ids_are_used(agent):
    SmsTemplate.objects.filter(key="registered_assigned", language="hi").update(
        body="संदर्भ {#var#} दर्ज। {#var#}{#var#} द्वारा कार्यवाही होगी।",
        variables="reference,post,post",
        dlt_template_id="1107000000000000001",
        header="UPGOVT",
        entity_id="1101000000000000009",
    )
    cache.clear()
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.body == (
        f"संदर्भ {complaint.reference} दर्ज। तहसीलदार, लखनऊ सदर द्वारा कार्यवाही होगी।"
    )
    assert (message.dlt_template_id, message.header, message.entity_id) == (
        "1107000000000000001",
        "UPGOVT",
        "1101000000000000009",
    )


def test_a_message_its_template_cannot_carry_is_parked_and_the_admins_told_once(
    agent, settings, django_capture_on_commit_callbacks
):
    settings.ADMINS = ["sms-admin@up.gov.in"]
    SmsTemplate.objects.filter(key="registered_assigned").update(
        body="Ref {#numeric#} filed.", variables="post"
    )  # a name in a digits-only variable
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = new_complaint(agent)
        new_complaint(agent, mobile="9811111111")
    parked = OutboxMessage.objects.filter(key="registered_assigned")
    assert {m.status for m in parked} == {S.PARKED} and parked.count() == 2
    assert all(m.body == "" and m.last_error and m.context["reference"] for m in parked)
    with django_capture_on_commit_callbacks(execute=True):
        assert new_complaint(agent, mobile="9822222222")  # the complaint itself goes on
    assert len(mail.outbox) == 1 and "registered_assigned" in mail.outbox[0].subject
    assert sms.deliver_pending(batch=1000) > 0
    assert parked.filter(status=S.PARKED).count() == 3  # never sent as it stands

    SmsTemplate.objects.filter(key="registered_assigned", language="hi").update(
        body="शिकायत {#var#} दर्ज।", variables="reference"
    )
    SmsTemplate.objects.filter(key="registered_assigned", language="en").update(
        body="Complaint {#var#} registered.", variables="reference"
    )
    cache.clear()
    assert sms.release_parked("registered_assigned") == 3
    message = OutboxMessage.objects.get(key="registered_assigned", reference=first.reference)
    assert message.status == S.QUEUED and message.body == f"शिकायत {first.reference} दर्ज।"


def test_without_dlt_ids_a_real_gateway_gets_nothing(agent, settings):
    settings.IGRS_DLT_REQUIRED = True
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.status == S.PARKED and "DLT" in message.last_error


def test_a_missing_hindi_template_falls_back_to_english(agent):
    SmsTemplate.objects.filter(key="registered_assigned", language="hi").delete()
    cache.clear()
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.status == S.QUEUED and "registered" in message.body


def test_the_admin_refuses_a_template_whose_names_do_not_fit(db):
    typo = SmsTemplate(
        key="registered", language="hi", body="संदर्भ {#var#} दर्ज।", variables="referance"
    )
    with pytest.raises(ValidationError) as caught:
        typo.full_clean(validate_unique=False)
    assert "referance" in str(caught.value)
    short = SmsTemplate(key="x", language="hi", body="{#var#} {#var#}", variables="reference")
    with pytest.raises(ValidationError, match="2 चर"):
        short.full_clean()
    SmsTemplate(
        key="x", language="hi", body="संदर्भ {#var#}, {#var#}", variables="reference, due"
    ).full_clean()


def test_the_migration_turns_named_texts_into_dlt_templates_and_back(db):
    migration = importlib.import_module(
        "igrs.notifications.migrations.0002_dlt_registry_and_delivery_reports"
    )
    from django.apps import apps

    SmsTemplate.objects.update_or_create(
        key="legacy",
        language="hi",
        defaults={"body": "शिकायत {reference} {post} को, {due} तक। {link}", "variables": ""},
    )
    migration.to_dlt(apps, None)
    row = SmsTemplate.objects.get(key="legacy")
    assert row.body == "शिकायत {#var#} {#var#}{#var#} को, {#var#} तक। {#url#}"
    assert row.variables == "reference,post,post,due,link"
    migration.to_named(apps, None)
    assert SmsTemplate.objects.get(key="legacy").body == (
        "शिकायत {reference} {post} को, {due} तक। {link}"
    )


# ---------------------------------------------------------------- delivery


def test_nothing_is_queued_when_the_change_rolls_back(agent):
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        new_complaint(agent)
        raise RuntimeError("crash after registering")
    assert OutboxMessage.objects.count() == before


def test_delivery_writes_to_the_file_gateway(agent, settings, tmp_path):
    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")
    complaint = new_complaint(agent)
    queued = OutboxMessage.objects.filter(status=S.QUEUED).count()
    assert sms.deliver_pending(batch=1000) == queued
    lines = [json.loads(line) for line in (tmp_path / "sms.log").read_text().splitlines()]
    assert any(complaint.reference in line["text"] for line in lines)
    assert not OutboxMessage.objects.filter(status=S.QUEUED).exists()
    assert all(m.context == {} and m.sent_at for m in OutboxMessage.objects.all())
    assert sms.deliver_pending() == 0


def test_failed_sends_are_retried_with_backoff_then_marked_failed(agent, settings):
    use(settings, FailingGateway)
    settings.IGRS_SMS_MAX_ATTEMPTS = 2
    settings.ADMINS = ["sms-admin@up.gov.in"]
    OutboxMessage.objects.update(status=S.SENT)
    new_complaint(agent)
    sent = sms.deliver_pending()
    assert sent > 0
    assert sms.deliver_pending() == 0  # backing off: not due yet
    later(1)
    assert sms.deliver_pending() == sent
    failed = OutboxMessage.objects.exclude(status=S.SENT)
    assert set(failed.values_list("status", flat=True)) == {S.FAILED}
    assert failed.filter(last_error="operator down").count() == sent
    assert all(m.finished_at for m in failed)
    assert any("failed" in m.subject for m in mail.outbox)


def test_a_refusal_for_good_is_not_retried(agent, settings):
    use(settings, RefusingGateway)
    OutboxMessage.objects.update(status=S.SENT)
    new_complaint(agent)
    sent = sms.deliver_pending()
    failed = OutboxMessage.objects.filter(status=S.FAILED)
    assert failed.count() == sent and {m.error_code for m in failed} == {"403"}
    assert {m.attempts for m in failed} == {1}


def test_an_unsure_send_is_not_repeated_unless_the_gateway_drops_repeats(agent, settings):
    use(settings, UnsureGateway)
    UnsureGateway.sent = []
    OutboxMessage.objects.update(status=S.SENT)
    new_complaint(agent)
    count = sms.deliver_pending()
    assert OutboxMessage.objects.filter(status=S.UNCONFIRMED).count() == count
    later(1)
    assert sms.deliver_pending() == 0 and len(UnsureGateway.sent) == count
    # A person checks and decides: once more.
    message = OutboxMessage.objects.filter(status=S.UNCONFIRMED).first()
    assert sms.send_again(message.pk) and not sms.send_again(message.pk)

    use(settings, DeduplicatingGateway)
    settings.IGRS_SMS_MAX_ATTEMPTS = 2
    OutboxMessage.objects.update(status=S.SENT)
    new_complaint(agent, mobile="9811111111")
    count = sms.deliver_pending()
    again = OutboxMessage.objects.filter(status=S.QUEUED)
    assert again.count() == count  # safe to repeat, after a back-off
    assert sms.deliver_pending() == 0
    later(1)
    assert sms.deliver_pending() == count
    assert OutboxMessage.objects.filter(status=S.FAILED).count() == count  # and not for ever


def test_only_an_unconfirmed_or_failed_message_can_be_sent_again(agent):
    new_complaint(agent)
    queued = OutboxMessage.objects.filter(status=S.QUEUED).first()
    OutboxMessage.objects.filter(pk=queued.pk).update(status=S.SENDING)
    assert not sms.send_again(queued.pk)  # it may be on its way right now
    OutboxMessage.objects.filter(pk=queued.pk).update(status=S.PARKED)
    assert not sms.send_again(queued.pk)  # it has no text the operator would take


def only_one_queued(agent) -> OutboxMessage:
    """A new complaint's first SMS, the only one left to send."""
    OutboxMessage.objects.update(status=S.SENT)
    new_complaint(agent, mobile="9811111111")
    message = OutboxMessage.objects.filter(status=S.QUEUED).first()
    OutboxMessage.objects.exclude(pk=message.pk).update(status=S.SENT)
    return message


def test_a_worker_whose_lease_ran_out_cannot_record_over_the_next_one(agent, settings):
    use(settings, UnsureGateway)
    message = only_one_queued(agent)
    gateway = get_gateway()
    [slow] = sms._claim(10, gateway)  # worker A takes it and stalls
    later(1)
    sms.deliver_pending()  # A's lease is over: unconfirmed (and UnsureGateway sends nothing)
    assert sms.send_again(message.pk)
    [fresh] = sms._claim(10, gateway)  # worker B takes it
    sms._record(slow, Accepted(("from-a",)), gateway)  # A wakes up and reports
    message.refresh_from_db()
    assert (message.status, message.gateway_message_id) == (S.SENDING, "")
    sms._record(fresh, Accepted(("from-b",)), gateway)
    message.refresh_from_db()
    assert (message.status, message.gateway_message_id) == (S.SENT, "from-b")


def test_a_message_due_in_its_quiet_hours_waits_for_the_morning(db, settings, tmp_path):
    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")
    SmsTemplate.objects.filter(key="closed_citizen").update(
        quiet_from=dt.time(21), quiet_until=dt.time(8)
    )
    cache.clear()
    ist = timezone.get_current_timezone()
    clock.advance(timezone.make_aware(dt.datetime(2026, 11, 29, 12), ist) - clock.now())
    context = {"reference": "2026000000016", "outcome": "निस्तारित", "reason": ""}
    sms.save_outbox([sms.queue_sms("+919876543210", "closed_citizen", "hi", context)])
    clock.advance(dt.timedelta(hours=11))  # 23:00: a backlog reaching it only now
    assert sms.deliver_pending() == 0
    waiting = OutboxMessage.objects.get(key="closed_citizen")
    assert waiting.status == S.QUEUED and waiting.attempts == 0
    assert timezone.localtime(waiting.next_attempt_at).hour == 8
    clock.advance(dt.timedelta(hours=9, minutes=1))
    assert sms.deliver_pending() == 1


def test_a_receipt_that_overtakes_the_record_of_its_send_still_counts(agent, settings):
    use(settings, PartsGateway)
    message = only_one_queued(agent)
    # The SMSC's receipt reaches another worker's bind before this one records the send.
    assert not sms.record_smpp_receipt(receipts.Receipt(S.DELIVERED, "000", f"smsc-{message.pk}-1"))
    sms.deliver_pending()
    message.refresh_from_db()
    assert message.status == S.SENT  # one part of two reported
    assert sms.record_smpp_receipt(receipts.Receipt(S.UNDELIVERED, "034", f"smsc-{message.pk}-2"))
    message.refresh_from_db()
    assert (message.status, message.error_code) == (S.UNDELIVERED, "034")


def test_a_mail_server_down_does_not_stop_the_sms(agent, settings, tmp_path):
    settings.ADMINS = ["sms-admin@up.gov.in"]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    use(settings, RefusingGateway)
    OutboxMessage.objects.update(status=S.SENT)
    new_complaint(agent)
    sent = sms.deliver_pending()
    assert OutboxMessage.objects.filter(status=S.FAILED).count() == sent > 1


def test_a_one_time_password_is_not_kept_once_sent(db, settings, tmp_path):
    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")
    message = sms.queue_sms("+919876543210", "otp_citizen", "hi", {"otp": "482913", "minutes": 10})
    sms.save_outbox([message])
    sms.deliver_pending()
    kept = OutboxMessage.objects.get(key="otp_citizen")
    assert "482913" not in kept.body and "482913" not in json.dumps(kept.context)
    assert "482913" in (tmp_path / "sms.log").read_text()


def test_quiet_hours_hold_a_message_until_morning(db):
    night = (dt.time(21), dt.time(8))
    ist = timezone.get_current_timezone()
    at = lambda day, hour, minute=0: timezone.make_aware(  # noqa: E731
        dt.datetime(2026, 11, day, hour, minute), ist
    )
    assert sms.after_quiet_hours(at(29, 22, 30), night) == at(30, 8)
    assert sms.after_quiet_hours(at(30, 3), night) == at(30, 8)
    assert sms.after_quiet_hours(at(30, 12), night) == at(30, 12)
    assert sms.after_quiet_hours(at(30, 8), night) == at(30, 8)
    lunch = (dt.time(13), dt.time(14))
    assert sms.after_quiet_hours(at(30, 13, 30), lunch) == at(30, 14)
    assert sms.after_quiet_hours(at(30, 12), None) == at(30, 12)

    SmsTemplate.objects.filter(key="closed_citizen").update(
        quiet_from=dt.time(21), quiet_until=dt.time(8)
    )
    cache.clear()
    clock.advance(at(29, 23) - clock.now())
    context = {"reference": "2026000000016", "outcome": "निस्तारित", "reason": ""}
    held = sms.queue_sms("+919876543210", "closed_citizen", "hi", context)
    otp = sms.queue_sms("+919876543210", "otp_citizen", "hi", {"otp": "1", "minutes": 5})
    assert held.next_attempt_at == at(30, 8) and otp.next_attempt_at <= clock.now()


def test_the_pacer_keeps_to_its_rate():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = sms.Pacer(10, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(21):
        pacer.wait()
    assert now[0] == pytest.approx(102.0)  # 21 sends at 10 a second: two seconds
    assert sms.Pacer(0, sleep=lambda s: pytest.fail("no limit, no wait")).wait() is None


# ---------------------------------------------------------------- delivery reports


def sent_message(agent) -> OutboxMessage:
    new_complaint(agent)
    sms.deliver_pending(batch=1000)
    return OutboxMessage.objects.filter(status=S.SENT).first()


def test_reports_move_a_message_forward_never_back(agent, client):
    message = sent_message(agent)
    url = receipts.callback_url(message.pk).split("?")[0]
    assert client.get(url, {"type": "8", "answer": "ACK/"}).status_code == 200
    assert client.get(url, {"type": "1", "answer": "id:1 stat:DELIVRD err:000"}).status_code == 200
    message.refresh_from_db()
    assert message.status == S.DELIVERED and message.finished_at
    late_ack = client.get(url, {"type": "8", "answer": "ACK/"})
    assert late_ack.status_code == 200 and b"nothing changed" in late_ack.content
    message.refresh_from_db()
    assert message.status == S.DELIVERED


def test_an_aggregators_failure_report_keeps_the_operators_code(agent, client):
    message = sent_message(agent)
    url = receipts.callback_url(message.pk).split("?")[0]
    assert client.post(url, {"status": "UNDELIV", "err": "034"}).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.error_code) == (S.UNDELIVERED, "034")
    nack = receipts.from_callback({"type": "16", "answer": "NACK/0x00000045/Submit failed"})
    assert nack == receipts.Receipt(S.UNDELIVERED, "0x00000045")


def test_a_report_must_carry_the_signature_and_a_status(agent, client):
    message = sent_message(agent)
    url = receipts.callback_url(message.pk).split("?")[0]
    forged = url.replace(url.rstrip("/").rsplit("/", 1)[1], "0" * 20)
    assert client.get(forged, {"type": "1"}).status_code == 403
    other = receipts.callback_url(message.pk + 1).split("?")[0]
    assert (
        client.get(url.replace(str(message.pk), str(message.pk + 1)), {"type": "1"}).status_code
        == 403
        and other != url
    )
    assert client.get(url, {"type": "99"}).status_code == 400
    message.refresh_from_db()
    assert message.status == S.SENT


# ---------------------------------------------------------------- operations page


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_user("sms-ops")
    grant_role(user, "admin")
    client.force_login(user)
    return client


def test_the_operations_page_shows_the_queue_and_lets_an_admin_act(agent, admin_client, settings):
    use(settings, RefusingGateway)
    new_complaint(agent)
    sms.deliver_pending()
    SmsTemplate.objects.filter(key="otp_citizen").update(variables="otp,reference")
    cache.clear()
    sms.save_outbox(
        [sms.queue_sms("+919876543210", "otp_citizen", "hi", {"otp": "1", "minutes": 5})]
    )
    page = admin_client.get("/sms/ops/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<td>403</td>" in text and "otp_citizen" in text and "फिर से भेजें" in text
    failed = OutboxMessage.objects.filter(status=S.FAILED).first()
    assert admin_client.post(f"/sms/ops/send-again/{failed.pk}/").status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.QUEUED


def test_the_operations_page_is_for_administrators(agent, client):
    assert client.get("/sms/ops/").status_code == 302  # to sign in
    client.force_login(User.objects.create_user("someone"))
    assert client.get("/sms/ops/").status_code == 403
    assert client.post("/sms/ops/release/").status_code == 403


# ---------------------------------------------------------------- the HTTP gateway's answers


class Answers(http.server.BaseHTTPRequestHandler):
    """A provider on loopback that answers each path its own way."""

    def do_GET(self):  # noqa: N802 - the standard library's name
        path = self.path.split("?")[0].strip("/")
        if path == "drop":  # reads the request, then hangs up without a word
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if path == "slow":
            time.sleep(1.5)
        status = int(path) if path.isdigit() else 202
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # "slow": gone
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"0: Accepted for delivery, id 4711" if status == 202 else b"no")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def provider():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("path", "kind", "permanent"),
    [
        ("202", Accepted, None),
        ("500", GatewayError, False),
        ("503", GatewayError, False),
        ("429", GatewayError, False),
        ("408", GatewayError, False),
        ("403", GatewayError, True),
        ("400", GatewayError, True),
        ("502", GatewayUnsure, None),
        ("504", GatewayUnsure, None),  # a proxy: it may have gone
        ("drop", GatewayUnsure, None),
        ("slow", GatewayUnsure, None),
    ],
)
def test_the_http_gateway_tells_not_sent_from_maybe_sent(provider, settings, path, kind, permanent):
    settings.IGRS_SMS_HTTP_URL = f"{provider}/{path}"
    settings.IGRS_SMS_HTTP_ID_PATTERN = r"id (\d+)"
    settings.IGRS_SMS_TIMEOUT = 0.5
    message = OutboxMessage(pk=1, mobile="+919876543210", body="शिकायत दर्ज", encoding="ucs2")
    gateway = HttpGateway()
    if kind is Accepted:
        assert gateway.send(message) == Accepted(("4711",))
        return
    with pytest.raises(kind) as caught:
        gateway.send(message)
    if permanent is not None:
        assert caught.value.permanent is permanent


def test_the_http_gateway_down_is_not_sent(settings):
    settings.IGRS_SMS_HTTP_URL = f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms"
    with pytest.raises(GatewayError) as caught:
        HttpGateway().send(OutboxMessage(pk=1, mobile="+919876543210", body="x"))
    assert not caught.value.permanent and "cannot reach" in str(caught.value)
