"""Real calls to the IVR on loopback: SIP and RTP over UDP, keys as RFC 4733 events or SIP
INFO, the audio recorded by the phone. What was said is checked byte for byte against the
synthesised prompt (G.711 passes through unchanged), the path by the IVR's own call log, and a
"not satisfied" in the database (timeline, SMS outbox)."""

import asyncio

import pytest
from django.contrib.auth.models import Group, User

from igrs.callcentre import services as callcentre
from igrs.grievances import services
from igrs.grievances.models import Action, Complaint, Event, Status
from igrs.ivr import g711, prompts, selectors
from igrs.ivr.models import Handover, IvrCall
from igrs.notifications.models import OutboxMessage

from . import ivr_rig
from .conftest import TEHSILDAR, new_complaint, officer_actor
from .ivr_rig import AGENT_URI
from .sms_rig import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
ivr, prompt_cache = ivr_rig.ivr, ivr_rig.prompt_cache  # the fixtures
MOBILE = "+919876543210"
OTHER_MOBILE = "+919811122233"


def call_log(phone) -> IvrCall:
    """The IVR's log of the call, once it has written the end (just after the last BYE)."""
    return wait_until(
        lambda: IvrCall.objects.filter(call_id=phone.call_id, ended_at__isnull=False).first(),
        what="the IVR's log of the call",
    )


def heard(phone, audio: bytes, since: int = 0) -> bool:
    return audio in b"".join(phone.received.payloads[since:])


async def wait_for_menu(phone) -> None:
    assert await phone.dial() == 200
    assert await phone.until_quiet(timeout=60), "the greeting and menu were not heard"


async def barge_in(phone) -> None:
    """Dial and, as soon as the IVR speaks, interrupt it (keys stop a prompt)."""
    assert await phone.dial() == 200
    assert await phone.until_speaking()


async def key_reference(phone, ref: str, choice: str = "1") -> int:
    """Choose 1 (status), key the reference over the question, and hear the answer out:
    returns the mark where the answer starts."""
    await phone.press(choice)
    assert await phone.until_speaking()
    await phone.press(ref)
    since = phone.mark()  # the question stopped at the first digit: what follows is the answer
    await phone.press("#")
    assert await phone.until_quiet(since, timeout=90), "no answer was heard"
    return since


def test_the_complainant_hears_the_whole_status_in_hindi_keyed_by_rfc4733(ivr, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    phone = ivr.phone(MOBILE)

    async def script():
        await wait_for_menu(phone)
        since = await key_reference(phone, complaint.reference)
        await phone.hang_up()
        return since

    since = ivr_rig.on_the_phone(script)
    found = selectors.spoken_status(complaint.reference, MOBILE, "hi")
    assert isinstance(found, selectors.Details) and found.post and found.due
    spoken = prompts.status("hi", found)
    assert found.post in spoken and found.officers[0] in spoken  # who holds it, by name
    assert heard(phone, ivr.speech(prompts.greeting("hi")))
    assert heard(phone, ivr.speech(prompts.menu("hi")))
    assert heard(phone, ivr.speech(spoken), since)
    assert phone.speech_seconds(since) > 5  # not silence
    log = call_log(phone)
    assert log.path == ["menu:1", "reference", "status:full", "hung-up"]
    assert log.outcome == "status" and log.reference == complaint.reference
    assert log.keys == f"1{complaint.reference}#" and log.mobile == MOBILE
    assert log.duration_ms > 1000


def test_another_number_hears_only_the_stage_keyed_by_sip_info(ivr, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    phone = ivr.phone(OTHER_MOBILE, dtmf="info")

    async def script():
        await barge_in(phone)
        since = await key_reference(phone, complaint.reference)
        await phone.hang_up()
        return since

    since = ivr_rig.on_the_phone(script)
    stage = selectors.spoken_status(complaint.reference, OTHER_MOBILE, "hi")
    assert not isinstance(stage, selectors.Details)
    spoken = prompts.status("hi", stage)
    assert complaint.complainant_name not in spoken
    assert heard(phone, ivr.speech(spoken), since)
    assert call_log(phone).path == ["menu:1", "reference", "status:stage", "hung-up"]


def test_a_wrong_check_digit_is_caught_and_asked_again_in_english(ivr, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    wrong = complaint.reference[:-1] + str((int(complaint.reference[-1]) + 1) % 10)
    phone = ivr.phone(MOBILE)

    async def script():
        await barge_in(phone)
        await phone.press("9")  # English
        assert await phone.until_speaking()
        since = await key_reference(phone, wrong)  # heard out: "… is not a complaint number"
        await phone.press(f"{complaint.reference}#")  # over the question asked again
        await phone.until_quiet(phone.mark(), timeout=90)
        await phone.hang_up()
        return since

    since = ivr_rig.on_the_phone(script)
    assert heard(phone, ivr.speech(prompts.wrong_digits("en", wrong), "en"), since)
    log = call_log(phone)
    assert log.path == ["menu:9", "menu:1", "failed", "reference", "status:full", "hung-up"]
    assert log.language == "en"


def disposed(agent) -> Complaint:
    complaint = new_complaint(agent, mobile=MOBILE)
    return services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="लेखपाल ने कब्ज़ा हटवा दिया है।",
    )


def test_not_satisfied_by_key_press_goes_up_like_the_portal(ivr, agent):
    complaint = disposed(agent)
    sms_before = OutboxMessage.objects.count()
    phone = ivr.phone(MOBILE)

    async def script():
        await barge_in(phone)
        await key_reference(phone, complaint.reference)  # hears the report out
        await phone.press("2")
        assert await phone.until_quiet(timeout=30)  # the confirmation question, heard out
        since = phone.mark()
        await phone.press("1")
        await phone.until_quiet(since, timeout=30)
        await phone.hang_up()
        return since

    since = ivr_rig.on_the_phone(script)
    assert heard(phone, ivr.speech(prompts.done("hi", selectors.Step.NOT_SATISFIED)), since)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.level == 2
    step = Event.objects.filter(complaint=complaint).latest("at", "pk")
    assert step.action == Action.VERIFY_NOT_SATISFIED and step.role == "citizen"
    assert "IVR" in step.note
    assert OutboxMessage.objects.count() > sms_before  # SMS to the next post and the citizen
    log = call_log(phone)
    assert log.outcome == "feedback" and "feedback:not_satisfied" in log.path


def test_hanging_up_at_the_confirmation_changes_nothing(ivr, agent):
    complaint = disposed(agent)
    before = (
        complaint.status,
        complaint.version,
        Event.objects.filter(complaint=complaint).count(),
        OutboxMessage.objects.count(),
    )
    phone = ivr.phone(MOBILE)

    async def script():
        await barge_in(phone)
        await key_reference(phone, complaint.reference, choice="2")  # "to confirm, press 1"
        await phone.hang_up()  # … and the caller goes

    ivr_rig.on_the_phone(script)
    complaint.refresh_from_db()
    assert (
        complaint.status,
        complaint.version,
        Event.objects.filter(complaint=complaint).count(),
        OutboxMessage.objects.count(),
    ) == before
    log = call_log(phone)
    assert log.path == ["menu:2", "reference", "hung-up"] and log.outcome == "abandoned"


def test_silence_three_times_hands_the_caller_to_an_agent_by_refer(ivr, agent):
    phone = ivr.phone(OTHER_MOBILE)

    async def script():
        assert await phone.dial() == 200
        await asyncio.wait_for(phone.ended.wait(), 120)  # the IVR hangs up after the REFER

    ivr_rig.on_the_phone(script)
    assert phone.refer_to == AGENT_URI and phone.refer_status == 200
    log = call_log(phone)
    assert log.path == ["failed", "failed", "failed", "agent:failures"]
    assert log.outcome == "agent" and log.keys == ""
    handover = Handover.objects.get(call=log)
    assert (handover.reason, handover.mobile, handover.reference) == ("failures", OTHER_MOBILE, "")


def test_zero_transfers_with_the_keyed_reference_shown_on_the_agents_console(ivr, agent, client):
    complaint = new_complaint(agent, mobile=MOBILE)
    phone = ivr.phone(MOBILE)

    async def script():
        await barge_in(phone)
        await phone.press("1")
        assert await phone.until_speaking()
        await phone.press(f"{complaint.reference}#")
        assert await phone.until_speaking()
        await phone.press("0")  # over the status: straight to an agent
        await asyncio.wait_for(phone.ended.wait(), 60)

    ivr_rig.on_the_phone(script)
    assert phone.refer_to == AGENT_URI
    assert call_log(phone).path[-1] == "agent:asked"
    # The ACD offers the transferred call to an agent: the console shows what was keyed.
    asha = User.objects.create_user("asha", password="pw")
    asha.groups.add(Group.objects.get_or_create(name="agent")[0])
    callcentre.record_call_event(call_id="acd-77", event="offered", agent="asha", ani="09876543210")
    client.force_login(asha)
    page = client.get("/callcentre/live/").content.decode()
    assert complaint.reference in page and "IVR" in page


def test_calls_at_the_same_time_each_get_their_own_audio_and_log(ivr):
    phones = [
        ivr.phone(f"+9198765000{i:02d}", codec=codec) for i, codec in enumerate([0, 8, 0, 8, 0, 8])
    ]

    async def script():
        await asyncio.gather(*(wait_for_menu(phone) for phone in phones))
        await asyncio.gather(*(phone.hang_up() for phone in phones))

    ivr_rig.on_the_phone(script)
    greeting = ivr.speech(prompts.greeting("hi"))
    for phone in phones:
        expected = greeting if phone.codec == 0 else greeting.translate(g711.ULAW_TO_ALAW)
        assert heard(phone, expected)
    logs = IvrCall.objects.filter(call_id__in=[p.call_id for p in phones])
    assert sorted(log.outcome for log in logs) == ["abandoned"] * len(phones)


def test_an_offer_without_g711_is_refused_and_not_logged(ivr):
    phone = ivr.phone(MOBILE, codec=9)  # G.722 only
    assert ivr_rig.on_the_phone(phone.dial) == 488
    assert not IvrCall.objects.exists()


def test_option_two_from_another_number_changes_nothing(ivr, agent):
    complaint = disposed(agent)
    phone = ivr.phone(OTHER_MOBILE)

    async def script():
        await barge_in(phone)
        since = await key_reference(phone, complaint.reference, choice="2")
        await phone.hang_up()
        return since

    since = ivr_rig.on_the_phone(script)
    assert heard(phone, ivr.speech(prompts.only_complainant("hi")), since)
    assert call_log(phone).path == ["menu:2", "reference", "option2:not-complainant", "hung-up"]
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_VERIFICATION


def test_a_reminder_by_phone_then_a_second_too_soon(ivr, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    phone = ivr.phone(MOBILE, dtmf="info")

    async def script():
        await barge_in(phone)
        await key_reference(phone, complaint.reference, choice="2")  # "… press 1 to confirm"
        await phone.press("1")
        assert await phone.until_quiet(timeout=30)  # "the reminder has been sent"
        await phone.press("2")  # the same complaint again: no need to key it
        assert await phone.until_quiet(timeout=30)
        since = phone.mark()
        await phone.press("1")
        assert await phone.until_quiet(since, timeout=30)
        await phone.hang_up()
        return since

    since = ivr_rig.on_the_phone(script)
    assert complaint.events.filter(action=Action.REMIND).count() == 1
    next_at = selectors.next_reminder_at(complaint.reference)
    assert heard(phone, ivr.speech(prompts.reminder_too_soon("hi", next_at)), since)
    assert call_log(phone).path == [
        "menu:2",
        "reference",
        "feedback:remind",
        "menu:2",
        "option2:too-soon",
        "hung-up",
    ]
