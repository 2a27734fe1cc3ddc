"""Mass grievances and duplicates: similar open complaints shown at filing, linking instead
of filing again, clusters of the same problem at the same place, one report for a cluster
that reaches every member, and clusters formed safely when similar complaints arrive at once.
"""

import itertools
import threading

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection

from igrs.core.accounts import create_token, grant_role
from igrs.core.errors import Invalid
from igrs.core.roles import Role
from igrs.directory.models import Category, Unit
from igrs.grievances import services, similar
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Complaint, Event, LinkedFiling, Status
from igrs.grievances.similarity import similarity
from igrs.notifications.models import OutboxMessage

from .conftest import LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor, real_jpeg

TRANSFORMER = "गाँव रामपुर का ट्रांसफार्मर जल गया है, तीन दिन से बिजली नहीं है।"
TRANSFORMER_AGAIN = "रामपुर गाँव का ट्रांसफार्मर जल गया है, बिजली नहीं है तीन दिन से।"
OTHER_PROBLEM = "राशन की दुकान वाला कोटेदार पूरा अनाज नहीं देता और पर्ची नहीं देता।"
REPORT = "नया ट्रांसफार्मर लगवा कर बिजली चालू करा दी गई है।"

_mobiles = itertools.count(1)


def mobile() -> str:
    return f"+917{next(_mobiles):09d}"


def filed(actor: Actor, description: str = TRANSFORMER, **overrides) -> Complaint:
    fields = {
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "mobile": mobile(),
        "description": description,
    }
    return new_complaint(actor, **{**fields, **overrides})


def placed() -> None:
    """The worker's clusters job, run until it has nothing left."""
    while services.cluster_new():
        pass


def transformer_complaint(actor: Actor, description: str = TRANSFORMER, **overrides):
    """Filed, then placed in its cluster as the worker does right after filing."""
    complaint = filed(actor, description, **overrides)
    placed()
    return reload(complaint)


def reload(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def tehsildar(db):
    return officer_actor(TEHSILDAR)


# ---------------------------------------------------------------- the measure


def test_python_trigrams_measure_like_pg_trgm():
    assert similarity("word", "word") == 1.0
    assert similarity("word", "two words") == pytest.approx(4 / 11)  # as pg_trgm
    assert similarity("abc", "xyz") == 0.0
    assert similarity(TRANSFORMER, TRANSFORMER_AGAIN) > 0.7
    assert similarity(TRANSFORMER, OTHER_PROBLEM) < 0.2


@pytest.mark.django_db
def test_postgresql_and_python_agree_on_similarity():
    if connection.vendor != "postgresql":
        pytest.skip("compares with pg_trgm, which only PostgreSQL has")
    pairs = [("word", "two words"), ("light pole broken", "the light pole is broken"), ("a", "b")]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert cursor.fetchone()[0] == pytest.approx(similarity(a, b), abs=1e-6)


# ---------------------------------------------------------------- clusters, placed by the worker


def test_filing_leaves_the_cluster_to_the_worker_which_places_each_complaint_once(agent):
    first, second = filed(agent), filed(agent, TRANSFORMER_AGAIN)
    assert [(c.cluster_id, c.cluster_pending) for c in map(reload, (first, second))] == [
        (None, True),
        (None, True),
    ]
    assert services.cluster_new() == 2
    assert services.cluster_new() == 0  # nothing is placed twice
    assert [(c.cluster_id, c.cluster_pending) for c in map(reload, (first, second))] == [
        (first.pk, False),
        (first.pk, False),
    ]


def test_the_same_problem_at_the_same_place_forms_one_cluster(agent):
    first = transformer_complaint(agent)
    assert reload(first).cluster_id is None  # alone, no cluster
    second = transformer_complaint(agent, TRANSFORMER_AGAIN)
    third = transformer_complaint(agent)
    assert second.cluster_id == third.cluster_id == first.pk
    assert reload(first).cluster_id == first.pk  # the first leads
    assert [c.pk for c in similar.cluster_members(second)] == [first.pk, second.pk, third.pk]


def test_another_problem_place_or_category_is_not_the_same_cluster(agent):
    first = transformer_complaint(agent)
    other_text = transformer_complaint(agent, OTHER_PROBLEM)
    other_place = transformer_complaint(
        agent, place_id=Unit.objects.filter(kind="tehsil").exclude(code=LUCKNOW_SADAR)[0].pk
    )
    other_category = transformer_complaint(
        agent, category_id=Category.objects.get(code="EN-SUPPLY").pk
    )
    assert {other_text.cluster_id, other_place.cluster_id, other_category.cluster_id} == {None}
    assert reload(first).cluster_id is None


def test_a_closed_complaint_starts_no_cluster(agent, tehsildar):
    first = transformer_complaint(agent)
    services.submit_atr(tehsildar, first.reference, disposal="resolved", report=REPORT)
    services.verify(agent, first.reference, outcome=services.Outcome.SATISFIED)
    assert reload(first).status == Status.CLOSED
    assert transformer_complaint(agent).cluster_id is None


# ---------------------------------------------------------------- shown at filing


def test_filing_shows_the_same_mobiles_and_the_same_problems_open_complaints(agent):
    mine = transformer_complaint(agent, OTHER_PROBLEM, mobile="+919811111111")
    theirs = transformer_complaint(agent)
    found = similar.similar_open(
        mobile="9811111111",
        category_id=theirs.category_id,
        place_id=theirs.place_id,
        description=TRANSFORMER_AGAIN,
    )
    assert [(s.complaint.pk, s.same_mobile) for s in found] == [
        (mine.pk, True),
        (theirs.pk, False),
    ]
    nothing = similar.similar_open(
        mobile="9822222222",
        category_id=theirs.category_id,
        place_id=theirs.place_id,
        description="सड़क पर गड्ढे हैं, रोज़ दुर्घटना होती है, मरम्मत कराई जाए।",
    )
    assert nothing == []


def test_link_instead_records_the_link_and_files_nothing(agent):
    first = transformer_complaint(agent)
    before = Complaint.objects.count()
    joined = services.link_instead(
        agent, first.reference, complainant_name="सीता देवी", mobile="9833333333", source="helpline"
    )
    assert joined.reference == first.reference and Complaint.objects.count() == before
    link = LinkedFiling.objects.get(complaint=first)
    assert (link.mobile, link.role, link.source) == ("+919833333333", Role.AGENT, "helpline")
    # The same person linking twice is kept once.
    services.link_instead(
        agent, first.reference, complainant_name="सीता देवी", mobile="9833333333", source="helpline"
    )
    assert LinkedFiling.objects.filter(complaint=first).count() == 1


def test_a_citizen_links_only_with_the_mobile_they_proved(agent):
    first = transformer_complaint(agent)
    citizen = Actor(Role.CITIZEN, mobile="+919844444444")
    with pytest.raises(Invalid) as refused:
        services.link_instead(
            citizen, first.reference, complainant_name="X", mobile="9855555555", source="portal"
        )
    assert "mobile" in refused.value.fields
    assert not LinkedFiling.objects.exists()


# ---------------------------------------------------------------- one report for a cluster


def test_one_report_reaches_every_member_each_with_its_own_step_and_sms(agent, tehsildar):
    members = [transformer_complaint(agent) for _ in range(3)]
    lone = transformer_complaint(agent, OTHER_PROBLEM)
    filed = services.submit_cluster_atr(
        tehsildar,
        members[1].reference,
        disposal="resolved",
        report=REPORT,
        attachments=[services.Upload("site.jpg", real_jpeg())],
    )
    assert sorted(c.pk for c in filed) == sorted(m.pk for m in members)
    for member in members:
        member = reload(member)
        assert member.status == Status.AWAITING_VERIFICATION
        atr = Event.objects.get(complaint=member, action=Action.SUBMIT_ATR)
        assert atr.note == REPORT and "flags" not in atr.data  # mates never flag each other
        assert atr.attachments.count() == 1
        assert OutboxMessage.objects.filter(
            reference=member.reference, key="disposed_citizen"
        ).exists()
    files = set(
        Event.objects.filter(action=Action.SUBMIT_ATR).values_list("attachments__file", flat=True)
    )
    assert len(files) == 1  # the photo stored once, shared
    assert reload(lone).status == Status.ASSIGNED


def test_each_member_is_verified_on_its_own(agent, tehsildar):
    members = [transformer_complaint(agent) for _ in range(2)]
    services.submit_cluster_atr(tehsildar, members[0].reference, disposal="resolved", report=REPORT)
    services.verify(
        agent, members[0].reference, outcome=services.Outcome.NOT_SATISFIED, note="बिजली नहीं आई"
    )
    services.verify(agent, members[1].reference, outcome=services.Outcome.SATISFIED)
    first, second = reload(members[0]), reload(members[1])
    assert first.status == Status.ASSIGNED and first.level == 2  # not satisfied: up
    assert second.status == Status.CLOSED


def test_a_refused_report_files_on_no_member(agent, tehsildar):
    members = [transformer_complaint(agent) for _ in range(2)]
    with pytest.raises(Invalid):
        services.submit_cluster_atr(tehsildar, members[0].reference, disposal="x", report=REPORT)
    assert {reload(m).status for m in members} == {Status.ASSIGNED}


# ---------------------------------------------------------------- at the same moment


def test_a_complaint_that_cannot_be_placed_is_left_alone_and_holds_no_queue(agent, monkeypatch):
    """An error placing one complaint (here a database error while comparing it) leaves it
    in no cluster, logged, and the complaints behind it are still placed."""
    first = transformer_complaint(agent)
    broken, behind = filed(agent, OTHER_PROBLEM), filed(agent, TRANSFORMER_AGAIN)
    compare = similar.same_problem

    def failing(category_id, place_id, description, since, compared_only=False):
        if description == OTHER_PROBLEM:
            raise DatabaseError("deadlock detected")
        return compare(category_id, place_id, description, since, compared_only)

    monkeypatch.setattr(similar, "same_problem", failing)
    assert services.cluster_new() == 2
    assert (reload(broken).cluster_id, reload(broken).cluster_pending) == (None, False)
    assert reload(behind).cluster_id == first.pk
    assert services.cluster_new() == 0


def placed_by_workers_at_once(workers: int) -> None:
    """Several workers' clusters jobs at once, a complaint a round, until nothing is left."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            while services.cluster_new(limit=1):
                pass
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and not Complaint.objects.filter(cluster_pending=True).exists()


@pytest.mark.django_db(transaction=True)
def test_similar_complaints_placed_at_once_form_one_cluster(reseeded):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises writers, so nothing can collide)")
    agent = Actor(Role.AGENT)
    first = transformer_complaint(agent)
    for _ in range(6):
        filed(agent)
    placed_by_workers_at_once(3)
    clusters = set(Complaint.objects.values_list("cluster_id", flat=True))
    assert clusters == {first.pk}  # one cluster, led by the first


@pytest.mark.django_db(transaction=True)
def test_first_complaints_placed_at_once_do_not_start_two_clusters(reseeded):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises writers, so nothing can collide)")
    agent = Actor(Role.AGENT)
    for _ in range(4):
        filed(agent)
    placed_by_workers_at_once(3)
    leads = set(Complaint.objects.values_list("cluster_id", flat=True))
    assert len(leads) == 1 and leads <= set(Complaint.objects.values_list("pk", flat=True))


# ---------------------------------------------------------------- the faces


def test_the_api_answers_similar_complaints_and_links_instead(client, agent):
    from .test_api import Api, registration, user_with_role

    api = Api(client, create_token(user_with_role("agent-api", "agent"), "agent"))
    first = transformer_complaint(agent)
    body = {
        "mobile": "9861111111",
        "category_id": first.category_id,
        "place_id": first.place_id,
        "description": TRANSFORMER_AGAIN,
    }
    found = api.post("/complaints/similar", body)
    assert found.status_code == 200
    [row] = found.json()
    assert (row["reference"], row["same_mobile"]) == (first.reference, False)
    assert row["similarity"] >= 0.45 and row["description"] == TRANSFORMER
    before = Complaint.objects.count()
    linked = api.post(
        "/complaints",
        registration(mobile="9861111111", description=TRANSFORMER_AGAIN, link_to=first.reference),
    )
    assert linked.status_code == 200 and linked.json()["linked"] is True
    assert linked.json()["reference"] == first.reference
    assert Complaint.objects.count() == before
    assert LinkedFiling.objects.get(complaint=first).mobile == "+919861111111"
    answer = api.post("/complaints", registration(mobile="9862222222", description=TRANSFORMER))
    assert answer.status_code == 201 and answer.json()["cluster_of"] is None  # not yet placed
    placed()
    reference = answer.json()["reference"]
    assert api.get(f"/complaints/{reference}").json()["cluster_of"] == first.reference


def test_the_console_offers_the_open_complaint_then_joins_it(client, agent):
    from .test_callcentre_console import registration, staff_user

    client.force_login(staff_user("asha-c", "agent"))
    first = transformer_complaint(agent)
    typed = registration(mobile="9863333333", description=TRANSFORMER_AGAIN)
    offered = client.post("/callcentre/", typed)
    shown = offered.content.decode()
    assert offered.status_code == 200 and f'name="link_to" value="{first.reference}"' in shown
    assert TRANSFORMER in shown  # agents read the other complaint to the caller
    assert Complaint.objects.count() == 1
    joined = client.post("/callcentre/", typed | {"link_to": first.reference})
    assert joined["Location"] == f"/callcentre/?filed={first.reference}&linked=1"
    assert LinkedFiling.objects.filter(complaint=first, mobile="+919863333333").exists()
    anyway = client.post("/callcentre/", typed | {"file_anyway": "1"})
    assert anyway.status_code == 302 and Complaint.objects.count() == 2


def test_the_portal_offers_the_open_complaint_without_its_text_and_joins_it(client, agent):
    from .test_portal import form_data, sign_in

    first = transformer_complaint(agent)
    sign_in(client, "9864444444")
    typed = form_data(description=TRANSFORMER_AGAIN)
    shown = client.post("/file/", typed).content.decode()
    assert f'name="link_to" value="{first.reference}"' in shown
    assert TRANSFORMER not in shown  # another citizen's words stay theirs
    joined = client.post("/file/", typed | {"link_to": first.reference}).content.decode()
    assert first.reference in joined and Complaint.objects.count() == 1
    assert LinkedFiling.objects.get(complaint=first).role == Role.CITIZEN


def test_the_officer_sees_one_row_and_files_one_report_for_the_cluster(client, agent):
    from .test_officers import signed_in

    members = [transformer_complaint(agent) for _ in range(3)]
    signed_in(client, TEHSILDAR)
    inbox = client.get("/officer/").content.decode()
    assert sum(m.reference in inbox for m in members) == 1
    shown = client.get(f"/officer/complaints/{members[0].reference}/").content.decode()
    assert all(m.reference in shown for m in members) and 'name="whole_cluster"' in shown
    response = client.post(
        f"/officer/complaints/{members[0].reference}/atr/",
        {"disposal": "resolved", "report": REPORT, "whole_cluster": "on", "version": 2},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert {reload(m).status for m in members} == {Status.AWAITING_VERIFICATION}


def test_the_dashboard_lists_clusters(client, agent):
    members = [transformer_complaint(agent) for _ in range(3)]
    transformer_complaint(agent, OTHER_PROBLEM)
    user = User.objects.create_user("monitor-c")
    grant_role(user, "desk")
    client.force_login(user)
    shown = client.get("/monitoring/clusters/").content.decode()
    assert members[0].reference in shown and members[1].reference not in shown
    assert ">3<" in shown
