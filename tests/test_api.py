"""The JSON API: authentication, roles, the whole life of a complaint, errors."""

import base64
import json

import pytest
from django.contrib.auth.models import Group, User

from igrs.core.accounts import create_token, grant_role, roles_of
from igrs.core.models import ApiToken
from igrs.directory.models import Category, Officer, Unit
from igrs.grievances import reference
from igrs.grievances.models import Complaint

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, post

PDF = b"%PDF-1.4\n% demo\n"


class Api:
    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, language: str) -> dict:
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if self.token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, language: str = "hi", **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers(language))

    def post(self, path: str, body: dict, language: str = "hi"):
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body),
            content_type="application/json",
            **self._headers(language),
        )


def user_with_role(username: str, role: str) -> User:
    user = User.objects.create_user(username)
    grant_role(user, role)
    return user


@pytest.fixture
def agent_api(client, db):
    return Api(client, create_token(user_with_role("agent-x", "agent"), "agent"))


@pytest.fixture
def desk_api(client, db):
    return Api(client, create_token(user_with_role("desk-x", "desk"), "desk"))


def officer_api(client, post_code: str) -> Api:
    officer = Officer.objects.get(postings__post__code=post_code)
    officer.user = User.objects.create_user(f"officer-{officer.pk}")
    officer.save()
    return Api(client, create_token(officer.user, "officer"))


def registration(**overrides) -> dict:
    return {
        "source": "helpline",
        "complainant_name": "सीता देवी",
        "mobile": "9812345678",
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "place_id": Unit.objects.get(code=LUCKNOW_SADAR).pk,
        "description": "खेत की मेड़ तोड़कर पड़ोसी ने कब्ज़ा कर लिया है।",
        **overrides,
    }


def test_requests_without_a_valid_token_are_refused(client, db):
    assert Api(client, None).get("/complaints", mobile="9812345678").status_code == 401
    forged = Api(client, "forged").post("/complaints", registration())
    assert forged.status_code == 401 and forged.json()["code"] == "not_authenticated"
    assert "टोकन" in forged.json()["message"]


def test_malformed_bodies_get_the_same_error_shape(agent_api):
    body = registration()
    del body["mobile"]
    body["category_id"] = "not a number"
    refused = agent_api.post("/complaints", body)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
    assert {"mobile", "category_id"} <= set(refused.json()["errors"])


def test_overlong_fields_are_field_errors_not_crashes(agent_api):
    refused = agent_api.post("/complaints", registration(complainant_name="क" * 300))
    assert refused.status_code == 422 and "complainant_name" in refused.json()["errors"]


def test_a_token_stops_working_when_its_role_is_withdrawn(client, db):
    user = user_with_role("desk-w", "desk")
    api = Api(client, create_token(user, "desk"))
    assert api.get("/queues/desk").status_code == 200
    user.groups.clear()
    assert api.get("/queues/desk").status_code == 401


def test_a_users_remembered_roles_follow_their_groups(db):
    user = user_with_role("desk-r", "desk")
    assert roles_of(user) == {"desk"}
    user.groups.remove(Group.objects.get(name="desk"))
    assert roles_of(user) == set()
    grant_role(user, "agent")
    assert roles_of(user) == {"agent"}


def test_a_revoked_token_stops_working(client, db):
    user = user_with_role("agent-r", "agent")
    api = Api(client, create_token(user, "agent"))
    assert api.get("/complaints", mobile="9812345678").status_code == 200
    token = ApiToken.objects.get(user=user)
    token.revoked = True
    token.save()
    assert api.get("/complaints", mobile="9812345678").status_code == 401


def test_a_token_cannot_carry_a_role_the_user_lacks(db):
    with pytest.raises(ValueError):
        create_token(User.objects.create_user("nobody"), "desk")


def test_full_life_over_the_api(client, agent_api):
    created = agent_api.post("/complaints", registration())
    assert created.status_code == 201, created.content
    ref = created.json()["reference"]
    assert created.json()["current_post"]["code"] == TEHSILDAR

    tehsildar = officer_api(client, TEHSILDAR)
    atr = tehsildar.post(
        f"/complaints/{ref}/atr",
        {
            "disposal": "resolved",
            "report": "लेखपाल भेजकर मेड़ फिर से बनवाई गई।",
            "attachments": [
                {"name": "report.pdf", "content_base64": base64.b64encode(PDF).decode()}
            ],
        },
    )
    assert atr.status_code == 200, atr.content
    assert atr.json()["status"] == "awaiting_verification"

    verdict = agent_api.post(
        f"/complaints/{ref}/verification", {"outcome": "not_satisfied", "note": "मेड़ फिर टूटी"}
    )
    body = verdict.json()
    assert body["level"] == 2 and body["current_post"]["code"] == DM
    assert body["holders"] and body["escalation_count"] == 1

    detail = agent_api.get(f"/complaints/{ref}", language="en").json()
    assert [e["action"] for e in detail["timeline"]] == [
        "register",
        "assign",
        "submit_atr",
        "verify_not_satisfied",
    ]
    atr_event = detail["timeline"][2]
    assert atr_event["note"].startswith("लेखपाल")
    assert atr_event["actor_post"]["code"] == TEHSILDAR
    assert atr_event["attachments"][0]["content_type"] == "application/pdf"
    assert detail["overdue_days"] == 0 and detail["due_at"]


def test_officer_outside_the_line_gets_404_and_403(client, agent_api):
    ref = agent_api.post("/complaints", registration()).json()["reference"]
    atr = {"disposal": "resolved", "report": "कार्रवाई पूरी कर दी गई है।"}
    outsider = officer_api(client, "REV-L1-UP-AGRA-T-SADAR")
    # Outside the line: the same 404 for reads and writes, as for a number never issued.
    assert outsider.get(f"/complaints/{ref}").status_code == 404
    assert outsider.post(f"/complaints/{ref}/atr", atr).status_code == 404
    assert outsider.post(f"/complaints/{ref}/notes", {"note": "x"}).status_code == 404
    # The DM supervises the tehsildar's post: may read (mobile masked) but not dispose.
    dm = officer_api(client, DM)
    seen = dm.get(f"/complaints/{ref}").json()
    assert seen["mobile"].endswith("5678") and "XXXXXX" in seen["mobile"]
    refused = dm.post(f"/complaints/{ref}/atr", atr)
    assert refused.status_code == 403 and refused.json()["message"]


def test_roles_are_enforced(client, agent_api, desk_api):
    ref = agent_api.post("/complaints", registration()).json()["reference"]
    assert (
        agent_api.post(f"/complaints/{ref}/forward", {"to_post_id": post(DM).pk}).status_code == 403
    )
    assert (
        desk_api.post(f"/complaints/{ref}/forward", {"to_post_id": post(DM).pk}).status_code == 200
    )
    assert officer_api(client, DM).post("/complaints", registration()).status_code == 403


def test_validation_errors_are_per_field_and_in_the_users_language(agent_api):
    hindi = agent_api.post("/complaints", registration(mobile="123", description="x"))
    assert hindi.status_code == 422
    assert set(hindi.json()["errors"]) == {"mobile", "description"}
    english = agent_api.post("/complaints", registration(mobile="123"), language="en")
    assert "mobile" in english.json()["errors"]["mobile"][0]
    assert Complaint.objects.count() == 0


def test_monthly_cap_is_429_with_a_message(agent_api, settings):
    settings.IGRS_MONTHLY_CAP_PER_MOBILE = 1
    assert agent_api.post("/complaints", registration()).status_code == 201
    refused = agent_api.post("/complaints", registration())
    assert refused.status_code == 429 and refused.json()["code"] == "limit_reached"


def test_stale_version_is_409(client, agent_api):
    created = agent_api.post("/complaints", registration()).json()
    tehsildar = officer_api(client, TEHSILDAR)
    stale = tehsildar.post(
        f"/complaints/{created['reference']}/atr",
        {
            "disposal": "resolved",
            "report": "कार्रवाई पूरी कर दी गई है।",
            "version": created["version"] - 1,
        },
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"


def test_mistyped_reference_is_404_not_someone_elses(agent_api):
    ref = agent_api.post("/complaints", registration()).json()["reference"]
    typo = ref[:5] + str((int(ref[5]) + 1) % 10) + ref[6:]
    mistyped = agent_api.get(f"/complaints/{typo}")  # the check digit catches it: not "unknown"
    assert mistyped.status_code == 422 and mistyped.json()["code"] == "invalid_reference"
    never = reference.make(2026, 999999)  # a valid number never issued
    assert agent_api.get(f"/complaints/{never}").status_code == 404
    assert agent_api.get(f"/complaints/{ref[:4]}%20{ref[4:]}").status_code == 200


def test_history_by_mobile_and_queues(client, agent_api, desk_api):
    ref = agent_api.post("/complaints", registration()).json()["reference"]
    history = agent_api.get("/complaints", mobile="98123 45678").json()
    assert [c["reference"] for c in history] == [ref]
    inbox = officer_api(client, TEHSILDAR).get("/queues/inbox").json()
    assert ref in [c["reference"] for c in inbox]
    other = registration(category_id=Category.objects.get(code="OTHER").pk)
    waiting = agent_api.post("/complaints", other).json()["reference"]
    assert waiting in [c["reference"] for c in desk_api.get("/queues/desk").json()]
    assert agent_api.get("/queues/desk").status_code == 403


def test_a_place_too_coarse_for_the_category_is_a_422_naming_the_kind_needed(agent_api):
    police = registration(category_id=Category.objects.get(code="POL-FIR").pk)
    answer = agent_api.post("/complaints", police)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid" and body["place_kind_needed"] == "thana"
    assert "place_id" in body["errors"] and not Complaint.objects.exists()


def test_openapi_schema_is_served(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/complaints/{ref}/atr" in schema["paths"]
    assert schema["components"]["securitySchemes"]


def test_an_agent_sends_the_complainants_reminder_once_per_period(agent_api, desk_api):
    ref = agent_api.post("/complaints", registration()).json()["reference"]
    first = agent_api.post(f"/complaints/{ref}/reminders", {})
    assert first.status_code == 200 and first.json()["timeline"][-1]["action"] == "remind"
    again = agent_api.post(f"/complaints/{ref}/reminders", {})
    assert again.status_code == 429 and again.json()["code"] == "limit_reached"
    assert desk_api.post(f"/complaints/{ref}/reminders", {}).status_code == 403


def test_a_retried_registration_with_an_idempotency_key_files_once(agent_api):
    key = "0b5b8f0e-3c7a-4d51-9d2a-5d1f0c1c2a11"
    agent_api.client.defaults["HTTP_IDEMPOTENCY_KEY"] = key
    first = agent_api.post("/complaints", registration())
    again = agent_api.post("/complaints", registration())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert Complaint.objects.count() == 1
    agent_api.client.defaults["HTTP_IDEMPOTENCY_KEY"] = "not-a-uuid"
    assert agent_api.post("/complaints", registration()).status_code == 422
