"""Open311 GeoReport v2: each endpoint in JSON and XML, errors in the spec's shape, public
reads without a key (and nothing personal in them), key scopes, jurisdiction_id, limits per
key and per address, and the call log; and clients nobody here wrote (curl, and the
`georeport` package from PyPI) driving the running server exactly as the spec's examples do."""

import csv
import datetime as dt
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import jsonschema_rs
import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from georeport import GeoReport

from igrs.core import clock
from igrs.directory.models import Category, Unit
from igrs.grievances import reference
from igrs.grievances import services as grievances
from igrs.grievances.models import Action, Complaint, Event
from igrs.open311 import services, webhooks
from igrs.open311.models import Call, Filing, IntegrationKey, Scope, WebhookDelivery
from igrs.open311.services import create_key

from . import open311_schemas as schemas
from .conftest import LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor

BASE = "/open311/v2"


def filing(**overrides) -> dict:
    return {
        "service_code": "REV-LAND",
        "attribute[place_code]": LUCKNOW_SADAR,
        "first_name": "सीता",
        "last_name": "देवी",
        "phone": "9812345678",
        "description": "पड़ोसी ने खेत पर कब्ज़ा कर लिया है।",
        "lat": "26.84",
        "long": "80.95",
        "address_string": "ग्राम बरौली",
        **overrides,
    }


@pytest.fixture
def app_key(db) -> str:
    return create_key("Jan Seva app", Scope.READ_OWN)[1]


def test_discovery_and_services_in_json_and_xml(client, db):
    discovery = client.get(f"{BASE}/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services = client.get(f"{BASE}/services.json").json()
    land = next(s for s in services if s["service_code"] == "REV-LAND")
    assert land["service_name"] == "भूमि विवाद / अवैध कब्ज़ा" and land["metadata"] is True
    english = client.get(f"{BASE}/services.json", {"locale": "en"}).json()
    assert any(s["service_name"] == "Land dispute or illegal occupation" for s in english)
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code").text
    definition = client.get(f"{BASE}/services/REV-LAND.json").json()
    assert definition["attributes"][0]["code"] == "place_code"


def test_errors_come_in_the_specs_shape_in_both_formats(client, db):
    missing = client.get(f"{BASE}/services/NOPE.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    xml = client.get(f"{BASE}/services/NOPE.xml")
    root = ET.fromstring(xml.content)
    assert xml.status_code == 404 and root.tag == "errors"
    assert root.find("error/code").text == "404" and root.find("error/description").text
    assert client.get(f"{BASE}/services.html").status_code == 404


def test_an_app_files_a_request_form_encoded_and_reads_it_back(client, app_key):
    response = client.post(f"{BASE}/requests.json", {"api_key": app_key, **filing()})
    assert response.status_code == 201, response.content
    ref = response.json()[0]["service_request_id"]
    complaint = Complaint.objects.get(reference=ref)
    assert complaint.source == "app" and complaint.complainant_name == "सीता देवी"
    assert "26.840000,80.950000" in complaint.place_detail
    assert Filing.objects.get().complaint == complaint
    shown = client.get(f"{BASE}/requests/{ref}.json", {"api_key": app_key}).json()[0]
    assert shown["status"] == "open" and shown["service_code"] == "REV-LAND"
    assert shown["agency_responsible"].startswith("तहसीलदार")
    assert shown["requested_datetime"].endswith("+05:30")
    assert shown["igrs"]["level"] == 1
    xml = ET.fromstring(client.get(f"{BASE}/requests/{ref}.xml", {"api_key": app_key}).content)
    assert xml.find("request/service_request_id").text == ref
    assert xml.find("request/igrs/level").text == "1"
    token = client.get(f"{BASE}/tokens/{ref}.json", {"api_key": app_key}).json()
    assert token == [{"service_request_id": ref, "token": ref}]


def test_bad_requests_are_refused_field_by_field_and_nothing_is_filed(client, app_key):
    response = client.post(
        f"{BASE}/requests.json", {"api_key": app_key, **filing(service_code="NOPE", phone="12")}
    )
    assert response.status_code == 400
    assert any(e["description"].startswith("service_code") for e in response.json())
    response = client.post(f"{BASE}/requests.json", {"api_key": app_key, **filing(phone="12")})
    assert any(e["description"].startswith("phone") for e in response.json())
    assert client.post(f"{BASE}/requests.json", filing()).status_code == 403  # no api_key
    wrong = client.post(f"{BASE}/requests.json", {"api_key": "guessed", **filing()})
    assert wrong.status_code == 403 and wrong.json()[0]["code"] == 403
    assert not Complaint.objects.exists()


def test_the_key_decides_which_requests_come_in_full(client, agent, app_key):
    own = client.post(f"{BASE}/requests.json", {"api_key": app_key, **filing()}).json()[0]
    other = new_complaint(agent, mobile="9800000009")
    refs = {own["service_request_id"], other.reference}

    def descriptions(**query) -> dict[str, str | None]:
        found = client.get(f"{BASE}/requests.json", query).json()
        return {r["service_request_id"]: r["description"] for r in found}

    assert descriptions(api_key=app_key) == {  # read_own: what it filed, in full
        own["service_request_id"]: filing()["description"],
        other.reference: None,
    }
    reader = create_key("CM dashboard", Scope.READ_ALL)[1]
    assert None not in descriptions(api_key=reader).values()
    filer = create_key("Kiosk", Scope.FILE_ONLY)[1]
    for public in (descriptions(api_key=filer), descriptions()):
        assert set(public) == refs and set(public.values()) == {None}
    shown = client.get(f"{BASE}/requests/{other.reference}.json", {"api_key": app_key})
    assert shown.status_code == 200 and shown.json()[0]["description"] is None
    assert client.get(f"{BASE}/requests/{reference.make(2099, 1)}.json").status_code == 404


def test_request_filters_window_and_paging(client, agent):
    reader = create_key("CM dashboard", Scope.READ_ALL)[1]
    first = new_complaint(agent, mobile="9800000001")
    new_complaint(agent, mobile="9800000002")
    grievances.verify(
        agent,
        grievances.submit_atr(
            officer_actor(TEHSILDAR),
            first.reference,
            disposal="resolved",
            report="कब्ज़ा हटवा दिया गया है।",
        ).reference,
        outcome="satisfied",
    )

    def ids(**query) -> list[str]:
        return [
            r["service_request_id"]
            for r in client.get(f"{BASE}/requests.json", {"api_key": reader, **query}).json()
        ]

    assert ids(status="closed") == [first.reference]
    assert len(ids(status="open")) == 1 and len(ids(page_size="1")) == 1
    assert ids(service_request_id=first.reference) == [first.reference]
    far = client.get(
        f"{BASE}/requests.json",
        {
            "api_key": reader,
            "start_date": "2026-01-01T00:00:00+05:30",
            "end_date": "2026-06-01T00:00:00+05:30",
        },
    )
    assert far.status_code == 400 and "90" in far.json()[0]["description"]
    assert (
        client.get(
            f"{BASE}/requests.json", {"api_key": reader, "start_date": "yesterday"}
        ).status_code
        == 400
    )


def test_updates_follow_the_timeline_without_internal_steps(client, agent):
    reader = create_key("CM dashboard", Scope.READ_ALL)[1]
    complaint = new_complaint(agent)
    found = client.get(f"{BASE}/servicerequestupdates.json", {"api_key": reader}).json()
    assert [u["service_request_id"] for u in found] == [complaint.reference] * 2
    assert found[0]["updated_datetime"].endswith("+05:30")


def test_each_key_is_limited_and_every_call_is_logged(client, db):
    key, plain = create_key("Chatty bot", Scope.READ_OWN)
    key.per_minute = 2
    key.save()
    statuses = [
        client.get(f"{BASE}/requests.json", {"api_key": plain}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert list(Call.objects.values_list("status", flat=True).order_by("pk")) == statuses
    clock.advance(dt.timedelta(minutes=2))
    assert client.get(f"{BASE}/requests.json", {"api_key": plain}).status_code == 200


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_files_a_request_as_the_specs_example_does(live_server, reseeded):
    plain = create_key("curl", Scope.READ_OWN)[1]
    posted = subprocess.run(
        [
            "curl",
            "-s",
            "-X",
            "POST",
            f"{live_server.url}{BASE}/requests.json",
            "-d",
            f"api_key={plain}",
            "-d",
            "service_code=REV-LAND",
            "-d",
            f"attribute[place_code]={LUCKNOW_SADAR}",
            "-d",
            "lat=26.84",
            "-d",
            "long=80.95",
            "-d",
            "first_name=Sita",
            "-d",
            "last_name=Devi",
            "-d",
            "phone=9812345678",
            "--data-urlencode",
            "description=पड़ोसी ने खेत पर कब्ज़ा कर लिया है।",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    ref = json.loads(posted.stdout)[0]["service_request_id"]
    fetched = subprocess.run(
        ["curl", "-s", f"{live_server.url}{BASE}/requests/{ref}.xml?api_key={plain}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert ET.fromstring(fetched.stdout.encode()).find("request/status").text == "open"


class Receiver(http.server.BaseHTTPRequestHandler):
    """A real HTTP endpoint on loopback: answers with the queued status codes and records
    what it was sent."""

    answers: list[int] = []
    received: list[tuple[dict, str, str]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(
            (
                json.loads(body),
                self.headers["X-IGRS-Signature"],
                body.decode(),
                int(self.headers["X-IGRS-Timestamp"]),
            )
        )
        answer = Receiver.answers.pop(0) if Receiver.answers else 200
        self.send_response(answer)
        if answer == 307:  # "post it there instead": to an address nobody vetted
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = True  # the test receiver is on loopback
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.answers, Receiver.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_status_changes_reach_the_filer_signed_and_retried(client, agent, receiver):
    key, plain = create_key("Jan Seva app", Scope.READ_OWN, webhook_url=receiver)
    ref = client.post(f"{BASE}/requests.json", {"api_key": plain, **filing()}).json()[0][
        "service_request_id"
    ]
    new_complaint(agent, mobile="9800000007")  # not filed by the app: never sent
    Receiver.answers = [500]  # the receiver is down for the first delivery
    assert webhooks.queue_deliveries() == 2  # registered, assigned
    assert webhooks.queue_deliveries() == 0  # nothing twice
    assert webhooks.deliver_due() == 2
    assert WebhookDelivery.objects.filter(status="pending").count() == 1
    clock.advance(dt.timedelta(minutes=3))
    assert webhooks.deliver_due() == 1
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    bodies = [body for body, _sig, _raw, _ts in Receiver.received]
    assert {b["service_request_id"] for b in bodies} == {ref}
    for _body, sig, raw, timestamp in Receiver.received:
        assert abs(timestamp - clock.now().timestamp()) < 300
        assert sig == webhooks.signature(key.webhook_secret, timestamp, raw.encode())
        assert sig != webhooks.signature(key.webhook_secret, timestamp - 1, raw.encode())


def test_a_webhook_is_not_redirected(client, agent, receiver):
    Receiver.answers = [307, 307]
    secret = create_key("Redirector", Scope.READ_OWN, webhook_url=receiver)[1]
    client.post(f"{BASE}/requests.json", {"api_key": secret, **filing()})
    webhooks.queue_deliveries()
    assert webhooks.deliver_due() == 2
    assert len(Receiver.received) == 2  # each asked once; the redirect is not followed
    pending = WebhookDelivery.objects.all()
    assert {d.status for d in pending} == {"pending"}
    assert all("307" in d.last_error for d in pending)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "file:///etc/passwd",
        "ftp://example.org/hook",
    ],
)
def test_webhooks_go_only_to_public_http_addresses(settings, url):
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = False
    assert webhooks.refused_address(url)


def test_a_refused_address_is_never_called(client, agent, settings):
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = False
    settings.IGRS_WEBHOOK_MAX_ATTEMPTS = 1
    plain = create_key("Inside", Scope.READ_OWN, webhook_url="http://127.0.0.1:5432/")[1]
    client.post(f"{BASE}/requests.json", {"api_key": plain, **filing()})
    webhooks.queue_deliveries()
    webhooks.deliver_due()
    failed = WebhookDelivery.objects.filter(status="failed")
    assert failed.exists() and all("non-public" in d.last_error for d in failed)


def test_a_dead_endpoint_is_given_up_after_the_limit(client, agent, settings):
    settings.IGRS_WEBHOOK_MAX_ATTEMPTS = 2
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = True
    plain = create_key("Gone", Scope.READ_OWN, webhook_url="http://127.0.0.1:9/none")[1]
    client.post(f"{BASE}/requests.json", {"api_key": plain, **filing()})
    webhooks.queue_deliveries()
    webhooks.deliver_due()
    clock.advance(dt.timedelta(minutes=5))
    webhooks.deliver_due()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}


IMPORT_CSV = """external_ref,name,mobile,category,place,description
CPG/2026/0001,राम लाल,9812345671,REV-LAND,UP-LUCKNOW-T-SADAR,खेत पर अवैध कब्ज़ा हो गया है।
CPG/2026/0002,सीता,12345,REV-LAND,UP-LUCKNOW-T-SADAR,खेत पर अवैध कब्ज़ा हो गया है।
CPG/2026/0003,गीता,9812345673,NOPE,UP-NOWHERE,नाली टूटी है, पानी भर रहा है।
"""


def run_import(tmp_path, content: str, name: str, *flags: str) -> tuple[list[dict], bool]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("import_references", str(path), *flags, stdout=out)
        failed = False
    except CommandError:
        failed = True
    return list(csv.DictReader(io.StringIO(out.getvalue()))), failed


def test_a_dry_run_reports_every_row_and_keeps_nothing(tmp_path, db):
    report, failed = run_import(tmp_path, IMPORT_CSV, "cpgrams.csv", "--dry-run")
    assert failed and [r["outcome"] for r in report] == ["would be created", "error", "error"]
    assert "mobile" in report[1]["message"]
    assert "category" in report[2]["message"] and "place" in report[2]["message"]
    assert not Complaint.objects.exists()


def test_the_import_report_never_hands_a_spreadsheet_a_formula(tmp_path, db):
    hostile = IMPORT_CSV.replace("CPG/2026/0002", "=HYPERLINK(A1)")
    report, _failed = run_import(tmp_path, hostile, "cpgrams.csv", "--dry-run")
    assert report[1]["external_ref"] == "'=HYPERLINK(A1)"


def test_importing_the_same_file_twice_creates_each_complaint_once(tmp_path, db):
    first, _failed = run_import(tmp_path, IMPORT_CSV, "cpgrams.csv")
    assert [r["outcome"] for r in first] == ["created", "error", "error"]
    again, _failed = run_import(tmp_path, IMPORT_CSV, "cpgrams.csv")
    assert again[0]["outcome"] == "already imported"
    assert again[0]["reference"] == first[0]["reference"]
    complaint = Complaint.objects.get()
    assert complaint.source == "cpgrams" and complaint.call_id == "cpgrams:CPG/2026/0001"
    rows = [
        {
            "external_ref": "CPG/2026/0009",
            "name": "मोहन",
            "mobile": "9812345679",
            "category": "REV-LAND",
            "place": LUCKNOW_SADAR,
            "description": "खेत पर अवैध कब्ज़ा हो गया है।",
        }
    ]
    report, failed = run_import(tmp_path, json.dumps(rows, ensure_ascii=False), "more.json")
    assert not failed and report[0]["outcome"] == "created"


def conforms(schema: dict, body) -> list[str]:
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    return [error.message for error in validator.iter_errors(body)]


def test_every_json_answer_conforms_to_the_georeport_schemas(client, agent, app_key):
    reader = create_key("CM dashboard", Scope.READ_ALL)[1]
    created = client.post(f"{BASE}/requests.json", {"api_key": app_key, **filing()}).json()
    ref = created[0]["service_request_id"]
    unrouted = new_complaint(
        agent,
        mobile="9800000003",
        category_id=Category.objects.get(code="OTHER").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW").pk,
    )  # with the desk
    assert conforms(schemas.CREATED, created) == []
    assert (
        conforms(schemas.list_of(schemas.SERVICE), client.get(f"{BASE}/services.json").json()) == []
    )
    assert (
        conforms(schemas.SERVICE_DEFINITION, client.get(f"{BASE}/services/REV-LAND.json").json())
        == []
    )
    listed = client.get(f"{BASE}/requests.json", {"api_key": reader}).json()
    assert {r["service_request_id"] for r in listed} >= {ref, unrouted.reference}
    assert conforms(schemas.list_of(schemas.REQUEST), listed) == []
    assert (
        conforms(
            schemas.list_of(schemas.REQUEST),
            client.get(f"{BASE}/requests/{ref}.json", {"api_key": reader}).json(),
        )
        == []
    )
    assert (
        conforms(
            schemas.CREATED, client.get(f"{BASE}/tokens/{ref}.json", {"api_key": app_key}).json()
        )
        == []
    )
    assert (
        conforms(
            schemas.list_of(schemas.UPDATE),
            client.get(f"{BASE}/servicerequestupdates.json", {"api_key": reader}).json(),
        )
        == []
    )
    assert conforms(schemas.ERRORS, client.get(f"{BASE}/services/NOPE.json").json()) == []


def test_an_administrator_creates_a_key_and_sees_it_once(admin_client):
    response = admin_client.post(
        "/admin/open311/integrationkey/add/",
        {"name": "CSC kiosk", "scope": "file_only", "per_minute": "30", "webhook_url": ""},
        follow=True,
    )
    plain = re.search(r"([A-Za-z0-9_-]{20,}) —", response.content.decode()).group(1)
    key = IntegrationKey.objects.get(name="CSC kiosk")
    assert key.key_hash != plain and key.per_minute == 30 and key.scope == "file_only"
    assert services.key_for(plain) == key
    assert (
        plain
        not in admin_client.get(f"/admin/open311/integrationkey/{key.pk}/change/").content.decode()
    )


def test_odd_input_gets_the_specs_errors_and_the_log_never_holds_the_key(client, agent):
    plain = create_key("CM dashboard", Scope.READ_ALL)[1]
    assert client.get(f"{BASE}/requests.json", {"api_key": plain, "page": "²"}).status_code == 400
    assert (
        client.get(
            f"{BASE}/requests.json", {"api_key": plain, "end_date": "0001-01-01T00:00:00Z"}
        ).status_code
        == 400
    )
    # Text stored before control characters were refused at the door.
    older = new_complaint(agent, description="नियंत्रण वर्ण वाली शिकायत का विवरण।")
    Complaint.objects.filter(pk=older.pk).update(description="नियंत्रण \x01 वर्ण वाली शिकायत")
    xml = client.get(f"{BASE}/requests.xml", {"api_key": plain})
    assert ET.fromstring(xml.content).tag == "service_requests"  # well-formed despite \x01
    assert all(plain not in path for path in Call.objects.values_list("path", flat=True))


SECRETS = {
    "name": "राम प्रसाद",
    "mobile": "9876543210",
    "description": "पड़ोसी ने मेरी ज़मीन पर अवैध कब्ज़ा कर लिया है।",
    "village": "ग्राम बरौली",
    "note": "शिकायतकर्ता ने बताया कि पड़ोसी धमका रहा है।",
    "report": "लेखपाल ने मौके पर जाकर पैमाइश कराई।",
}


@pytest.fixture
def worked_complaint(agent) -> Complaint:
    """A complaint with everything personal a complaint carries: name, mobile, what they
    wrote, the village, a note and an officer's report."""
    complaint = new_complaint(agent, place_detail=SECRETS["village"])
    grievances.add_note(agent, complaint.reference, note=SECRETS["note"])
    return grievances.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report=SECRETS["report"],
    )


def public_answers(client, ref: str, **query) -> dict[str, bytes]:
    paths = [f"requests/{ref}", "requests", "servicerequestupdates", f"tokens/{ref}"]
    answers = {}
    for path in paths:
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/{path}.{fmt}", query)
            assert response.status_code == 200, (path, fmt, response.content)
            answers[f"{path}.{fmt}"] = response.content
    return answers


def test_reads_need_no_key_and_carry_nothing_personal(client, worked_complaint):
    ref = worked_complaint.reference
    for name, body in public_answers(client, ref).items():
        text = body.decode()
        assert ref in text, name
        for secret in SECRETS.values():
            assert secret not in text, (name, secret)
    shown = client.get(f"{BASE}/requests/{ref}.json").json()[0]
    assert shown["service_code"] == "REV-LAND" and shown["address_id"] == LUCKNOW_SADAR
    assert shown["address"] == "लखनऊ सदर" and shown["agency_responsible"]
    assert shown["igrs"]["status"] == worked_complaint.status
    assert conforms(schemas.list_of(schemas.REQUEST), [shown]) == []
    public = {u["update_id"] for u in client.get(f"{BASE}/servicerequestupdates.json").json()}
    assert not Call.objects.exists()  # the call log is of keys' calls
    reader = create_key("CM dashboard", Scope.READ_ALL)[1]
    full = client.get(f"{BASE}/servicerequestupdates.json", {"api_key": reader}).json()
    note = Event.objects.get(complaint=worked_complaint, action=Action.NOTE)
    assert {u["update_id"] for u in full} - public == {str(note.pk)}


def test_a_key_that_may_read_it_gets_it_in_full(client, worked_complaint):
    reader = create_key("CM dashboard", Scope.READ_ALL)[1]
    ref = worked_complaint.reference
    full = client.get(f"{BASE}/requests/{ref}.json", {"api_key": reader}).json()[0]
    assert full["description"] == SECRETS["description"]
    assert full["address"] == SECRETS["village"]
    steps = str(client.get(f"{BASE}/servicerequestupdates.json", {"api_key": reader}).json())
    assert SECRETS["note"] in steps and SECRETS["report"] in steps
    xml = client.get(f"{BASE}/requests/{ref}.xml", {"api_key": reader}).content.decode()
    assert SECRETS["description"] in xml


def test_jurisdiction_id_is_accepted_on_every_endpoint(client, worked_complaint, app_key):
    ref = worked_complaint.reference
    ours, theirs = {"jurisdiction_id": "up.gov.in"}, {"jurisdiction_id": "bihar.gov.in"}
    assert len(public_answers(client, ref, **ours)) == 8
    for path in ("discovery", "services", "services/REV-LAND", f"requests/{ref}", "requests"):
        refused = client.get(f"{BASE}/{path}.json", theirs)
        assert refused.status_code == 404 and conforms(schemas.ERRORS, refused.json()) == []
        assert "up.gov.in" in refused.json()[0]["description"]
    before = Complaint.objects.count()
    elsewhere = client.post(f"{BASE}/requests.json", {"api_key": app_key, **filing(), **theirs})
    assert elsewhere.status_code == 404 and Complaint.objects.count() == before
    filed = client.post(f"{BASE}/requests.json", {"api_key": app_key, **filing(), **ours})
    assert filed.status_code == 201


def test_calls_without_a_key_are_limited_per_address(client, settings, db):
    settings.IGRS_OPEN311_PUBLIC_PER_MINUTE = 2

    def status(address: str, **query) -> int:
        return client.get(f"{BASE}/services.json", query, REMOTE_ADDR=address).status_code

    assert [status("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert status("203.0.113.7", api_key="guess") == 429  # guessing keys counts too
    assert status("198.51.100.9", api_key="guess") == 403
    assert status("198.51.100.9") == 200
    plain = create_key("Dashboard", Scope.READ_ALL)[1]
    assert status("203.0.113.7", api_key=plain) == 200  # a key has its own limit
    clock.advance(dt.timedelta(minutes=2))
    assert status("203.0.113.7") == 200


def test_lists_and_nul_characters_in_parameters(client, agent):
    first = new_complaint(agent, mobile="9800000001")
    second = new_complaint(
        agent,
        mobile="9800000002",
        category_id=Category.objects.get(code="POL-FIR").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW-PS-KOTWALI").pk,
    )

    def ids(*query: tuple[str, str]) -> set[str]:
        found = client.get(f"{BASE}/requests.json?" + urlencode(query)).json()
        return {r["service_request_id"] for r in found}

    both = {first.reference, second.reference}
    assert ids(("service_code", "REV-LAND,POL-FIR")) == both
    assert ids(("service_code", "REV-LAND"), ("service_code", "POL-FIR")) == both
    assert ids(("service_code", "POL-FIR")) == {second.reference}
    assert ids(("service_request_id", f"{first.reference},{second.reference}")) == both
    assert ids(("status", "open,closed")) == both
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    for path in ("requests.json?service_code=%00", "requests/%00.json", "tokens/%00.xml"):
        assert client.get(f"{BASE}/{path}").status_code == 400, path


def test_a_stock_georeport_client_works_unmodified(live_server, reseeded):
    """The `georeport` package (PyPI) reads as any GeoReport v2 client does: plain GETs with
    the spec's parameters and jurisdiction_id, JSON and XML. It cannot file, so filing is the
    spec's form-encoded POST with an api_key, made with `requests` as such a client would."""
    root = f"{live_server.url}{BASE}"
    plain = create_key("Stock client", Scope.READ_OWN)[1]
    posted = requests.post(
        f"{root}/requests.json",
        data={"api_key": plain, "jurisdiction_id": "up.gov.in", **filing()},
        headers={"Connection": "close"},  # else the server's thread holds a database session
    )
    assert posted.status_code == 201, posted.text
    ref = posted.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        stock = GeoReport(root, jurisdiction="up.gov.in", output_format=fmt)
        offered = stock.get_service_list()
        assert "REV-LAND" in {s["service_code"] for s in offered}
        definition = stock.get_service_definition("REV-LAND")
        assert "place_code" in str(definition["attributes"])
        listed = stock.get_service_requests(service_code="REV-LAND", status="open")
        listed = listed if isinstance(listed, list) else [listed]  # XML: one is no list
        assert ref in {r["service_request_id"] for r in listed}
        one = stock.get_service_request(ref)
        assert one["service_request_id"] == ref and one["status"] == "open"
        assert one["description"] in (None, {})  # public form: no key, no description
    with pytest.raises(requests.HTTPError) as refused:
        GeoReport(root, jurisdiction="elsewhere.example").get_service_list()
    assert refused.value.response.status_code == 404
