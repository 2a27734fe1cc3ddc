"""Signals of a fake disposal: every photo's perceptual hash; a report photo that another
complaint's report used, or the complainant's own photo sent back (or nearly the same
picture); report text pasted by one post on many complaints. Shown to the approving officer
and the verification agent, counted on the dashboard and in the ranking (formula v2).
"""

import io
import itertools
import random

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image

from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.grievances import evidence, flags, services
from igrs.grievances.models import Action, Attachment, Event
from igrs.monitoring import selectors as dashboard
from igrs.monitoring.services import roll_up

from .conftest import DM, TEHSILDAR, new_complaint, officer_actor, post
from .test_officers import signed_in

_mobiles = itertools.count(1)


def photo(seed: int, size: tuple[int, int] = (160, 120), quality: int = 90) -> bytes:
    """A genuine JPEG of a picture made from the seed: blocks of grey at random places."""
    rng = random.Random(seed)
    image = Image.new("RGB", (160, 120), (128, 128, 128))
    for _ in range(12):
        x, y = rng.randrange(140), rng.randrange(100)
        shade = rng.randrange(256)
        image.paste((shade, shade, shade), (x, y, x + rng.randrange(10, 60), y + 40))
    out = io.BytesIO()
    image.resize(size).save(out, "JPEG", quality=quality)
    return out.getvalue()


def complaint(agent, **overrides):
    return new_complaint(agent, mobile=f"+916{next(_mobiles):09d}", **overrides)


def atr(officer, ref: str, text: str, *photos: bytes):
    return services.submit_atr(
        officer,
        ref,
        disposal="resolved",
        report=text,
        attachments=[services.Upload(f"{i}.jpg", p) for i, p in enumerate(photos)],
    )


def report_of(complaint) -> Event:
    return Event.objects.filter(
        complaint=complaint, action__in=[Action.SUBMIT_ATR, Action.SUBORDINATE_REPORT]
    ).latest("at", "pk")


@pytest.fixture(autouse=True)
def no_clusters(settings):
    """Every complaint here is its own problem (a cluster's members share a report on
    purpose, so they never flag each other: test_clusters.py)."""
    settings.IGRS_CLUSTER_SIMILARITY = 1.01


@pytest.fixture
def tehsildar(db):
    return officer_actor(TEHSILDAR)


# ---------------------------------------------------------------- the hash


def test_the_photo_hash_survives_resizing_and_recompression_but_not_another_picture():
    original = evidence.photo_hash(photo(1))
    assert len(original) == 16
    smaller = evidence.photo_hash(photo(1, size=(120, 90), quality=40))
    other = evidence.photo_hash(photo(2))
    assert evidence.hash_distance(original, smaller) <= 6
    assert evidence.hash_distance(original, other) > 12
    assert evidence.photo_hash(b"not a photo") == ""


def test_every_stored_photo_keeps_its_hash(agent, tehsildar):
    first = complaint(agent, uploads=[services.Upload("mine.jpg", photo(3))])
    stored = Attachment.objects.get(event__complaint=first)
    assert stored.photo_hash == evidence.photo_hash(photo(3))


# ---------------------------------------------------------------- photos


def test_a_clean_report_has_no_flags(agent, tehsildar):
    first = complaint(agent)
    atr(tehsildar, first.reference, "कब्ज़ा हटवा दिया गया, नापजोख हुई।", photo(10))
    assert "flags" not in report_of(first).data


def test_a_photo_from_another_complaints_report_is_flagged(agent, tehsildar):
    first, second, third = complaint(agent), complaint(agent), complaint(agent)
    atr(tehsildar, first.reference, "पहली शिकायत पर मौके पर जाकर कब्ज़ा हटवाया।", photo(20))
    atr(tehsildar, second.reference, "दूसरी शिकायत में लेखपाल से पैमाइश कराई गई।", photo(20))
    data = report_of(second).data
    assert data["flags"] == [flags.REUSED_PHOTO]
    assert data["flag_refs"][flags.REUSED_PHOTO] == [first.reference]
    # A near copy (smaller, more compressed) is the same photo too.
    atr(
        tehsildar,
        third.reference,
        "तीसरी शिकायत में दोनों पक्षों को बुलाकर सुलह।",
        photo(20, (120, 90), 40),
    )
    assert report_of(third).data["flags"] == [flags.REUSED_PHOTO]


def test_the_complainants_own_photo_sent_back_is_flagged(agent, tehsildar):
    mine = photo(30)
    first = complaint(agent, uploads=[services.Upload("kabza.jpg", mine)])
    atr(tehsildar, first.reference, "मौके पर जाकर कब्ज़ा हटवा दिया गया है।", mine)
    assert report_of(first).data["flags"] == [flags.CITIZEN_PHOTO]


def test_a_one_colour_picture_matches_nothing(agent, tehsildar):
    blank = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 0)).save(blank, "JPEG")
    first, second = complaint(agent), complaint(agent)
    atr(tehsildar, first.reference, "पहली शिकायत पर मौके पर जाकर कब्ज़ा हटवाया।", blank.getvalue())
    atr(tehsildar, second.reference, "दूसरी शिकायत में लेखपाल से पैमाइश कराई।", blank.getvalue())
    assert "flags" not in report_of(second).data


# ---------------------------------------------------------------- text


def test_text_pasted_on_many_complaints_by_one_post_is_flagged(agent, tehsildar, desk, settings):
    settings.IGRS_COPIED_REPORT_REPEATS = 3
    pasted = "शिकायत का निस्तारण कर दिया गया है, शिकायतकर्ता संतुष्ट है।"
    complaints = [complaint(agent) for _ in range(5)]
    for each in complaints[:3]:
        atr(tehsildar, each.reference, pasted)
    assert "flags" not in report_of(complaints[2]).data  # only two before it
    atr(tehsildar, complaints[3].reference, pasted.replace("है।", "है"))  # near-same
    data = report_of(complaints[3]).data
    assert data["flags"] == [flags.COPIED_TEXT]
    assert data["flag_refs"][flags.COPIED_TEXT] == sorted(c.reference for c in complaints[:3])
    # Another post's same words are its own.
    settings.IGRS_COPIED_REPORT_REPEATS = 1
    dm_complaint = services.forward(desk, complaints[4].reference, to_post_id=post(DM).pk)
    atr(officer_actor(DM), dm_complaint.reference, pasted)
    assert "flags" not in report_of(dm_complaint).data


def test_a_subordinates_flagged_report_keeps_its_flags_when_approved(agent, tehsildar, desk):
    earlier, later_one = complaint(agent), complaint(agent)
    atr(tehsildar, earlier.reference, "पहली शिकायत पर मौके पर जाकर कब्ज़ा हटवाया।", photo(40))
    dm = officer_actor(DM)
    services.forward(desk, later_one.reference, to_post_id=post(DM).pk)
    services.forward_down(dm, later_one.reference, to_post_id=post(TEHSILDAR).pk)
    atr(tehsildar, later_one.reference, "लेखपाल से नापजोख कराकर कब्ज़ा हटवाया।", photo(40))
    pending = report_of(later_one)
    assert pending.action == Action.SUBORDINATE_REPORT
    assert pending.data["flags"] == [flags.REUSED_PHOTO]
    services.approve_subordinate_report(dm, later_one.reference)
    approved = report_of(later_one)
    assert approved.action == Action.SUBMIT_ATR and approved.data["flags"] == [flags.REUSED_PHOTO]


# ---------------------------------------------------------------- where they are shown


def flagged_pair(agent, tehsildar):
    """Two complaints whose reports carry the same photo: the second is flagged."""
    first, second = complaint(agent), complaint(agent)
    atr(tehsildar, first.reference, "पहली शिकायत पर मौके पर जाकर कब्ज़ा हटवाया।", photo(50))
    atr(tehsildar, second.reference, "दूसरी शिकायत में लेखपाल से पैमाइश कराई गई।", photo(50))
    return first, second


def test_the_verification_agent_sees_the_flags(client, agent, tehsildar):
    first, second = flagged_pair(agent, tehsildar)
    services.verify(agent, first.reference, outcome=services.Outcome.SATISFIED)
    user = User.objects.create_user("asha-f")
    grant_role(user, "agent")
    client.force_login(user)
    client.post("/callcentre/outbound/next/")
    shown = client.get("/callcentre/outbound/").content.decode()
    assert second.mobile in shown  # the flagged report's call
    assert 'class="panel flags"' in shown and first.reference in shown


def test_the_approving_officer_sees_the_flags_of_the_subordinates_report(client, agent, desk):
    tehsildar = officer_actor(TEHSILDAR)
    earlier, pending = complaint(agent), complaint(agent)
    atr(tehsildar, earlier.reference, "पहली शिकायत पर मौके पर जाकर कब्ज़ा हटवाया।", photo(60))
    dm = officer_actor(DM)
    services.forward(desk, pending.reference, to_post_id=post(DM).pk)
    services.forward_down(dm, pending.reference, to_post_id=post(TEHSILDAR).pk)
    atr(tehsildar, pending.reference, "लेखपाल से नापजोख कराकर कब्ज़ा हटवाया।", photo(60))
    signed_in(client, DM)
    shown = client.get(f"/officer/complaints/{pending.reference}/").content.decode()
    assert 'class="panel flags"' in shown and earlier.reference in shown
    clean = client.get(f"/officer/complaints/{earlier.reference}/").content.decode()
    assert 'class="panel flags"' not in clean


def test_the_dashboard_counts_flags_by_district_and_officer_and_the_ranking_loses_marks(
    client, agent, tehsildar
):
    first, second = flagged_pair(agent, tehsildar)
    roll_up()
    month = timezone.localdate(clock.now()).replace(day=1)
    [lucknow] = [r for r in dashboard.quality(month) if r.district.code == "UP-LUCKNOW"]
    assert lucknow.flag_rate == 50.0
    [row] = dashboard.flags_by_officer(month)
    assert (row.reports, row.flagged, row.rate) == (2, 1, 50.0)
    ranked = {r.key: r for r in dashboard.ranking("district", month)}
    assert dashboard.formula().version == 2
    assert ranked[lucknow.district.pk].marks["unflagged"] == 5.0  # half of 10
    lost = dashboard.lost_marks("district", lucknow.district.pk, "unflagged", month)
    assert [e.complaint_id for e in lost] == [second.pk]
    user = User.objects.create_user("monitor-f")
    grant_role(user, "desk")
    client.force_login(user)
    shown = client.get("/monitoring/quality/").content.decode()
    assert row.officer.name in shown and "50.0" in shown
