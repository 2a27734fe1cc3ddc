"""Outbox: rendering per language, SMS parts, delivery after commit, retries."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from igrs.core import clock
from igrs.notifications import services as sms
from igrs.notifications.gateways import GatewayError
from igrs.notifications.models import OutboxMessage, OutboxStatus, SmsTemplate

from .conftest import later, new_complaint


class FailingGateway:
    def send(self, message):
        raise GatewayError("operator down")


def test_sms_parts_follow_gsm_and_unicode_limits():
    assert sms.sms_parts("a" * 160) == 1 and sms.sms_parts("a" * 161) == 2
    assert sms.sms_parts("क" * 70) == 1 and sms.sms_parts("क" * 71) == 2
    assert sms.sms_parts("क" * 134) == 2 and sms.sms_parts("क" * 135) == 3


def test_templates_exist_in_both_languages_with_dlt_id_field(db):
    keys = set(SmsTemplate.objects.values_list("key", "language"))
    for key in ("registered", "registered_assigned", "assigned_officer", "escalated_citizen",
                "closed_citizen"):
        assert {(key, "hi"), (key, "en")} <= keys


def test_citizen_sms_in_hindi_carries_the_reference(agent):
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.language == "hi" and complaint.reference in message.body
    assert any("\u0900" <= ch <= "\u097f" for ch in message.body)  # Devanagari text
    english = new_complaint(agent, mobile="9811111111", language="en")
    body = OutboxMessage.objects.get(reference=english.reference, key="registered_assigned").body
    assert "registered" in body


def test_edited_template_and_dlt_id_are_used(agent):
    SmsTemplate.objects.filter(key="registered_assigned", language="hi").update(
        body="संदर्भ {reference} दर्ज।", dlt_template_id="1107000000000000001")
    from igrs.core import cache

    cache.clear()
    complaint = new_complaint(agent)
    message = OutboxMessage.objects.get(reference=complaint.reference, key="registered_assigned")
    assert message.body == f"संदर्भ {complaint.reference} दर्ज।"
    assert message.dlt_template_id == "1107000000000000001"


def test_nothing_is_queued_when_the_change_rolls_back(agent):
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        new_complaint(agent)
        raise RuntimeError("crash after registering")
    assert OutboxMessage.objects.count() == before


def test_delivery_writes_to_the_file_gateway(agent, settings, tmp_path):
    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")
    complaint = new_complaint(agent)
    queued = OutboxMessage.objects.filter(status=OutboxStatus.QUEUED).count()
    assert sms.deliver_pending(batch=1000) == queued
    lines = [json.loads(line) for line in (tmp_path / "sms.log").read_text().splitlines()]
    assert any(complaint.reference in line["text"] for line in lines)
    assert not OutboxMessage.objects.filter(status=OutboxStatus.QUEUED).exists()
    assert sms.deliver_pending() == 0


def test_failed_sends_are_retried_with_backoff_then_marked_failed(agent, settings):
    settings.IGRS_SMS_GATEWAY = "tests.test_notifications.FailingGateway"
    settings.IGRS_SMS_MAX_ATTEMPTS = 2
    OutboxMessage.objects.update(status=OutboxStatus.SENT)
    new_complaint(agent)
    sent = sms.deliver_pending()
    assert sent > 0
    assert sms.deliver_pending() == 0  # backing off: not due yet
    later(1)
    assert sms.deliver_pending() == sent
    statuses = set(OutboxMessage.objects.exclude(status=OutboxStatus.SENT)
                   .values_list("status", flat=True))
    assert statuses == {OutboxStatus.FAILED}
    assert OutboxMessage.objects.filter(last_error="operator down").count() == sent
    assert clock.now()  # the clock was moved, not slept


def test_a_template_with_an_unknown_placeholder_is_refused(db):
    template = SmsTemplate(key="registered", language="hi", body="संदर्भ {referance} दर्ज।")
    with pytest.raises(ValidationError) as caught:
        template.full_clean(validate_unique=False)
    assert "referance" in str(caught.value)
    SmsTemplate(key="x", language="hi", body="संदर्भ {reference}, {post}, {due}").full_clean()
