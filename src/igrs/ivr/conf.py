"""The IVR's settings: Django settings of these names win, else the environment, else the
default (so the app needs no lines in the shared settings module)."""

import os
from pathlib import Path

from django.conf import settings


def _setting(name: str, default: str) -> str:
    return str(getattr(settings, name, os.environ.get(name, default)))


def agent_uri() -> str:
    """Where a caller is sent for an agent (the ACD's queue), as a SIP URI for REFER."""
    return _setting("IGRS_IVR_AGENT_URI", "sip:1076@127.0.0.1:5070")


def prompt_dir() -> Path:
    return Path(_setting("IGRS_IVR_PROMPT_DIR", str(settings.VAR_DIR / "ivr" / "prompts")))


def espeak() -> str:
    return _setting("IGRS_IVR_ESPEAK", "espeak-ng")


def sox() -> str:
    return _setting("IGRS_IVR_SOX", "sox")


def words_per_minute() -> int:
    return int(_setting("IGRS_IVR_WORDS_PER_MINUTE", "140"))
