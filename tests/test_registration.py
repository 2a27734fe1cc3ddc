"""Registration: validation, normalisation, routing rules, conflict of interest, cap, duplicates."""

import unicodedata

import pytest

from igrs.core.errors import Invalid, LimitReached
from igrs.core.text import normalise_mobile
from igrs.directory.models import Category, Officer, RoutingRule, Unit
from igrs.grievances import reference, services
from igrs.grievances.models import Complaint, Event, Status

from .conftest import DM, PS_REVENUE, TEHSILDAR, new_complaint, post


@pytest.mark.parametrize(
    "raw", ["9876543210", "09876543210", "+91 98765 43210", "91-9876-543210", "९८७६५४३२१०"]
)
def test_mobile_numbers_are_stored_in_e164(raw):
    assert normalise_mobile(raw) == "+919876543210"


@pytest.mark.parametrize("raw", ["", "12345", "5876543210", "+1 202 555 0101", "98765432101"])
def test_non_indian_mobiles_are_refused(raw):
    assert normalise_mobile(raw) is None


def test_bad_input_gets_an_error_per_field_and_nothing_is_saved(agent):
    before = Complaint.objects.count()
    with pytest.raises(Invalid) as caught:
        new_complaint(
            agent,
            complainant_name="  ",
            mobile="12345",
            description="short",
            category_id=999999,
            place_id=999999,
            email="not-an-email",
            source="pigeon",
        )
    assert set(caught.value.fields) == {
        "complainant_name",
        "mobile",
        "description",
        "category_id",
        "place_id",
        "email",
        "source",
    }
    assert Complaint.objects.count() == before


def test_a_state_or_division_is_not_a_place(agent):
    with pytest.raises(Invalid) as caught:
        new_complaint(agent, place_id=Unit.objects.get(code="UP").pk)
    assert "place_id" in caught.value.fields


def test_text_is_nfc_normalised(agent):
    decomposed = unicodedata.normalize("NFD", "क़ब्ज़ा हटाया जाए, ज़मीन हमारी है।")
    complaint = new_complaint(agent, description=decomposed, complainant_name="  राम   प्रसाद ")
    complaint.refresh_from_db()
    assert complaint.description == unicodedata.normalize("NFC", decomposed)
    assert complaint.complainant_name == "राम प्रसाद"


def test_routing_rule_overrides_the_default(agent):
    complaint = new_complaint(agent)
    assert complaint.current_post.code == TEHSILDAR
    RoutingRule.objects.create(
        category=complaint.category, unit=complaint.place.parent, post=post(DM)
    )
    assert new_complaint(agent, mobile="9811111111").current_post.code == DM


def test_complaint_against_a_post_goes_to_its_superior(agent):
    complaint = new_complaint(agent, against_post_id=post(TEHSILDAR).pk)
    assert complaint.current_post.code == DM


def test_complaint_against_an_officer_skips_every_post_they_hold(agent):
    dm_officer = Officer.objects.get(postings__post__code=DM)
    # The DM also holds the tehsildar's post as additional charge.
    dm_officer.postings.create(post=post(TEHSILDAR), start="2026-01-01", additional_charge=True)
    complaint = new_complaint(agent, against_officer_id=dm_officer.pk)
    assert complaint.current_post.code == PS_REVENUE


def test_complaint_against_the_top_post_waits_for_the_desk(agent, desk):
    complaint = new_complaint(agent, against_post_id=post(PS_REVENUE).pk)
    assert complaint.status == Status.REGISTERED
    assert complaint.current_post.code == "DESK-UP-LUCKNOW"
    assert complaint.events.get().data["desk_reason"] == "no_post"


def test_desk_cannot_forward_to_the_post_complained_against(agent, desk):
    complaint = new_complaint(agent, against_post_id=post(DM).pk)
    for code in (DM, TEHSILDAR):  # the post and its subordinates
        with pytest.raises(Invalid):
            services.forward(desk, complaint.reference, to_post_id=post(code).pk)


def test_monthly_cap_refuses_with_a_clear_message(agent, settings):
    settings.IGRS_MONTHLY_CAP_PER_MOBILE = 3
    for i in range(3):
        new_complaint(agent, description=f"शिकायत संख्या {i}: सड़क टूटी है और कोई सुनवाई नहीं।")
    with pytest.raises(LimitReached) as caught:
        new_complaint(agent)
    assert "3" in caught.value.message
    assert Complaint.objects.filter(mobile="+919876543210").count() == 3


def test_probable_duplicate_is_linked_not_lost(agent):
    first = new_complaint(agent)
    second = new_complaint(agent)
    assert second.duplicate_of == first and second.status == Status.ASSIGNED
    register_event = Event.objects.get(complaint=second, action="register")
    assert register_event.data["probable_duplicate_of"] == first.reference
    other_category = new_complaint(agent, category_id=_category("REV-MUTATION"))
    assert other_category.duplicate_of is None


def test_references_are_unique_and_valid(agent):
    refs = {new_complaint(agent, mobile=f"98000000{i:02d}").reference for i in range(20)}
    assert len(refs) == 20 and all(reference.is_valid(r) for r in refs)


def _category(code: str) -> int:
    return Category.objects.get(code=code).pk
