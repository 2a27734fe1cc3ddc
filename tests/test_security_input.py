"""Issue 18 §4, input: control characters refused with a clear 4xx on every face, invisible
bidi and zero-width characters removed, uploads bounded before anything decodes them, the
Idempotency-Key bound to its body, OTP budgets a stranger cannot turn against the owner."""

import pytest

from igrs.core.accounts import create_token
from igrs.core.errors import Invalid
from igrs.core.text import clean, nfc
from igrs.grievances.models import Complaint
from igrs.open311.models import Scope
from igrs.open311.services import create_key

from .conftest import LUCKNOW_SADAR
from .test_api import Api, registration, user_with_role

OPEN311 = "/open311/v2"
RLO, LRI, PDI, ZWSP, ZWNJ, ZWJ, BOM = (
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
)


@pytest.fixture
def agent_api(client, db) -> Api:
    return Api(client, create_token(user_with_role("agent-x", "agent"), "agent"))


# ---------------------------------------------------------------- text


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\x85", "\ud800"])
def test_control_characters_are_refused_naming_the_field(bad):
    with pytest.raises(Invalid) as refused:
        clean(f"text{bad}more", "description")
    assert list(refused.value.fields) == ["description"]
    assert nfc(f"text{bad}more") == "textmore" or "\x1b" in bad  # searches just drop them


def test_line_breaks_and_tabs_are_text():
    assert clean("one\r\ntwo\rthree\n\tfour") == "one\ntwo\nthree\n\tfour"
    assert clean("one\r\ntwo\tthree", single_line=True) == "one two three"


def test_bidi_overrides_and_zero_width_characters_are_removed():
    # "evil‮txt.exe" would read as "evilexe.txt"; a ZWSP hides inside a name.
    assert clean(f"evil{RLO}txt.exe") == "eviltxt.exe"
    assert clean(f"{LRI}Ra{ZWSP}m{PDI}{BOM}") == "Ram"
    assert clean(f"Ra{ZWJ}m {ZWNJ}Lal") == "Ram Lal"


def test_joiners_stay_where_they_shape_devanagari():
    # क्‍ष with ZWJ keeps its half form; कर्‌म with ZWNJ keeps the visible virama.
    assert clean(f"क्{ZWJ}ष") == f"क्{ZWJ}ष"
    assert clean(f"कर्{ZWNJ}म") == f"कर्{ZWNJ}म"
    assert clean(f"{ZWJ}क") == "क" and clean(f"क{ZWJ}") == "क"


def test_api_registration_refuses_nul_and_controls_with_422(agent_api):
    for field, value in [
        ("description", "खेत पर कब्ज़ा\x00 कर लिया है"),
        ("complainant_name", "सीता\x07 देवी"),
        ("address", "ग्राम\x1b बरौली"),
    ]:
        answer = agent_api.post("/complaints", registration(**{field: value}))
        assert answer.status_code == 422, (field, answer.content)
        assert field in answer.json()["errors"]
    assert not Complaint.objects.exists()


def test_api_registration_stores_names_without_invisible_characters(agent_api):
    answer = agent_api.post(
        "/complaints",
        registration(
            complainant_name=f"सीता{ZWSP} {RLO}देवी",
            description=f"खेत की मेड़{LRI} तोड़कर कब्ज़ा{PDI} कर लिया है",
        ),
    )
    assert answer.status_code == 201
    stored = Complaint.objects.get()
    assert stored.complainant_name == "सीता देवी"
    assert stored.description == "खेत की मेड़ तोड़कर कब्ज़ा कर लिया है"


def test_a_note_with_a_control_character_is_a_field_error(client, agent_api):
    ref = agent_api.post("/complaints", registration()).json()["reference"]
    answer = agent_api.post(f"/complaints/{ref}/call-back", {"note": "बाद में\x00 फोन करें"})
    assert answer.status_code in (409, 422)  # refused either way; never a 500


def open311_filing(**overrides) -> dict:
    return {
        "service_code": "REV-LAND",
        "attribute[place_code]": LUCKNOW_SADAR,
        "first_name": "सीता",
        "last_name": "देवी",
        "phone": "9812345678",
        "description": "पड़ोसी ने खेत पर कब्ज़ा कर लिया है।",
        "address_string": "ग्राम बरौली",
        **overrides,
    }


@pytest.mark.parametrize(
    "parameter",
    [
        "service_code",
        "attribute[place_code]",
        "first_name",
        "last_name",
        "phone",
        "description",
        "address_string",
        "lat",
        "email",
        "api_key",
        "jurisdiction_id",
        "locale",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_400_for_nul_in_any_parameter(client, db, parameter, fmt):
    plain = create_key("Jan Seva app", Scope.READ_OWN)[1]
    given = {"api_key": plain, **open311_filing()}
    given[parameter] = given.get(parameter, "x") + "\x00"
    answer = client.post(f"{OPEN311}/requests.{fmt}", given)
    assert answer.status_code == 400, answer.content
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("path", ["requests/AB\x00C.json", "services/REV\x00.xml"])
def test_open311_answers_400_for_nul_in_the_path(client, db, path):
    assert client.get(f"{OPEN311}/{path}").status_code == 400


def test_open311_refuses_other_control_characters_by_field(client, db):
    plain = create_key("Jan Seva app", Scope.READ_OWN)[1]
    answer = client.post(
        f"{OPEN311}/requests.json",
        {"api_key": plain, **open311_filing(description="खेत पर\x01 कब्ज़ा कर लिया है")},
    )
    assert answer.status_code == 400
    assert answer.json()[0]["description"].startswith("description:")
