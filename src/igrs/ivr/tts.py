"""Prompts as 8 kHz μ-law audio: espeak-ng speaks the text (offline, Debian's package), sox
resamples it to telephone audio, and the result is kept on disk under a hash of the text, the
voice and the engine's version, so each text is synthesised once."""

import hashlib
import os
import shutil
import subprocess
import threading
from functools import cache
from pathlib import Path

from . import conf

VOICES = {"hi": "hi", "en": "en-gb"}
PACKAGES = "apt-get install espeak-ng sox"


class SpeechUnavailable(RuntimeError):
    pass


def require_engine() -> None:
    """Fail early, with the install line, when the engine or sox is missing."""
    missing = [tool for tool in (conf.espeak(), conf.sox()) if shutil.which(tool) is None]
    if missing:
        raise SpeechUnavailable(f"not installed: {', '.join(missing)} ({PACKAGES})")


@cache
def engine_version() -> str:
    done = subprocess.run([conf.espeak(), "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


_writing = threading.Lock()


def speech(text: str, language: str) -> bytes:
    """The text spoken in the language's voice, as μ-law at 8 kHz (one byte per sample)."""
    voice, speed = VOICES[language], conf.words_per_minute()
    key = hashlib.sha256(f"{engine_version()}|{voice}|{speed}|{text}".encode()).hexdigest()
    path = conf.prompt_dir() / key[:2] / f"{key}.ul"
    if path.exists():
        return path.read_bytes()
    audio = _synthesise(text, voice, speed)
    with _writing:  # one writer per file name; a rename makes it appear whole
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(audio)
        partial.replace(path)
    return audio


def _synthesise(text: str, voice: str, speed: int) -> bytes:
    wav = subprocess.run(
        [conf.espeak(), "-v", voice, "-s", str(speed), "--stdout", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    ).stdout
    # Normalised to -3 dBFS: espeak-ng is quiet, and a phone line loses more.
    return subprocess.run(
        [
            conf.sox(),
            "-t",
            "wav",
            "-",
            "-t",
            "raw",
            "-r",
            "8000",
            "-c",
            "1",
            "-e",
            "u-law",
            "-",
            "gain",
            "-n",
            "-3",
        ],
        input=wav,
        capture_output=True,
        check=True,
    ).stdout


def cached_files(folder: Path | None = None) -> int:
    return sum(1 for _ in (folder or conf.prompt_dir()).glob("*/*.ul"))
