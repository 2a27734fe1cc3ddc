"""A call from Debian's baresip softphone, as a newcomer would make it (docs/ivr.md): baresip
dials the IVR on loopback, keys sent through its UDP console go out as RFC 4733 events, and
its sndfile module records what it heard to a WAV file."""

import os
import shutil
import socket
import subprocess
import time
import wave

import pytest

from igrs.ivr import prompts, selectors
from igrs.ivr.models import IvrCall

from . import ivr_rig
from .conftest import new_complaint
from .sms_rig import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
ivr, prompt_cache = ivr_rig.ivr, ivr_rig.prompt_cache  # the fixtures
MOBILE = "+919876543210"
MODULES = "/usr/lib/baresip/modules"


def require_baresip() -> None:
    if shutil.which("baresip") is None or not os.path.isdir(MODULES):
        reason = "not installed: baresip (apt-get install baresip)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Baresip:
    def __init__(self, folder, target: str):
        self.folder = folder
        self.console = free_udp_port()
        subprocess.run(
            [
                "sox",
                "-n",
                "-r",
                "8000",
                "-c",
                "1",
                "-b",
                "16",
                str(folder / "silence.wav"),
                "trim",
                "0",
                "120",
            ],
            check=True,
        )
        (folder / "config").write_text(f"""
sip_listen 127.0.0.1:{free_udp_port()}
audio_player aufile,{folder}/unused.wav
audio_source aufile,{folder}/silence.wav
audio_alert aufile,{folder}/unused.wav
module_path {MODULES}
module cons.so
module g711.so
module aufile.so
module sndfile.so
module_app account.so
module_app menu.so
cons_listen 127.0.0.1:{self.console}
snd_path {folder}
""")
        (folder / "accounts").write_text(f"<sip:{MOBILE}@127.0.0.1>;regint=0\n")
        self.log = (folder / "baresip.log").open("w")
        self.process = subprocess.Popen(
            ["baresip", "-f", str(folder), "-t", "120", "-e", f"/dial {target}"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def logged(self) -> str:
        return (self.folder / "baresip.log").read_text(errors="replace")

    def type(self, keys: str, gap: float = 0.25) -> None:
        """Keys on baresip's console: digits during a call go out as DTMF."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as console:
            for key in keys:
                console.sendto(key.encode(), ("127.0.0.1", self.console))
                time.sleep(gap)

    def heard(self) -> tuple[float, int]:
        """Seconds recorded from the IVR, and the loudest sample."""
        recording = next(self.folder.glob("dump-*-dec.wav"))
        with wave.open(str(recording)) as audio:
            frames = audio.readframes(audio.getnframes())
            seconds = audio.getnframes() / audio.getframerate()
        samples = memoryview(frames).cast("h")
        return seconds, max(abs(s) for s in samples)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def test_a_call_from_baresip_hears_the_status(ivr, agent, tmp_path):
    require_baresip()
    complaint = new_complaint(agent, mobile=MOBILE)
    host, port = ivr.address
    phone = Baresip(tmp_path, f"sip:1076@{host}:{port}")
    try:
        wait_until(lambda: "Call established" in phone.logged(), what="the call")
        time.sleep(1)
        phone.type("1")  # over the greeting
        time.sleep(1)
        phone.type(f"{complaint.reference}#")
        spoken = prompts.status("hi", selectors.spoken_status(complaint.reference, MOBILE, "hi"))
        time.sleep(len(ivr.speech(spoken)) / 8000 + 1.5)  # the status, heard out
        phone.type("b")  # hang up
        log = wait_until(
            lambda: IvrCall.objects.filter(ended_at__isnull=False).first(),
            what="the IVR's log of the call",
        )
    finally:
        phone.stop()
    assert log.path == ["menu:1", "reference", "status:full", "hung-up"]
    assert log.mobile == MOBILE and log.keys == f"1{complaint.reference}#"
    seconds, loudest = phone.heard()
    assert seconds > len(ivr.speech(spoken)) / 8000 and loudest > 5000
