"""Shared fixtures. The seeded Uttar Pradesh master data is created once per test database;
tests that need real transactions (threads, processes) run last because they flush it."""

import datetime as dt
import io
import os
import secrets
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from igrs.core import cache, clock
from igrs.core.roles import Role
from igrs.directory.models import Category, Officer, Post, Unit
from igrs.directory.seed import seed_directory
from igrs.grievances import services
from igrs.grievances.actors import Actor
from igrs.monitoring.models import RankingFormula
from igrs.notifications.services import seed_templates

# The servers and workers the tests start refuse the built-in demo key, as in production:
# those in child processes read it from here, the worker run in this one from the settings.
os.environ.setdefault("IGRS_SECRET_KEY", secrets.token_urlsafe(50))
settings.SECRET_KEY = os.environ["IGRS_SECRET_KEY"]

LUCKNOW_SADAR = "UP-LUCKNOW-T-SADAR"
TEHSILDAR = "REV-L1-UP-LUCKNOW-T-SADAR"
DM = "REV-L2-UP-LUCKNOW"
PS_REVENUE = "REV-L3"


def seed_all() -> None:
    seed_directory()
    seed_templates()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_all()


def pytest_collection_modifyitems(items):
    """Transactional tests flush the database, seed included: run them after the rest."""
    items.sort(key=lambda item: "transactional_db" in getattr(item, "fixturenames", ()))


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")


@pytest.fixture(autouse=True)
def force_login_gives_the_second_factor(monkeypatch):
    """`client.force_login` stands for the whole sign-in, second factor included: the session
    is marked verified by a real enrolled authenticator, as the second step would mark it
    (tests/test_security_deploy.py signs in step by step)."""
    plain = Client.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "test"}
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def fresh_process_state():
    """Each test starts in Hindi with an empty memo and the real clock."""
    translation.activate("hi")
    cache.clear()
    clock.reset()
    yield
    cache.clear()
    clock.reset()


@pytest.fixture
def reseeded(transactional_db):
    """For transactional tests: the flush removed the seed, so put it back."""
    cache.clear()
    if not Unit.objects.exists():
        seed_all()
    if not RankingFormula.objects.exists():  # published by a migration, flushed with the rest
        import_module("igrs.monitoring.migrations.0003_ranking_formula").publish_first_formula(
            apps, None
        )
        import_module(
            "igrs.monitoring.migrations.0008_ranking_formula_v2_flags"
        ).publish_second_formula(apps, None)


@pytest.fixture
def agent(db) -> Actor:
    user = User.objects.create_user("agent-1")
    return Actor(Role.AGENT, user_id=user.pk)


@pytest.fixture
def desk(db) -> Actor:
    user = User.objects.create_user("desk-1")
    return Actor(Role.DESK, user_id=user.pk)


def officer_actor(post_code: str) -> Actor:
    officer = Officer.objects.filter(postings__post__code=post_code).first()
    return Actor(Role.OFFICER, officer_id=officer.pk)


def post(code: str) -> Post:
    return Post.objects.get(code=code)


def new_complaint(actor: Actor, **overrides):
    fields = {
        "source": "helpline",
        "complainant_name": "राम प्रसाद",
        "mobile": "9876543210",
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "place_id": Unit.objects.get(code=LUCKNOW_SADAR).pk,
        "description": "पड़ोसी ने मेरी ज़मीन पर अवैध कब्ज़ा कर लिया है।",
    }
    return services.register(actor, services.NewComplaint(**{**fields, **overrides}))


def later(days: float) -> dt.datetime:
    """Move the clock forward and return the new now."""
    clock.advance(dt.timedelta(days=days))
    return clock.now()


def today() -> dt.date:
    return timezone.localdate(clock.now())


def database_url() -> str:
    """The test database as a URL, for another process to share it (PostgreSQL only)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def real_jpeg() -> bytes:
    """A small, genuine JPEG (a bare JPEG signature is refused as unreadable)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 120, 10)).save(out, "JPEG")
    return out.getvalue()


def real_png() -> bytes:
    """A small, genuine PNG (uploads are checked by their first bytes and opened)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def at_ist(hour: int, minute: int = 0) -> dt.datetime:
    """Move the clock forward to the next hour:minute in IST and return that moment."""
    now = clock.local(clock.now())
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += dt.timedelta(days=1)
    clock.advance(target - now)
    return target
