"""The hand-written INSERT stores what the ORM would: times, JSON, foreign keys, ids."""

import pytest
from django.db import IntegrityError, transaction

from igrs.core import clock, fastsql
from igrs.grievances.models import Complaint, Event
from igrs.notifications.models import OutboxMessage

from .conftest import new_complaint


def test_rows_read_back_exactly_as_written(agent):
    complaint = new_complaint(agent)
    event = complaint.events.get(action="register")
    now = clock.now()
    messages = [
        OutboxMessage(
            mobile="+919876543210",
            key="k",
            language="hi",
            body=f"संदेश {i}",
            next_attempt_at=now,
            created_at=now,
            reference="r",
        )
        for i in range(3)
    ]
    fastsql.insert(messages)
    assert [m.pk for m in messages] == sorted(m.pk for m in messages)
    stored = list(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk"))
    assert [m.body for m in stored] == ["संदेश 0", "संदेश 1", "संदेश 2"]
    assert stored[0].created_at == now and stored[0].status == "queued"
    assert event.complaint_id == complaint.pk and event.data == {}
    assert complaint.created_at == complaint.__class__.objects.get(pk=complaint.pk).created_at


def test_nothing_to_insert_is_fine(db):
    fastsql.insert([])


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_select_reads_what_the_orm_reads(agent):
    complaint = new_complaint(agent)
    [read] = fastsql.select(Complaint, "reference = %s", [complaint.reference])
    assert _fields(read) == _fields(Complaint.objects.get(pk=complaint.pk))
    assert not read._state.adding
    events = fastsql.select(Event, "complaint_id = %s", [complaint.pk], order_by="at, id")
    assert [_fields(e) for e in events] == [_fields(e) for e in complaint.events.all()]
    assert isinstance(events[0].data, dict)  # JSON decoded as the ORM decodes it
    assert fastsql.select(Complaint, "reference = %s", ["0"]) == []


def test_update_only_when_the_condition_holds(agent):
    complaint = new_complaint(agent)
    version = complaint.version
    changed = fastsql.update(
        Complaint,
        complaint.pk,
        {"flagged": True},
        where="version = %s",
        params=[version + 5],
        increment="version",
    )
    assert changed == 0
    assert Complaint.objects.get(pk=complaint.pk).flagged is False
    changed = fastsql.update(
        Complaint,
        complaint.pk,
        {"flagged": True},
        where="version = %s",
        params=[version],
        increment="version",
    )
    stored = Complaint.objects.get(pk=complaint.pk)
    assert changed == 1 and stored.flagged is True and stored.version == version + 1


def test_statements_sent_together_read_back_in_order(agent):
    complaint = new_complaint(agent)
    with transaction.atomic(), fastsql.batch():
        read_events = fastsql.start_select(Event, "complaint_id = %s", [complaint.pk])
        read_complaint = fastsql.start_select(Complaint, "id = %s", [complaint.pk])
        events, [again] = read_events(), read_complaint()
    assert again.reference == complaint.reference
    assert {e.pk for e in events} == set(complaint.events.values_list("pk", flat=True))


def test_an_error_in_a_batch_is_the_orm_error_and_rolls_everything_back(agent):
    complaint = new_complaint(agent)
    now = clock.now()
    copy = Complaint.objects.get(pk=complaint.pk)
    copy.pk = None  # same reference: the unique index refuses it
    message = OutboxMessage(
        mobile="+919876543210",
        key="k",
        language="hi",
        body="x",
        next_attempt_at=now,
        created_at=now,
        reference="batch-test",
    )
    with pytest.raises(IntegrityError), transaction.atomic(), fastsql.batch():
        fastsql.insert([message], read_ids=False)
        fastsql.insert([copy])
    assert not OutboxMessage.objects.filter(reference="batch-test").exists()


def test_rows_numbered_beforehand_keep_their_numbers(agent):
    complaint = new_complaint(agent)
    event = complaint.events.first()
    event.pk, event.note = event.pk + 1_000_000, "numbered beforehand"
    event._state.adding = True
    fastsql.insert([event])
    assert Event.objects.get(pk=event.pk).note == "numbered beforehand"
    mixed = [Event(complaint=complaint, at=clock.now(), action="note"), event]
    with pytest.raises(ValueError):
        fastsql.insert(mixed)
