"""The IVR on loopback for the call tests: the real server (SIP and RTP over UDP, espeak-ng
and sox for the prompts) on its own event loop in a thread of the test process, sharing the
test database; phones from bench/sipphone.py dial it."""

import asyncio
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.sipphone import Phone
from igrs.ivr import tts
from igrs.ivr.dialogue import Timeouts
from igrs.ivr.server import Options, Server

AGENT_URI = "sip:1076-agents@127.0.0.1:5070"
# Short waits, fast speech: the same dialogue, sooner over.
TIMEOUTS = Timeouts(choice=1.0, first_digit=2.0, next_digit=1.5)
WORDS_PER_MINUTE = 400


def on_the_phone(script):
    """Run a phone's script on a loop of its own, in a thread of its own: the test's thread may
    already be running a loop (Playwright's, from the browser tests)."""
    with ThreadPoolExecutor(1) as phone:
        return phone.submit(lambda: asyncio.run(script())).result()


def require_speech() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        reason = f"not installed: {', '.join(missing)} ({tts.PACKAGES})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


class Rig:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.server = Server(
            Options(host="127.0.0.1", port=0, agent_uri=AGENT_URI, db_threads=1, timeouts=TIMEOUTS)
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> "Rig":
        self.thread.start()
        self.run(self.server.start(), timeout=120)
        return self

    def run(self, work, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.server.options.port)

    def phone(self, mobile: str, **kwargs) -> Phone:
        return Phone(mobile, self.address, **kwargs)

    def speech(self, text: str, language: str = "hi") -> bytes:
        """The audio the IVR sends for a text (from its cache), whole frames only: what a
        phone must have received if it heard it."""
        audio = self.run(self.server.speech(text, language))
        return audio[: len(audio) - len(audio) % 160]


@pytest.fixture(scope="module")
def prompt_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("prompts")


@pytest.fixture
def ivr(reseeded, settings, prompt_cache):
    require_speech()
    settings.IGRS_IVR_PROMPT_DIR = str(prompt_cache)
    settings.IGRS_IVR_WORDS_PER_MINUTE = WORDS_PER_MINUTE
    rig = Rig().start()
    yield rig
    rig.stop()
