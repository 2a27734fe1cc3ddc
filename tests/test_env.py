"""Settings read from the environment strictly: a value that does not parse is an error
naming the variable, never a quiet default."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from igrs.core.env import env_bool, env_float, env_floats, env_int, env_json, env_list


@pytest.mark.parametrize(
    "raw,expected",
    [("1", True), ("YES", True), ("on", True), ("0", False), ("false", False), ("Off", False)],
)
def test_a_boolean_takes_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("IGRS_X", raw)
    assert env_bool("IGRS_X", not expected) is expected


@pytest.mark.parametrize(
    "reader,raw",
    [
        (env_bool, "ture"),
        (env_int, "ten"),
        (env_float, "1,5"),
        (env_floats, "2,six"),
        (env_json, "{oops"),
    ],
)
def test_a_typo_is_an_error_naming_the_variable(monkeypatch, reader, raw):
    monkeypatch.setenv("IGRS_X", raw)
    with pytest.raises(ImproperlyConfigured, match="IGRS_X"):
        reader("IGRS_X", *{env_floats: ("1",), env_json: ("{}",)}.get(reader, (0,)))


def test_unset_or_blank_takes_the_default(monkeypatch):
    monkeypatch.delenv("IGRS_X", raising=False)
    assert env_int("IGRS_X", 7) == 7 and env_bool("IGRS_X", True) is True
    monkeypatch.setenv("IGRS_X", " ")
    assert env_int("IGRS_X", 7) == 7 and env_list("IGRS_X", "a, b") == ["a", "b"]


def test_a_number_below_its_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("IGRS_X", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("IGRS_X", 2, minimum=1)


def test_the_igrs_command_stops_with_one_line_on_a_bad_setting():
    done = subprocess.run(
        [sys.executable, "-m", "igrs.cli", "check"],
        capture_output=True,
        text=True,
        env={"IGRS_HTTPS": "ture", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode != 0
    assert done.stderr.strip() == (
        "igrs: IGRS_HTTPS='ture' is not a yes/no value (1/0, true/false, yes/no, on/off)."
    )
