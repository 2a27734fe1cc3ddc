"""The hand-written INSERT stores what the ORM would: times, JSON, foreign keys, ids."""

from igrs.core import clock, fastsql
from igrs.notifications.models import OutboxMessage

from .conftest import new_complaint


def test_rows_read_back_exactly_as_written(agent):
    complaint = new_complaint(agent)
    event = complaint.events.get(action="register")
    now = clock.now()
    messages = [OutboxMessage(mobile="+919876543210", key="k", language="hi", body=f"संदेश {i}",
                              next_attempt_at=now, created_at=now, reference="r")
                for i in range(3)]
    fastsql.insert(messages)
    assert [m.pk for m in messages] == sorted(m.pk for m in messages)
    stored = list(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk"))
    assert [m.body for m in stored] == ["संदेश 0", "संदेश 1", "संदेश 2"]
    assert stored[0].created_at == now and stored[0].status == "queued"
    assert event.complaint_id == complaint.pk and event.data == {}
    assert complaint.created_at == complaint.__class__.objects.get(pk=complaint.pk).created_at


def test_nothing_to_insert_is_fine(db):
    fastsql.insert([])
