"""Issue 18 §1: the access matrix, generated. Every URL pattern of the URL conf and every API
operation is called as every role — a citizen with their own and with another's reference,
an agent, a supervisor, the officer of the post, an officer of another district, the accused
officer holding the post by additional charge, a monitoring officer (the DM), the desk, an
administrator, anonymous, an Open311 key — for an ordinary complaint and for one against the
accused. No answer may carry another's name or full mobile, no refused role may change a
complaint, and a role gets an answer exactly where EXPECTED says so.

A new URL or API operation without a line in EXPECTED fails the test: declare who may use it.
Each call runs in a savepoint rolled back afterwards, so one role's act never feeds the next.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from igrs.api.api import api
from igrs.core import cache, links
from igrs.core.accounts import create_token, grant_role
from igrs.core.roles import Role
from igrs.directory.models import Officer, Posting, Unit
from igrs.faces import session
from igrs.grievances import services
from igrs.grievances.models import Complaint
from igrs.monitoring.desk_views import ACTIONS as DESK_ACTIONS
from igrs.notifications.models import OutboxMessage
from igrs.officers.views import ACTIONS as OFFICER_ACTIONS
from igrs.open311 import services as open311
from igrs.open311.models import Scope
from igrs.ops import services as ops
from igrs.ops.jobs import all_jobs

from .conftest import DM, TEHSILDAR, new_complaint, post, real_jpeg, today

ROLES = (
    "anonymous",
    "citizen_own",
    "citizen_other",
    "agent",
    "supervisor",
    "officer_post",
    "officer_other",
    "accused",
    "monitor",
    "desk",
    "admin",
    "open311",
)
ANY = frozenset(ROLES)
CITIZENS = frozenset({"citizen_own", "citizen_other"})
AGENTS = frozenset({"agent", "supervisor"})
OFFICERS = frozenset({"officer_post", "officer_other", "accused", "monitor"})
STAFF = AGENTS | OFFICERS | {"desk", "admin"}
NOBODY: frozenset[str] = frozenset()

# Who may read each complaint (and so see its complainant's name). The ordinary one (C1) is
# at the Sadar Tehsildar's post, which the accused holds by additional charge; the other
# (C2) is against the accused and at the same post: he and the post's regular holder are
# conflicted for it (a post the accused holds is a post it is against).
READERS = {
    "C1": frozenset({"citizen_own", "agent", "supervisor", "officer_post", "accused", "monitor"})
    | {"desk", "admin"},
    "C2": frozenset({"agent", "supervisor", "monitor", "desk", "admin"}),
}
# Who may change each (a refused role must leave it as it was).
ACTORS = {
    "C1": frozenset({"citizen_own", "agent", "supervisor", "officer_post", "accused"})
    | {"desk", "admin"},
    "C2": frozenset({"agent", "supervisor", "desk", "admin"}),
}
# The one masking rule: the callers' roles see the full mobile, and the complainant.
FULL_MOBILE = AGENTS | {"citizen_own"}


@dataclass(frozen=True)
class Expect:
    """Who gets an answer (2xx, or a redirect that is not a refusal) to a GET; with `reads`
    the URL names a complaint and only its readers among them do. `post`: POSTed too. `full`:
    roles that may see the full mobile here (a reveal, the personal-data page). `answers`:
    for a POST that only reads (a search), who gets an answer to it — exactly them."""

    ok: frozenset[str]
    reads: bool = False
    post: bool = False
    full: frozenset[str] = NOBODY
    strict: bool = True  # the roles in `ok` must get an answer, not only the others none
    answers: frozenset[str] | None = None


def e(*roles, reads=False, post=False, full=(), strict=True, answers=None) -> Expect:
    return Expect(
        roles_of(roles),
        reads,
        post,
        frozenset(full),
        strict,
        None if answers is None else roles_of(answers),
    )


def roles_of(given) -> frozenset[str]:
    found: set[str] = set()
    for role in given:
        found |= {role} if isinstance(role, str) else set(role)
    return frozenset(found)


MONITORS = ("monitor", "desk", "admin")
EXPECTED: dict[str, Expect] = {
    "set_language": e(ANY, post=True),
    "login": e(ANY),
    "logout": e(post=True),
    "staff_home": e(STAFF),
    # The second sign-in step: any signed-in person (staff: citizens have no account); a
    # POST without a right code changes nothing.
    "second_factor": e(STAFF, post=True),
    # One's own password (a POST without the old password changes nothing).
    "password_change": e(STAFF, post=True),
    "password_change_done": e(STAFF),
    # For the load balancer, systemd and Prometheus: open, and nothing personal in them
    # (decision 0063: /metrics is restricted at the reverse proxy, not here).
    "ops:healthz": e(ANY),
    "ops:readyz": e(ANY),  # ready: build_world records each job's heartbeat
    "ops:metrics": e(ANY),
    "callcentre:inbound": e(AGENTS, post=True),
    "callcentre:live": e(AGENTS),
    "callcentre:complaint": e(AGENTS, reads=True),
    "callcentre:note": e(post=True),
    "callcentre:remind": e(post=True),
    "callcentre:attachment": e(AGENTS, reads=True),
    "callcentre:outbound": e(AGENTS),
    "callcentre:next_call": e(post=True),
    "callcentre:outcome": e(post=True),
    "callcentre:supervisor": e("supervisor"),
    "callcentre:audit": e("supervisor"),
    "callcentre:next_audit": e(post=True),
    "callcentre:audit_outcome": e(post=True),
    "open311:discovery": e(ANY),
    "open311:services": e(ANY),
    "open311:service": e(ANY),
    "open311:requests": e(ANY, post=True),
    "open311:request": e(ANY),  # the public form: nothing personal (test_open311)
    "open311:token": e(),
    "open311:updates": e(ANY),
    "monitoring:home": e(MONITORS),
    "monitoring:unit": e(MONITORS),
    "monitoring:defaulters": e(MONITORS),
    "monitoring:quality": e(MONITORS),
    "monitoring:ranking": e(MONITORS),
    "monitoring:report": e(MONITORS),
    "monitoring:lost_marks": e(MONITORS, strict=False),  # 404 without a ranked unit
    "monitoring:post": e(MONITORS),
    "monitoring:clusters": e(MONITORS),
    "monitoring:complaint": e(MONITORS, reads=True),
    "monitoring:attachment": e(MONITORS, reads=True),
    "monitoring:desk": e("desk", "admin"),
    "monitoring:desk_complaint": e("desk", "admin", reads=True),
    "monitoring:desk_act": e(post=True),
    "sms:ops": e("admin"),
    "sms:release": e(post=True),
    "sms:send_again": e(post=True),
    "intelligence:category": e(post=True),
    "notifications:dlr": e(),
    "officers:link": e(ANY, post=True),
    "officers:inbox": e(OFFICERS),
    "officers:complaint": e(OFFICERS, reads=True),
    "officers:attachment": e(OFFICERS, reads=True),
    "officers:reveal": e(post=True, full={"officer_post", "accused"}),
    "officers:act": e(post=True),
    "privacy:staff": e("desk", "admin", reads=True, post=True, full={"desk", "admin"}),
    "privacy:views": e("supervisor", "admin"),
    "privacy:mine": e(CITIZENS),
    "privacy:download": e(CITIZENS),
    "portal:home": e(ANY),
    "portal:privacy": e(ANY),
    "portal:verify_mobile": e(ANY, post=True),
    "portal:verify_code": e(post=True),  # only after a code was sent
    "portal:sign_out": e(post=True),
    "portal:file": e(CITIZENS, post=True),
    "portal:places": e(ANY),
    "portal:filed": e(CITIZENS, reads=True),  # the complainant's, after filing
    "portal:track": e(ANY, post=True),
    "portal:mine": e(CITIZENS),
    "portal:complaint": e(CITIZENS, reads=True),
    "portal:feedback": e(post=True),
    "portal:remind": e(post=True),
    "portal:attachment": e(CITIZENS, reads=True),
}
# The Django admin: administrators only, who see the records as stored (opening a complaint
# there is logged: tests/test_security_findings.py); its login page answers anyone. Not
# strict: many of its pages refuse even an administrator (no adding of complaints, no
# deleting).
ADMIN_SITE = e("admin", full={"admin"}, strict=False)
ADMIN_PUBLIC = {"admin:login": e(ANY), "admin:logout": e(ANY, strict=False)}
# One decorator (AdminSite.admin_view) guards every admin page: each is called by one of
# each kind of identity that must be refused; the administrators' own pages are the slow
# part and have nothing to refuse them.
ADMIN_SITE_CALLERS = ("anonymous", "citizen_own", "agent", "officer_post", "desk", "open311")
# Calls that end the session: the client signs in again after them.
SIGNS_OUT = {"logout", "admin:logout", "portal:sign_out"}
# API operations as "METHOD path": the roles a token may carry get an answer.
TOKENS = AGENTS | OFFICERS | {"desk", "admin"}
COMPLAINT_READERS = ("agent", "desk", "admin", *OFFICERS)
API_EXPECTED: dict[str, Expect] = {
    "GET /api/v1/": e(),
    "GET /api/v1/openapi.json": e(ANY),
    "GET /api/v1/docs": e(ANY),
    "POST /api/v1/complaints": e(post=True),
    # Before filing: those who file (agents, the desk, administrators) search open complaints.
    "POST /api/v1/complaints/similar": e(post=True, answers=("agent", "desk", "admin")),
    "GET /api/v1/complaints": e("agent", "desk", "admin"),
    "GET /api/v1/complaints/{ref}": e(COMPLAINT_READERS, reads=True),
    "POST /api/v1/complaints/{ref}/forward": e(post=True),
    "POST /api/v1/complaints/{ref}/forward-down": e(post=True),
    "POST /api/v1/complaints/{ref}/return": e(post=True),
    "POST /api/v1/complaints/{ref}/atr": e(post=True),
    "POST /api/v1/complaints/{ref}/special-closure": e(post=True),
    "POST /api/v1/complaints/{ref}/special-closure/decision": e(post=True),
    "POST /api/v1/complaints/{ref}/verification": e(post=True),
    "POST /api/v1/complaints/{ref}/call-back": e(post=True),
    "POST /api/v1/complaints/{ref}/reopen": e(post=True),
    "POST /api/v1/complaints/{ref}/reminders": e(post=True),
    "POST /api/v1/complaints/{ref}/mobile": e(
        post=True, full={"desk", "admin", "officer_post", "accused"}
    ),
    "POST /api/v1/complaints/{ref}/notes": e(post=True),
    "POST /api/v1/verification/next": e(post=True),
    "POST /api/v1/cti/events": e(post=True),
    "GET /api/v1/queues/desk": e("desk", "admin"),
    "GET /api/v1/queues/inbox": e(OFFICERS),
    "GET /api/v1/queues/verification": e("agent", "admin"),
    "GET /api/v1/departments": e(TOKENS),
    "GET /api/v1/categories": e(TOKENS),
    "GET /api/v1/places": e(TOKENS),
    "GET /api/v1/posts": e(TOKENS),
    "POST /api/v1/suggestions/category": e(post=True),
    "POST /api/v1/suggestions/category/choice": e(post=True),
}


# ---------------------------------------------------------------- the world


M1, M2, M3 = "9876500001", "9876500002", "9876500003"
N1, N2 = "Bhagirath Ramkhilavan", "Chandrakala Devsharan"


def officer_with_login(code: str, name: str) -> Officer:
    officer = Officer.objects.filter(postings__post__code=code).first()
    officer.user = User.objects.create_user(name)
    officer.save()
    return officer


def staff(name: str, *roles: str) -> User:
    user = User.objects.create_user(name)
    for role in roles:
        grant_role(user, role)
    return user


@dataclass
class World:
    complaints: dict[str, Complaint]
    users: dict[str, User]
    officers: dict[str, Officer]
    key: str
    values: dict[str, object]
    headers: dict[str, dict] = field(default_factory=dict)  # each role's API token, once


def build_world(agent) -> World:
    officers = {
        "officer_post": officer_with_login(TEHSILDAR, "o-post"),
        "officer_other": officer_with_login("REV-L1-UP-AGRA-T-SADAR", "o-agra"),
        "accused": officer_with_login("REV-L1-UP-LUCKNOW-T-PURVA", "o-accused"),
        "monitor": officer_with_login(DM, "o-dm"),
    }
    photo = [services.Upload("photo.jpg", real_jpeg())]
    c1 = new_complaint(agent, mobile=M1, complainant_name=N1, uploads=photo)
    c2 = new_complaint(
        agent,
        mobile=M2,
        complainant_name=N2,
        uploads=photo,
        against_officer_id=officers["accused"].pk,
    )
    services.cluster_new()  # the worker places C2 in C1's cluster (the same problem)
    # The additional charge, written around the signals: were the move to miss it, the
    # read and act rules must still hold.
    Posting.objects.bulk_create(
        [
            Posting(
                officer=officers["accused"],
                post=post(TEHSILDAR),
                start=today(),
                additional_charge=True,
            )
        ]
    )
    for job in all_jobs():  # the worker runs: /readyz answers
        ops.record_run(job.name, "matrix:1", job.every, 0.01, None)
    cache.clear()
    admin = User.objects.create_superuser("root", password="x")
    users = {
        "agent": staff("m-agent", Role.AGENT),
        "supervisor": staff("m-sup", Role.AGENT, Role.SUPERVISOR),
        "desk": staff("m-desk", Role.DESK),
        "admin": admin,
        **{role: officer.user for role, officer in officers.items()},
    }
    _key, plain = open311.create_key("matrix", Scope.READ_ALL)
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    link = links.officer_link(c1.pk, officers["officer_post"].pk)
    values = {
        "fmt": "json",
        "code": "REV-LAND",
        "unit_id": lucknow.pk,
        "district_id": lucknow.pk,
        "post_id": post(TEHSILDAR).pk,
        "message_id": OutboxMessage.objects.order_by("pk").first().pk,
        "signature": "x",
        "audit_id": 1,
        "token": link.rsplit("/", 1)[1],
        "object_id": c1.pk,
        "app_label": "grievances",
        "content_type_id": 1,
        "url": "nothing-here",
        "id": 1,
        "pk": 1,  # an authenticator (django_otp's admin pages): the first signed-in's
    }
    return World({"C1": c1, "C2": c2}, users, officers, plain, values)


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role in world.users:
        client.force_login(world.users[role])
    if role in CITIZENS:
        mobile = "+91" + {"citizen_own": M1, "citizen_other": M3}[role]
        stored = client.session
        stored[session.VERIFIED] = mobile
        stored[session.VERIFIED_UNTIL] = (
            dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        ).isoformat()
        stored.save()
    return client


def api_headers(role: str, world: World) -> dict:
    if role not in TOKENS:
        return {}
    token_role = Role.SUPERVISOR if role == "supervisor" else Role.OFFICER
    token_role = {"agent": Role.AGENT, "desk": Role.DESK, "admin": Role.ADMIN}.get(role, token_role)
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(world.users[role], token_role)}"}


# ---------------------------------------------------------------- the URL conf


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(name, route) of every pattern, the API's included."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or ""), prefix + str(pattern.pattern)


def api_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]


def concrete(route: str, values: dict) -> str:
    """The route with a value for each parameter (a regex route's groups included)."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    route = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


def expectation(name: str) -> Expect | None:
    if name.startswith("admin:"):
        return ADMIN_PUBLIC.get(name, ADMIN_SITE)
    return EXPECTED.get(name)


def undeclared() -> list[str]:
    """URL names without a line in EXPECTED and API operations without one in API_EXPECTED."""
    names = {name for name, _route in url_patterns() if not name.startswith("api:")}
    operations = {f"{method} {path}" for method, path in api_operations()}
    return sorted(
        {name for name in names if expectation(name) is None} | operations - set(API_EXPECTED)
    )


# ---------------------------------------------------------------- the calls


@dataclass(frozen=True)
class Call:
    label: str
    method: str
    url: str
    expect: Expect
    complaint: str | None  # "C1", "C2", or None when the URL names no complaint
    api: bool = False


def planned_calls(world: World):
    for name, route in url_patterns():
        if name.startswith("api:"):
            continue
        expect = expectation(name)
        for complaint, url in _urls(route, world):
            for method in ("GET", "POST") if expect.post else ("GET",):
                if name.startswith("admin:") and method == "POST":
                    continue
                yield Call(f"{name} {complaint or ''}", method, url, expect, complaint)
    for method, path in api_operations():
        expect = API_EXPECTED[f"{method} {path}"]
        for complaint, url in _urls(path.lstrip("/"), world):
            yield Call(f"{method} {path} {complaint or ''}", method, url, expect, complaint, True)


def _urls(route: str, world: World):
    """The concrete URLs of a route: one per complaint if it names one, one per action."""
    verbs = [""]
    if "<str:action>" in route:
        verbs = list(DESK_ACTIONS if route.startswith("monitoring/") else OFFICER_ACTIONS)
    named = "<str:ref>" in route or "{ref}" in route
    for key in ("C1", "C2") if named else (None,):
        complaint = world.complaints[key] if key else world.complaints["C1"]
        attachment = complaint.events.get(action="register").attachments.first()
        for verb in verbs:
            values = world.values | {
                "ref": complaint.reference,
                "attachment_id": attachment.pk,
                "action": verb,
            }
            yield key, concrete(route, values)


FORM = {
    "disposal": "resolved",
    "report": "स्थल पर जाकर जाँच की गई और कब्ज़ा हटवा दिया गया।",
    "reason": "यह शिकायत इस पद की नहीं है, कृपया देखें।",
    "note": "शिकायतकर्ता से बात हो गई है।",
    "reply": "जाँच चल रही है, एक सप्ताह में पूरी होगी।",
    "remarks": "ठीक से जाँच नहीं हुई।",
    "grade": "A",
    "ground": "sub_judice",
    "approve": "true",
    "outcome": "satisfied",
    "action": "correct",
    "language": "en",
    "next": "/",
}


def body_for(call: Call, world: World) -> dict:
    complaint = world.complaints[call.complaint or "C1"]
    fields = {
        **FORM,
        "version": complaint.version,
        "to_post_id": post("REV-L2-UP-LUCKNOW").pk,
        "post_id": post(TEHSILDAR).pk,
        "reference": complaint.reference,
        "mobile": M3,
        "complainant_name": "Matrix Filer",
        "description": "सड़क पर बहुत दिनों से पानी भरा है, निकासी नहीं है।",
        "source": "helpline",
        "category_id": complaint.category_id,
        "place_id": complaint.place_id,
        "service_code": "REV-LAND",
        "first_name": "Matrix",
        "phone": M3,
    }
    return fields


QUERIES = {"GET /api/v1/complaints": {"mobile": M1}}  # required query parameters


def perform(call: Call, role: str, client: Client, world: World):
    data = body_for(call, world) if call.method == "POST" else {}
    if role == "open311" and call.url.startswith("/open311/"):
        data["api_key"] = world.key
    if call.api:
        headers = world.headers[role]
        if call.method == "GET":
            return client.get(call.url, QUERIES.get(call.label.rsplit(" ", 1)[0], {}), **headers)
        return client.post(call.url, json.dumps(data), "application/json", **headers)
    if call.method == "GET":
        return client.get(call.url, data)
    return client.post(call.url, data)


# Sent to sign in, or (a staff session without its second factor) to give the TOTP code.
REFUSING_REDIRECTS = ("/accounts/login/", "/accounts/second-factor/", "/admin/login/", "/verify/")


def answered(response) -> bool:
    if 200 <= response.status_code < 300:
        return True
    location = response.get("Location", "")
    return 300 <= response.status_code < 400 and not location.startswith(REFUSING_REDIRECTS)


def may_see_full(role: str, key: str, call: Call) -> bool:
    if role in AGENTS or (role == "citizen_own" and key == "C1"):
        return True
    if role not in call.expect.full:
        return False
    return call.complaint is None or (key == call.complaint and role in READERS[key])


def leaks(response, role: str, call: Call, world: World, seen: set) -> list[str]:
    if response.streaming:
        return []  # a stored photo: no names or numbers in it
    text = response.content.decode(errors="replace")
    found = []
    for key, complaint in world.complaints.items():
        seen |= {(key, what) for what in ("name", "mobile") if _shows(text, complaint, what)}
        if _shows(text, complaint, "name") and role not in READERS[key]:
            found.append(f"name of {key}")
        if _shows(text, complaint, "mobile") and not may_see_full(role, key, call):
            found.append(f"full mobile of {key}")
    return found


def _shows(text: str, complaint: Complaint, what: str) -> bool:
    return (complaint.complainant_name if what == "name" else complaint.mobile[-10:]) in text


def state_reader(world: World):
    """What an act would change, of both complaints, in one query: compiled once, as it runs
    after each of the thousands of calls."""
    rows = Complaint.objects.filter(pk__in=[c.pk for c in world.complaints.values()])
    sql, params = (
        rows.annotate(steps=Count("events"))
        .values_list(
            "pk", "version", "status", "current_post_id", "mobile", "complainant_name", "steps"
        )
        .query.sql_with_params()
    )

    def state() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = {row[0]: row[1:] for row in cursor.fetchall()}
        return {key: found[c.pk] for key, c in world.complaints.items()}

    return state


def judge(
    call: Call, role: str, response, changed: list[str], world: World, seen: set
) -> list[str]:
    problems = [f"leaks {what}" for what in leaks(response, role, call, world, seen)]
    problems += [f"changed {key}" for key in changed if role not in ACTORS[key]]
    if call.method == "POST" and call.expect.answers is not None:
        if role in call.expect.answers and not answered(response):
            problems.append(f"refused ({response.status_code}) but declared allowed")
        if role not in call.expect.answers and answered(response):
            problems.append(f"answered ({response.status_code}) but not declared allowed")
    if call.method == "GET":
        problems += [f"GET changed {key}" for key in changed]
        allowed = call.expect.ok & (READERS[call.complaint] if call.expect.reads else ANY)
        if call.expect.strict and role in allowed and not answered(response):
            problems.append(f"refused ({response.status_code}) but declared allowed")
        if role not in allowed and answered(response):
            problems.append(f"answered ({response.status_code}) but not declared allowed")
    return [f"{call.method} {call.url} [{call.label}] as {role}: {p}" for p in problems]


# ---------------------------------------------------------------- the tests


def test_every_url_and_api_operation_declares_who_may_use_it():
    missing = undeclared()
    assert not missing, f"declare these in EXPECTED / API_EXPECTED: {missing}"
    api_paths = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        for name, route in url_patterns()
        if name.startswith("api:")
    }
    declared = {key.split(" ", 1)[1] for key in API_EXPECTED}
    assert api_paths <= declared, f"API routes outside the operations: {api_paths - declared}"


def test_no_role_reads_or_changes_what_it_may_not(agent):
    missing = undeclared()
    assert not missing, f"declare who may use these before the matrix can call them: {missing}"
    world = build_world(agent)
    clients = {role: client_for(role, world) for role in ROLES}
    world.headers.update({role: api_headers(role, world) for role in ROLES})
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()  # what the answers showed at all: the check has teeth
    calls = list(planned_calls(world))
    state = state_reader(world)
    initial = state()  # each call is rolled back: every one starts from here
    for call in calls:
        for role in ROLES:
            if call.label.startswith("admin:") and role not in ADMIN_SITE_CALLERS:
                continue
            # The admin site's pages only read (its forms are not posted): no state to compare.
            watch = not call.label.startswith("admin:")
            with transaction.atomic():
                response = perform(call, role, clients[role], world)
                after = state() if watch else initial
                transaction.set_rollback(True)
            changed = [key for key in initial if initial[key] != after[key]]
            problems += judge(call, role, response, changed, world, seen)
            if call.label.split()[0] in SIGNS_OUT:
                clients[role] = client_for(role, world)
    assert len(calls) > 250  # every pattern, with a complaint of each kind where one is named
    assert seen == {(key, what) for key in READERS for what in ("name", "mobile")}
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:200])


def test_a_cluster_shows_and_reports_only_the_members_the_officer_may_act_on(agent):
    """C1 and C2 are one mass grievance (the same problem at the same place), both waiting on
    the Sadar Tehsildar's post. Its holder and the accused may not read C2: C1's page must
    not name it, and a report for the whole cluster must reach C1 alone."""
    world = build_world(agent)
    c1, c2 = (Complaint.objects.get(pk=world.complaints[key].pk) for key in ("C1", "C2"))
    assert c1.cluster_id == c2.cluster_id == c1.pk
    page = f"/officer/complaints/{c1.reference}/"
    assert c2.reference in client_for("monitor", world).get(page).content.decode()
    for role in ("officer_post", "accused"):
        assert c2.reference not in client_for(role, world).get(page).content.decode()
    report = {
        "disposal": "cannot_resolve",
        "report": FORM["report"],
        "version": c1.version,
        "whole_cluster": "1",
    }
    answer = client_for("officer_post", world).post(f"{page}atr/", report)
    assert answer.status_code == 302, answer.status_code
    c1.refresh_from_db()
    assert c1.status != "assigned"
    assert state_reader(world)()["C2"] == (
        c2.version,
        c2.status,
        c2.current_post_id,
        c2.mobile,
        c2.complainant_name,
        c2.events.count(),
    )
