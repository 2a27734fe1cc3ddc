"""Issue 18 §4, input: control characters refused with a clear 4xx on every face, invisible
bidi and zero-width characters removed, uploads bounded before anything decodes them, the
Idempotency-Key bound to its body, OTP budgets a stranger cannot turn against the owner."""

import datetime as dt
import http.server
import io
import ipaddress
import re
import socket
import struct
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image
from standardwebhooks import Webhook, WebhookVerificationError

from igrs.core import clock
from igrs.core.accounts import create_token
from igrs.core.errors import Invalid
from igrs.core.text import clean, nfc
from igrs.grievances import services
from igrs.grievances.models import Attachment, Complaint
from igrs.grievances.services import uploads
from igrs.notifications.models import OutboxMessage
from igrs.open311 import webhooks
from igrs.open311.models import IntegrationKey, Scope, WebhookDelivery
from igrs.open311.services import create_key

from .conftest import LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor, real_png
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


# ---------------------------------------------------------------- uploads


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header of a few bytes that claims width × height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00" * 2000
    )


def jpeg_claiming(*frames: tuple[int, int]) -> bytes:
    """A JPEG whose frame headers (SOF0) claim these sizes, before any scan data."""
    out = (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    )
    for width, height in frames:
        out += b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return out + b"\xff\xd9"


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0132] = "2026:11:20 10:30:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (26.0, 50.0, 0.0), 3: "E", 4: (80.0, 56.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def register_with(agent, *uploads):
    return new_complaint(
        agent, uploads=[services.Upload(name, content) for name, content in uploads]
    )


@pytest.mark.parametrize(
    "content",
    [
        png_claiming(20000, 20000),  # 400 MP: Pillow's own check raises, and used to be missed
        png_claiming(14000, 14000),  # 196 MP, just above Pillow's ~179 MP error threshold
        png_claiming(9000, 6000),  # 54 MP: under Pillow's thresholds, over ours
        jpeg_claiming((20000, 20000)),
        jpeg_claiming((40, 30), (30000, 30000)),  # a small frame first, then the bomb
    ],
)
def test_decompression_bombs_are_refused_from_the_header(agent, content):
    assert len(content) < 5000
    with pytest.raises(Invalid) as refused:
        register_with(agent, ("bomb.png", content))
    assert "files" in refused.value.fields
    assert not Complaint.objects.exists()


def test_a_photo_whose_size_cannot_be_read_is_refused(agent):
    with pytest.raises(Invalid):
        register_with(agent, ("cut.jpg", b"\xff\xd8\xff\xe0\x00"))


def test_files_are_stored_under_a_name_and_extension_the_server_chose(agent):
    complaint = register_with(agent, ("../../page.html", real_png()), ("x.exe", b"%PDF-1.4\n%"))
    stored = [a.file.name for a in Attachment.objects.filter(event__complaint=complaint)]
    assert sorted(Path(name).suffix for name in stored) == [".pdf", ".png"]
    assert all(name.startswith("evidence/") and "page" not in name for name in stored)


def test_the_complainants_copy_without_metadata_is_made_once_at_upload(agent, client):
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    complaint = register_with(agent, ("khet.jpg", original))
    attachment = Attachment.objects.get(event__complaint=complaint)
    with attachment.public_file.open("rb") as stored:
        public = stored.read()
    clean_copy = Image.open(io.BytesIO(public))
    assert clean_copy.size == (40, 30) and not clean_copy.getexif()
    with attachment.file.open("rb") as stored:
        assert stored.read() == original  # the evidence itself keeps its facts
    # The portal hands out that stored copy, as it is.
    session = client.session
    session["tracked"] = {complaint.reference: [complaint.mobile, "2999-01-01T00:00:00+00:00"]}
    session.save()
    download = client.get(f"/track/{complaint.reference}/files/{attachment.pk}/")
    assert b"".join(download.streaming_content) == public


def test_a_complaint_holds_a_bounded_number_of_files(agent, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_COMPLAINT_ATTACHMENTS", 3)
    complaint = register_with(agent, *[(f"{n}.png", real_png()) for n in range(3)])
    with pytest.raises(Invalid) as refused:
        services.submit_atr(
            officer_actor(TEHSILDAR),
            complaint.reference,
            disposal="resolved",
            report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
            attachments=[services.Upload("more.png", real_png())],
        )
    assert "attachments" in refused.value.fields
    assert Attachment.objects.count() == 3


# ---------------------------------------------------------------- Idempotency-Key


def test_the_same_idempotency_key_with_another_body_is_422(agent_api):
    agent_api.client.defaults["HTTP_IDEMPOTENCY_KEY"] = "6f1c2a8e-0d3b-4c55-9a77-1e2f3a4b5c6d"
    first = agent_api.post("/complaints", registration())
    again = agent_api.post("/complaints", registration())
    other = agent_api.post("/complaints", registration(description="बिजली का खंभा गिर गया है।"))
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 422)
    assert other.json()["code"] == "idempotency_key_reused"
    assert first.json()["reference"] in other.json()["message"]
    assert Complaint.objects.count() == 1


# ---------------------------------------------------------------- OTP

OWNER = "9812345678"
OWNER_IP, STRANGER_IP = "203.0.113.7", "198.51.100.9"


def last_code() -> str:
    body = OutboxMessage.objects.filter(key="otp_citizen").latest("pk").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def ask_code(client, ip: str, mobile: str = OWNER):
    return client.post("/verify/", {"mobile": mobile}, REMOTE_ADDR=ip)


def enter_code(client, code: str, ip: str):
    return client.post("/verify/code/", {"code": code, "next": "/mine/"}, REMOTE_ADDR=ip)


def test_a_strangers_wrong_codes_do_not_kill_the_owners_code(client, db, settings):
    settings.IGRS_OTP_MAX_ATTEMPTS = 3
    assert ask_code(client, OWNER_IP).status_code == 302
    owners = last_code()
    stranger = type(client)()
    assert ask_code(stranger, STRANGER_IP).status_code == 302
    wrong = "000000" if owners != "000000" else "111111"
    for _ in range(settings.IGRS_OTP_MAX_ATTEMPTS + 1):
        assert enter_code(stranger, wrong, STRANGER_IP).status_code == 200
    assert enter_code(stranger, owners, STRANGER_IP).status_code == 200  # not theirs to use
    assert enter_code(client, owners, OWNER_IP)["Location"] == "/mine/"


def test_a_stranger_cannot_spend_the_owners_hourly_or_daily_codes(client, db):
    stranger = type(client)()
    sent = 0
    for _ in range(20):  # as fast as they can, then every hour for a day
        sent += ask_code(stranger, STRANGER_IP).status_code == 302
    for _ in range(24):
        clock.advance(dt.timedelta(hours=1))
        sent += ask_code(stranger, STRANGER_IP).status_code == 302
    assert sent <= 4 + 2  # the budget of one mobile from one address, a day (+ the next day's)
    assert ask_code(client, OWNER_IP).status_code == 302
    assert enter_code(client, last_code(), OWNER_IP)["Location"] == "/mine/"


def test_a_phone_gets_a_bounded_number_of_codes_a_day(client, db):
    sent = 0
    for hour in range(24):
        for source in range(5):
            sent += ask_code(type(client)(), f"198.51.{hour}.{source}").status_code == 302
        clock.advance(dt.timedelta(hours=1))
    assert sent == 10  # IGRS_OTP_PER_MOBILE_PER_DAY, from however many addresses
    assert OutboxMessage.objects.filter(key="otp_citizen").count() == 10


def test_one_address_gets_a_bounded_number_of_codes_a_day(client, db, settings):
    settings.IGRS_OTP_PER_IP_PER_DAY = 30
    sent = 0
    for hour in range(24):
        for n in range(5):
            sent += (
                ask_code(client, STRANGER_IP, mobile=f"98{hour:02d}0000{n:02d}").status_code == 302
            )
        clock.advance(dt.timedelta(hours=1))
    assert sent == 30


# ---------------------------------------------------------------- webhooks


class Hook(http.server.BaseHTTPRequestHandler):
    """A real HTTP endpoint: records what each server (by its address) was sent."""

    received: dict[str, list[tuple[dict, bytes]]] = {}

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        address = self.server.server_address[0]
        headers = {name.lower(): value for name, value in self.headers.items()}
        Hook.received.setdefault(address, []).append((headers, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hooks():
    """A receiver on 127.0.0.1 and, on the same port, an 'internal service' on 127.0.0.2."""
    Hook.received = {}
    receiver = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    internal = http.server.HTTPServer(("127.0.0.2", receiver.server_port), Hook)
    for server in (receiver, internal):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield receiver.server_port
    for server in (receiver, internal):
        server.shutdown()
        server.server_close()


def rebinding_resolver(monkeypatch, *answers: str) -> list[str]:
    """hooks.example resolves to each answer in turn, round and round, as a hostile DNS
    server with a zero TTL would; every other name as usual."""
    real, asked = socket.getaddrinfo, []

    def resolve(host, port, *args, **kwargs):
        if host != "hooks.example":
            return real(host, port, *args, **kwargs)
        answer = answers[len(asked) % len(answers)]
        asked.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


def file_through_open311(client, url: str) -> IntegrationKey:
    key, plain = create_key("Jan Seva app", Scope.READ_OWN, webhook_url=url)
    filed = client.post(f"{OPEN311}/requests.json", {"api_key": plain, **open311_filing()})
    assert filed.status_code == 201
    return key


def test_webhooks_verify_with_a_stock_standard_webhooks_verifier(client, db, hooks, settings):
    settings.IGRS_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    key = file_through_open311(client, f"http://127.0.0.1:{hooks}/hook")
    assert key.webhook_secret.startswith("whsec_")
    webhooks.queue_deliveries()
    assert webhooks.deliver_due() == 2
    verifier = Webhook(key.webhook_secret)
    received = Hook.received["127.0.0.1"]
    assert len(received) == 2
    for headers, body in received:
        payload = verifier.verify(body, headers)
        assert payload["service_request_id"] == Complaint.objects.get().reference
        with pytest.raises(WebhookVerificationError):
            verifier.verify(body.replace(b"open", b"shut"), headers)
    assert len({headers["webhook-id"] for headers, _body in received}) == 2


def test_a_webhook_goes_to_the_address_that_was_vetted(client, db, hooks, settings, monkeypatch):
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = False
    settings.IGRS_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    # Vetted as the allowed 127.0.0.1; asked again, the name would say 127.0.0.2.
    asked = rebinding_resolver(monkeypatch, "127.0.0.1", "127.0.0.2")
    file_through_open311(client, f"http://hooks.example:{hooks}/hook")
    webhooks.queue_deliveries()
    assert webhooks.deliver_due() == 2
    assert "127.0.0.2" not in Hook.received  # never where nobody looked
    assert asked == ["127.0.0.1", "127.0.0.2"]  # once per delivery: the answer vetted is used
    # The first went to the vetted address; the second was vetted as 127.0.0.2 and refused.
    assert len(Hook.received["127.0.0.1"]) == 1
    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == [
        "delivered",
        "pending",
    ]


def test_a_name_that_resolves_to_a_refused_address_is_never_called(
    client, db, hooks, settings, monkeypatch
):
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = False
    settings.IGRS_WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    rebinding_resolver(monkeypatch, "127.0.0.2")
    file_through_open311(client, f"http://hooks.example:{hooks}/hook")
    webhooks.queue_deliveries()
    webhooks.deliver_due()
    assert Hook.received == {}
    assert all("non-public" in d.last_error for d in WebhookDelivery.objects.all())


def test_an_ipv4_mapped_loopback_is_not_public(settings):
    settings.IGRS_WEBHOOK_PRIVATE_NETWORKS = False
    assert webhooks.refused_address("http://[::ffff:127.0.0.1]/hook")
