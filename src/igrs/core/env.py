"""Reading the environment strictly: a setting that does not parse stops the program with
the variable's name, instead of quietly becoming False or 0 (a typo like IGRS_HTTPS=ture
must not run production without secure cookies)."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _refuse(name: str, value: str, wanted: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not {wanted}.")


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() not in TRUE | FALSE:
        raise _refuse(name, value, "a yes/no value (1/0, true/false, yes/no, on/off)")
    return value.lower() in TRUE


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value, 0)
    except ValueError:
        raise _refuse(name, value, "a whole number") from None
    if minimum is not None and number < minimum:
        raise _refuse(name, value, f"a whole number of at least {minimum}")
    return number


def env_float(name: str, default: float) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise _refuse(name, value, "a number") from None


def env_floats(name: str, default: str) -> list[float]:
    value = _raw(name) or default
    try:
        return [float(part) for part in value.split(",")]
    except ValueError:
        raise _refuse(name, value, "a comma-separated list of numbers") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in (_raw(name) or default).split(",") if part.strip()]


def env_json(name: str, default: str):
    value = _raw(name) or default
    try:
        return json.loads(value)
    except ValueError:
        raise _refuse(name, value, "valid JSON") from None
