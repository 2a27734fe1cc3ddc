"""Demo logins: one per role, password "demo", with fresh API tokens. Only `igrs demo` and
`igrs seed --demo-accounts` call this; a real deployment creates its own accounts."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from igrs.core.accounts import create_token, get_or_create_user, grant_role
from igrs.core.roles import Role
from igrs.directory.models import Officer, Post

DEMO_PASSWORD = "demo"
DEMO_KEY_FILE = "demo-secret-key"


def demo_secret_key() -> str:
    """The demo's own secret key, random and kept under the var directory, so its server and
    worker start with debug off (they refuse the built-in demo key) and sessions survive a
    restart of the demo."""
    path = settings.VAR_DIR / DEMO_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


# Officers of Lucknow's revenue line: tehsildar (L1), DM (L2), principal secretary (L3).
OFFICER_LOGINS = (
    ("tehsildar", "REV-L1-UP-LUCKNOW-T-SADAR"),
    ("dm", "REV-L2-UP-LUCKNOW"),
    ("ps", "REV-L3"),
)


@dataclass(frozen=True)
class Login:
    username: str
    who: str  # the role, or the officer's post
    opens: str  # the page to start from


def logins() -> list[Login]:
    """The demo logins to try, each with the page its role works on."""
    staff = [
        Login("admin", str(Role.ADMIN.label), "/admin/"),
        Login("desk", str(Role.DESK.label), "/monitoring/"),
        Login("agent", str(Role.AGENT.label), "/callcentre/"),
        Login("supervisor", str(Role.SUPERVISOR.label), "/callcentre/supervisor/"),
    ]
    posts = {
        p.code: p
        for p in Post.objects.select_related("unit").filter(
            code__in=[code for _username, code in OFFICER_LOGINS]
        )
    }
    officers = [
        Login(username, posts[code].title, "/officer/")
        for username, code in OFFICER_LOGINS
        if code in posts
    ]
    return staff + officers


@transaction.atomic
def seed_demo_accounts() -> list[tuple[str, str, str]]:
    admin = get_or_create_user("admin", DEMO_PASSWORD, is_staff=True, is_superuser=True)
    desk = get_or_create_user("desk", DEMO_PASSWORD)
    agent = get_or_create_user("agent", DEMO_PASSWORD)
    supervisor = get_or_create_user("supervisor", DEMO_PASSWORD)
    telephony = get_or_create_user("acd")  # the ACD's machine account: no password
    grant_role(desk, Role.DESK)
    grant_role(agent, Role.AGENT)
    grant_role(supervisor, Role.AGENT)
    grant_role(supervisor, Role.SUPERVISOR)
    grant_role(telephony, Role.TELEPHONY)
    issued = [
        ("admin", "admin", create_token(admin, Role.ADMIN, "demo")),
        ("desk", "desk", create_token(desk, Role.DESK, "demo")),
        ("agent", "agent", create_token(agent, Role.AGENT, "demo")),
        ("supervisor", "agent", create_token(supervisor, Role.AGENT, "demo")),
        ("acd", "telephony", create_token(telephony, Role.TELEPHONY, "demo")),
    ]
    for username, code in OFFICER_LOGINS:
        post = Post.objects.filter(code=code).first()
        officer = Officer.objects.filter(postings__post=post, postings__end__isnull=True).first()
        if officer is None:
            continue
        user = get_or_create_user(username, DEMO_PASSWORD)
        if officer.user_id is None:
            officer.user = user
            officer.save(update_fields=["user"])
        issued.append((username, "officer", create_token(user, Role.OFFICER, "demo")))
    return issued
