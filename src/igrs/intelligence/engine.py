"""The built model on disk (under the var directory) and in each process.

The model is built from the corpus in the repository plus the desk's corrections, never
downloaded: by `igrs suggest --retrain` at install, or — when a web worker finds no model, or
one built from another corpus — by that command started in the background (the worker keeps
serving a stale model meanwhile, and answers "not ready" only while there is none at all).
A worker loads the file once and again only when it changes on disk (one stat per
suggestion). Writes go to a temporary file renamed over the old one, under a file lock, so
readers never see half a model and two builders never run at once.
"""

import fcntl
import functools
import hashlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from . import corpus
from .corpus import Example
from .scorer import Scorer

FILE_NAME = "category-model.bin"
# A build that failed (say, the database was down) is tried again after this long, not on
# every suggestion.
BUILD_RETRY_SECONDS = 600


@dataclass(frozen=True)
class Model:
    scorer: Scorer
    version: str
    stamp: tuple[int, int]  # (mtime_ns, size) of the file it was read from


@dataclass(frozen=True)
class BuildResult:
    version: str
    examples: int
    corrections: int
    path: Path


_lock = threading.Lock()
_loaded: Model | None = None
_builder: subprocess.Popen | None = None
_builder_started = float("-inf")


def model_dir() -> Path:
    return Path(settings.VAR_DIR) / "intelligence"


def model_path() -> Path:
    return model_dir() / FILE_NAME


@functools.cache
def corpus_fingerprint() -> str:
    # The corpus changes only with a new release, which restarts the workers.
    return corpus.fingerprint()


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def build(
    corrections: Callable[[], Iterable[Example]], only_if_stale: bool = False
) -> BuildResult | None:
    """Train on the corpus and the corrections and install the model (scikit-learn is
    imported here only). Builders take turns on a file lock; with `only_if_stale`, one that
    finds a current model once its turn comes builds nothing (None)."""
    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if only_if_stale and is_current():
            return None
        from .training import build as train

        extra = list(corrections())
        examples = corpus.examples("train") + extra
        data = train(examples, {"corpus": corpus_fingerprint(), "corrections": len(extra)})
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return BuildResult(version_of(data), len(examples), len(extra), path)


def is_current() -> bool:
    """A model exists and was built from this corpus."""
    model = loaded()
    return model is not None and model.scorer.meta.get("corpus") == corpus_fingerprint()


def loaded() -> Model | None:
    """The model on disk, read again only when the file changed."""
    global _loaded
    try:
        stat = model_path().stat()
    except FileNotFoundError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    model = _loaded
    if model is None or model.stamp != stamp:
        with _lock:
            if _loaded is None or _loaded.stamp != stamp:
                data = model_path().read_bytes()
                _loaded = Model(Scorer(io.BytesIO(data)), version_of(data), stamp)
            model = _loaded
    return model


def current() -> Model | None:
    """The model to suggest with; starts a build in the background when there is none or it
    was built from another corpus. None until a first model exists."""
    model = loaded()
    if model is None or model.scorer.meta.get("corpus") != corpus_fingerprint():
        start_background_build()
    return model


def start_background_build() -> None:
    """`igrs suggest --retrain --if-stale` in its own process (scikit-learn stays out of the
    web worker); at most one at a time from this process, and the file lock makes builders
    of other processes wait, then find the model current and build nothing."""
    global _builder, _builder_started
    with _lock:
        running = _builder is not None and _builder.poll() is None
        if running or time.monotonic() - _builder_started < BUILD_RETRY_SECONDS:
            return
        _builder_started = time.monotonic()
        _builder = subprocess.Popen(
            [sys.executable, "-m", "igrs.cli", "suggest", "--retrain", "--if-stale"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )


def forget() -> None:
    """Drop the process's loaded model (tests, and after a build in this process)."""
    global _loaded
    with _lock:
        _loaded = None
