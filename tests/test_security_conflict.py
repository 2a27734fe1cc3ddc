"""Issue 18 §1: conflict of interest at every read and every act, and a posting that makes a
post's holder conflicted moves the complaint on at once (docs/security.md)."""

import re

import pytest
from django.contrib.auth.models import User

from igrs.core import cache, links
from igrs.core.accounts import create_token
from igrs.core.errors import NotFound, NotPermitted
from igrs.core.roles import Role
from igrs.directory.models import Officer, Posting
from igrs.grievances import access, selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Complaint, Status
from igrs.notifications.models import OutboxMessage

from .conftest import DM, TEHSILDAR, later, new_complaint, post, today

OTHER_TEHSIL = "REV-L1-UP-LUCKNOW-T-PURVA"


def holder(code: str) -> Officer:
    return Officer.objects.filter(postings__post__code=code).first()


def with_login(officer: Officer) -> Officer:
    officer.user = User.objects.create_user(f"officer-{officer.pk}")
    officer.save()
    return officer


def as_officer(officer: Officer) -> Actor:
    return Actor(Role.OFFICER, user_id=officer.user_id, officer_id=officer.pk)


@pytest.fixture
def accused(db) -> Officer:
    """The Tehsildar of another tehsil of the district, whom the complaint is against."""
    return with_login(holder(OTHER_TEHSIL))


@pytest.fixture
def against_accused(agent, accused) -> Complaint:
    """At the Sadar Tehsildar's post (nothing there is against him, yet)."""
    complaint = new_complaint(agent, against_officer_id=accused.pk, mobile="9811100001")
    assert complaint.current_post_id == post(TEHSILDAR).pk
    return complaint


def charge_without_the_move(officer: Officer, code: str) -> None:
    """An additional charge written around the model's signals (as a bulk import would):
    the read and act rules must hold even where the move did not happen."""
    Posting.objects.bulk_create(
        [Posting(officer=officer, post=post(code), start=today(), additional_charge=True)]
    )
    cache.clear()  # as another process's memo would be, once it reads the new posting


def test_the_accused_holding_the_post_by_additional_charge_neither_reads_nor_acts(
    client, against_accused, accused
):
    charge_without_the_move(accused, TEHSILDAR)
    him = as_officer(accused)
    ref = against_accused.reference
    with pytest.raises(NotFound):
        selectors.get_complaint(ref, him)
    with pytest.raises(NotPermitted):
        services.submit_atr(him, ref, disposal="resolved", report="जाँच में शिकायत झूठी पाई गई।")
    with pytest.raises(NotPermitted):
        services.add_note(him, ref, note="मैं इसे देख रहा हूँ।")
    assert against_accused.pk not in {c.pk for c in selectors.post_inbox(accused.pk)}
    client.force_login(accused.user)
    assert ref not in client.get("/officer/").content.decode()
    assert ref not in client.get("/officer/", {"q": against_accused.mobile[-4:]}).content.decode()
    assert client.get(f"/officer/complaints/{ref}/").status_code == 404
    atr = {"disposal": "resolved", "report": "जाँच में शिकायत झूठी पाई गई।", "version": 1}
    assert client.post(f"/officer/complaints/{ref}/atr/", atr).status_code in (403, 404, 422)
    token = create_token(accused.user, Role.OFFICER)
    api = client.get(f"/api/v1/complaints/{ref}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 404 and against_accused.complainant_name not in api.content.decode()
    assert (
        client.post(
            f"/api/v1/complaints/{ref}/atr",
            {"disposal": "resolved", "report": "जाँच में शिकायत झूठी पाई गई।"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ).status_code
        == 404
    )
    assert Complaint.objects.get(pk=against_accused.pk).version == against_accused.version


def test_the_post_he_holds_is_conflicted_for_its_regular_holder_too(against_accused, accused):
    """As at routing: a post the accused holds is a post the complaint is against."""
    charge_without_the_move(accused, TEHSILDAR)
    regular = holder(TEHSILDAR)
    assert access.officer_conflicted(regular.pk, against_accused)
    assert not access.officer_conflicted(holder(DM).pk, against_accused)
    assert selectors.get_complaint(against_accused.reference, as_officer(holder(DM)))


def test_an_sms_link_sent_before_the_charge_no_longer_opens(client, against_accused, accused):
    charge_without_the_move(accused, TEHSILDAR)
    link = re.search(r"(/o/[0-9a-z-]+)", links.officer_link(against_accused.pk, accused.pk))
    assert client.post(link.group(1)).status_code == 302
    assert client.get(f"/officer/complaints/{against_accused.reference}/").status_code == 404


def test_the_dashboard_hides_it_from_an_accused_district_head(client, agent):
    dm = with_login(holder(DM))
    complaint = new_complaint(agent, against_officer_id=dm.pk)
    client.force_login(dm.user)
    assert client.get(f"/monitoring/complaints/{complaint.reference}/").status_code == 404


def test_a_charge_that_makes_the_holder_conflicted_moves_the_complaint_up_at_once(
    against_accused, accused, agent
):
    bystander = new_complaint(agent, mobile="9811100002")
    dm = holder(DM)
    later(1)
    Posting.objects.create(
        officer=accused, post=post(TEHSILDAR), start=today(), additional_charge=True
    )
    moved = Complaint.objects.get(pk=against_accused.pk)
    assert moved.current_post_id == post(DM).pk and moved.accountable_post_id == post(DM).pk
    assert moved.due_at > against_accused.due_at  # the new holder gets its own time
    step = moved.events.order_by("-pk").first()
    assert (step.action, step.from_post_id, step.to_post_id) == (
        Action.CONFLICT_MOVE,
        post(TEHSILDAR).pk,
        post(DM).pk,
    )
    sms = OutboxMessage.objects.filter(reference=moved.reference, key="assigned_officer")
    assert dm.mobile in {m.mobile for m in sms}
    assert moved.escalation_count == against_accused.escalation_count  # not an escalation
    assert Complaint.objects.get(pk=bystander.pk).current_post_id == post(TEHSILDAR).pk


def test_a_transfer_to_the_post_moves_it_and_a_posting_elsewhere_moves_nothing(
    against_accused, accused
):
    Posting.objects.create(officer=accused, post=post("REV-L1-UP-AGRA-T-SADAR"), start=today())
    assert Complaint.objects.get(pk=against_accused.pk).version == against_accused.version
    Posting.objects.filter(officer=accused).update(end=today())
    Posting.objects.create(officer=accused, post=post(TEHSILDAR), start=today())
    assert Complaint.objects.get(pk=against_accused.pk).current_post_id == post(DM).pk


def test_with_nobody_clear_above_the_district_desk_gets_it(against_accused, accused):
    """The accused takes charge of the department's state post: every post of the line is
    his now, so the desk must send it elsewhere."""
    Posting.objects.create(
        officer=accused, post=post("REV-L3"), start=today(), additional_charge=True
    )
    moved = Complaint.objects.get(pk=against_accused.pk)
    assert moved.status == Status.RETURNED
    assert moved.current_post.department.desk
    assert moved.events.order_by("-pk").first().action == Action.CONFLICT_MOVE
