"""The IVR's pieces without a network: numbers and dates as words, SIP and SDP parsing, RTP
telephone-events, G.711 tables, the pacer's lateness figures."""

import datetime as dt
import gettext
from pathlib import Path

import pytest

from igrs.ivr import g711, prompts, rtp, sip
from igrs.ivr.numbers import date_words, digits_words, number_words
from igrs.ivr.services import outcome_of

from .test_i18n import PLACEHOLDERS, po_entries


@pytest.mark.parametrize(
    ("n", "hindi", "english"),
    [
        (0, "शून्य", "zero"),
        (19, "उन्नीस", "nineteen"),
        (47, "सैंतालीस", "forty-seven"),
        (99, "निन्यानवे", "ninety-nine"),
        (100, "एक सौ", "one hundred"),
        (1076, "एक हज़ार छिहत्तर", "one thousand seventy-six"),
        (80_000, "अस्सी हज़ार", "eighty thousand"),
        (1_25_000, "एक लाख पच्चीस हज़ार", "one lakh twenty-five thousand"),
        (
            2_03_45_678,
            "दो करोड़ तीन लाख पैंतालीस हज़ार छह सौ अठहत्तर",
            "two crore three lakh forty-five thousand six hundred seventy-eight",
        ),
    ],
)
def test_numbers_are_read_in_lakh_and_crore(n, hindi, english):
    assert number_words(n, "hi") == hindi
    assert number_words(n, "en") == english


def test_dates_are_day_and_month_with_the_year_only_when_another():
    today = dt.date(2026, 3, 1)
    assert date_words(dt.date(2026, 12, 6), "hi", today) == "छह दिसंबर"
    assert date_words(dt.date(2025, 12, 6), "hi", today) == "छह दिसंबर दो हज़ार पच्चीस"
    assert date_words(dt.date(2026, 8, 15), "en", today) == "fifteen August"


def test_a_reference_is_read_digit_by_digit_in_fours():
    assert digits_words("2026000000018", "en") == (
        "two zero two six, zero zero zero zero, zero zero zero one, eight"
    )
    assert digits_words("20", "hi") == "दो शून्य"


INVITE = (
    "INVITE sip:1076@127.0.0.1:5080 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc\r\n"
    "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
    'f: "Ram" <sip:+919876543210@127.0.0.1>;tag=from1\r\n'
    "t: <sip:1076@127.0.0.1>\r\n"
    "i: call-1@phone\r\n"
    "CSeq: 7 INVITE\r\n"
    "m: <sip:+919876543210@127.0.0.1:5062>\r\n"
    "c: application/sdp\r\n"
    "Content-Length: {length}\r\n\r\n{body}"
)
OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 9 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n"
)


def invite(body: str = OFFER) -> sip.Message:
    return sip.parse(INVITE.format(length=len(body), body=body).encode())


def test_an_invite_with_compact_headers_is_read_and_answered():
    message = invite()
    assert (message.method, message.call_id, message.cseq) == (
        "INVITE",
        "call-1@phone",
        (7, "INVITE"),
    )
    assert sip.user_of(message.get("from")) == "+919876543210"
    assert sip.tag(message.get("from")) == "from1"
    assert sip.address_of(sip.uri_of(message.get("contact"))) == ("127.0.0.1", 5062)
    answer = sip.response(message, 200, to_tag="ours").encode().decode()
    assert "To: <sip:1076@127.0.0.1>;tag=ours\r\n" in answer
    assert "Record-Route: <sip:127.0.0.1:5060;lr>" in answer and "CSeq: 7 INVITE" in answer


def test_sdp_answer_takes_the_first_g711_codec_and_the_telephone_event_type():
    media = sip.answer_media(invite().body)
    assert media == sip.Media("127.0.0.1", 40000, sip.PCMA, 96)
    no_g711 = OFFER.replace("9 8 0 96", "9 96")
    assert sip.answer_media(no_g711.encode()) is None


@pytest.mark.parametrize(
    ("kind", "body", "key"),
    [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay", "Signal= #\r\n", "#"),
        ("application/dtmf", "9", "9"),
        ("application/dtmf-relay", "Signal=X\r\n", None),
        ("text/plain", "5", None),
    ],
)
def test_sip_info_keys(kind, body, key):
    message = sip.parse(
        (
            f"INFO sip:1076@h SIP/2.0\r\nCall-ID: x\r\nCSeq: 2 INFO\r\n"
            f"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
            f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
    )
    assert sip.info_digit(message) == key


@pytest.mark.parametrize(
    "data", [b"", b"hello", b"SIP/2.0 200\r\n\r\n", b"INVITE sip:x SIP/2.0\r\nCall-ID: y\r\n\r\n"]
)
def test_unreadable_sip_is_refused_not_guessed(data):
    with pytest.raises(sip.ParseError):
        sip.parse(data)


def test_a_key_counts_once_however_many_packets_carry_it():
    reader = rtp.KeyReader(101)
    keys = []
    for key, timestamp in (("4", 8000), ("#", 9600)):
        for packet in rtp.event_packets(key, 101, 10, timestamp, 77):
            keys.append(reader.key(rtp.parse(packet)))
    assert [k for k in keys if k] == ["4", "#"]
    audio = rtp.parse(bytes([0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]) + b"\xff" * 160)
    assert reader.key(audio) is None and audio.payload == b"\xff" * 160


def test_g711_tables_keep_silence_silent_and_loud_loud():
    assert g711.ulaw_to_linear(g711.ULAW_SILENCE) == 0
    assert g711.ULAW_TO_ALAW[g711.ULAW_SILENCE] == g711.ALAW_SILENCE
    for byte in range(256):  # μ-law → A-law keeps each sample within A-law's step
        linear = g711.ulaw_to_linear(byte)
        assert abs(g711.alaw_to_linear(g711.ULAW_TO_ALAW[byte]) - linear) <= max(
            16, abs(linear) // 16
        )


def test_lateness_figures():
    figures = rtp.Lateness()
    for ms in [0.05] * 98 + [3.0, 25.0]:
        figures.add(ms)
    summary = figures.summary()
    assert summary["packets"] == 100 and summary["p50_ms"] == 0.1
    assert summary["p99_ms"] == 3.1 and summary["max_ms"] == 25.0
    assert summary["late_share"] == 0.01


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        (["menu:1", "reference", "status:full", "hung-up"], "status"),
        (["menu:2", "reference", "feedback:remind", "agent:asked"], "agent"),
        (["menu:1", "reference", "status:full", "feedback:not_satisfied"], "feedback"),
        (["menu:2", "reference", "option2:cancelled", "hung-up"], "abandoned"),
        ([], "abandoned"),
    ],
)
def test_outcome_is_the_furthest_step(path, outcome):
    assert outcome_of(path) == outcome


IVR_HINDI = po_entries(Path(prompts.__file__).parent / "locale/hi/LC_MESSAGES/django.po")


def test_the_ivrs_hindi_catalogue_is_complete_with_its_placeholders_and_compiled():
    assert len(IVR_HINDI) > 60
    assert [entry.msgid for entry in IVR_HINDI if not entry.complete] == []
    for entry in IVR_HINDI:
        for text in entry.msgstrs.values():
            assert sorted(PLACEHOLDERS.findall(entry.msgid)) == sorted(
                PLACEHOLDERS.findall(text)
            ), entry.msgid
    compiled = Path(prompts.__file__).parent / "locale/hi/LC_MESSAGES/django.mo"
    with compiled.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    assert all(catalogue.gettext(e.msgid) == e.msgstrs[0] for e in IVR_HINDI if not e.plural)


def test_prompts_are_hindi_by_default_and_english_on_request():
    assert "दबाएँ" in prompts.menu("hi") and "press 1" in prompts.menu("en")
    assert prompts.other_language("hi") == ("For English, press 9.", "en")
