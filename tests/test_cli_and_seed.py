"""The `igrs` command set and the seeded master data."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from igrs.directory import selectors as directory
from igrs.directory.models import Department, Post, Unit, UnitKind
from igrs.grievances.models import Complaint, Status


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_has_uttar_pradesh_and_the_post_ladder(db):
    assert Unit.objects.filter(kind=UnitKind.DIVISION).count() == 18
    assert Unit.objects.filter(kind=UnitKind.DISTRICT).count() == 75
    assert Department.objects.count() == 14 + 2  # and the desk's, and "other / not sure"
    desks = Post.objects.filter(department__code="DESK")
    assert desks.filter(level=2).count() == 75 and desks.get(level=3).unit.code == "UP"
    assert not desks.filter(postings__isnull=False).exists()  # worked by desk accounts
    for post in Post.objects.filter(level=1).select_related("department")[:50]:
        chain = directory.post_chain(post.pk)
        assert [p.level for p in chain] == [1, 2, 3]
        assert all(p.department_id == post.department_id for p in chain)
        assert directory.holders_of(post.pk, dt.date(2026, 6, 1))
    assert "पहले से" in run("seed")  # idempotent, and says so in Hindi


def test_complaint_commands_drive_the_whole_life(db):
    out = run(
        "complaint",
        "register",
        "--name",
        "गीता",
        "--mobile",
        "9700000001",
        "--category",
        "REV-LAND",
        "--place",
        "UP-LUCKNOW-T-SADAR",
        "--description",
        "ज़मीन की पैमाइश नहीं हो रही है।",
    )
    ref = out.split()[0] + out.split()[1] + out.split()[2] + out.split()[3]
    run(
        "complaint",
        "atr",
        ref,
        "--officer",
        "REV-L1-UP-LUCKNOW-T-SADAR",
        "--disposal",
        "resolved",
        "--report",
        "पैमाइश करा दी गई है।",
    )
    run("complaint", "verify", ref, "--outcome", "satisfied")
    assert Complaint.objects.get(reference=ref).status == Status.CLOSED
    shown = run("complaint", "show", ref)
    assert "पैमाइश करा दी गई है।" in shown and "तहसीलदार" in shown
    assert ref[:4] in run("complaint", "list", "--mobile", "9700000001")


def test_complaint_command_errors_are_clear(db):
    with pytest.raises(CommandError, match="reference|संदर्भ"):
        run("complaint", "show", "12345")
    with pytest.raises(CommandError, match="mobile|मोबाइल"):
        run(
            "complaint",
            "register",
            "--name",
            "x",
            "--mobile",
            "1",
            "--category",
            "REV-LAND",
            "--place",
            "UP-LUCKNOW-T-SADAR",
            "--description",
            "कुछ भी नहीं हो रहा है।",
        )
    with pytest.raises(CommandError, match="NOPE"):
        run("complaint", "forward", "202600000001", "--to", "NOPE")


def test_sweep_command_reports(db):
    assert "0" in run("sweep")


def test_token_command_refuses_a_role_the_user_lacks(db):
    User.objects.create_user("plain")
    with pytest.raises(CommandError):
        run("token", "plain", "desk")


@pytest.mark.parametrize("role", ["agent", "supervisor", "telephony", "desk", "admin"])
def test_token_command_issues_a_token_for_every_staff_role(db, role):
    from igrs.core.accounts import grant_role, token_identity

    user = User.objects.create_user(f"holder-{role}", is_superuser=role == "admin")
    grant_role(user, role)
    key = run("token", user.username, role).strip()
    assert token_identity(key) == (user.pk, role, None)


def test_every_igrs_command_explains_itself():
    """`igrs <command> --help` for each of our commands (argparse takes no lazy text)."""
    from django.core.management import get_commands, load_command_class

    ours = {name: app for name, app in get_commands().items() if app.startswith("igrs.")}
    assert {"sweep", "worker", "demo", "seed"} <= set(ours)
    for name, app in ours.items():
        text = load_command_class(app, name).create_parser("igrs", name).format_help()
        assert f"igrs {name}" in text, name


# ---------------------------------------------------------------- the commands' language


@pytest.mark.parametrize(
    ("args", "environ", "expected"),
    [
        ([], {}, ("hi", [])),
        (["seed"], {"LANG": "C.UTF-8"}, ("hi", ["seed"])),
        (["seed"], {"LANG": "en_IN.UTF-8"}, ("en", ["seed"])),
        (["seed"], {"LANG": "hi_IN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, ("en", ["seed"])),
        (["seed"], {"LC_ALL": "hi_IN.UTF-8", "LANG": "en_US.UTF-8"}, ("hi", ["seed"])),
        (["seed"], {"LC_ALL": "", "LANG": "en_US.UTF-8"}, ("en", ["seed"])),
        (["--lang", "en", "seed"], {}, ("en", ["seed"])),
        (["seed", "--lang=hi"], {"LANG": "en_US.UTF-8"}, ("hi", ["seed"])),
        (
            ["complaint", "register", "--language", "en"],
            {},
            ("hi", ["complaint", "register", "--language", "en"]),
        ),
        (["x", "--", "--lang", "en"], {}, ("hi", ["x", "--", "--lang", "en"])),
    ],
)
def test_the_language_comes_from_lang_then_the_locale(args, environ, expected):
    from igrs.cli import chosen_language

    assert chosen_language(args, environ) == expected


def test_an_unknown_language_is_refused():
    from igrs.cli import chosen_language

    with pytest.raises(SystemExit, match="hi or en"):
        chosen_language(["--lang", "fr", "seed"], {})
    with pytest.raises(SystemExit, match="hi or en"):
        chosen_language(["seed", "--lang"], {})


@pytest.fixture
def igrs(tmp_path):
    """The real `igrs` command in its own process, with only the given locale variables and
    an empty database of its own (the commands below look for nothing there)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"LANG", "LC_ALL", "LC_MESSAGES"}}
    env["IGRS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def command(*args: str, **environ: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "igrs.cli", *args],
            env={**env, **environ},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return command


def test_a_command_speaks_english_when_the_locale_or_lang_says_so(igrs):
    english = "is not a valid reference number"
    hindi = "मान्य संदर्भ संख्या नहीं है"
    assert hindi in igrs("complaint", "show", "12345").stderr
    assert hindi in igrs("complaint", "show", "12345", LANG="C.UTF-8").stderr
    assert english in igrs("complaint", "show", "12345", LANG="en_IN.UTF-8").stderr
    assert english in igrs("complaint", "show", "12345", "--lang", "en", LANG="hi_IN").stderr
    assert hindi in igrs("--lang", "hi", "complaint", "show", "12345", LC_ALL="en_US").stderr
    assert "register a new complaint" in igrs("complaint", "--help", "--lang", "en").stdout
    assert "register a new complaint" not in igrs("complaint", "--help").stdout


def test_complaint_show_follows_the_active_language(db):
    """What `igrs` activates reaches every line `complaint show` writes."""
    from django.utils import translation

    from igrs.core.roles import Role
    from igrs.grievances.actors import Actor

    from .conftest import new_complaint

    user = User.objects.create_user("agent-lang")
    ref = new_complaint(Actor(Role.AGENT, user_id=user.pk)).reference
    with translation.override("en"):
        english = run("complaint", "show", ref)
    hindi = run("complaint", "show", ref)
    assert "Responsible now: Tehsildar, Lucknow Sadar" in english
    assert "Category: Land dispute or illegal occupation" in english
    assert "Responsible now" not in hindi and "तहसीलदार" in hindi
