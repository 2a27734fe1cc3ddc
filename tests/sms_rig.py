"""Real SMS peers on loopback for the gateway tests: Kannel (bearerbox + smsbox, Debian's
kannel) with its fake SMSC (fakesmsc, from kannel-extras), and an SMPP v3.4 SMSC written on
Net::SMPP (Debian's libnet-smpp-perl, tests/smsc/smsc.pl)."""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from bench.server import free_port

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SMSC_SCRIPT = Path(__file__).parent / "smsc" / "smsc.pl"
USER, PASSWORD = "igrs", "kannel-test"
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")
UDH = re.compile(r"^(\S+) data (.*)$")


def require(*paths: str) -> None:
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        reason = (
            f"not installed: {', '.join(missing)} (apt-get install kannel kannel-extras "
            "libnet-smpp-perl)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def wait_until(check, timeout: float = 15.0, what: str = "condition"):
    """Poll an outside process's effect (a message arriving, a callback landing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Kannel:
    """bearerbox + smsbox with a `fake` SMSC link, and fakesmsc on the other end of it."""

    def __init__(self, folder: Path):
        require(BEARERBOX, SMSBOX, FAKESMSC)
        self.folder = folder
        self.admin, self.box, self.smsc, self.sendsms = (free_port() for _ in range(4))
        self.config = folder / "kannel.conf"
        self.config.write_text(f"""
group = core
admin-port = {self.admin}
admin-password = {PASSWORD}
smsbox-port = {self.box}
box-allow-ip = "127.0.0.1"
log-file = "{folder}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {self.sendsms}
log-file = "{folder}/smsbox.log"
log-level = 1
# A delivery report the receiver could not take is tried again (as in production; here
# the test database, shared in memory between threads on SQLite, can refuse one).
http-request-retry = 5
http-queue-delay = 1

group = sendsms-user
username = {USER}
password = {PASSWORD}
max-messages = 10
concatenation = true
""")
        self.bearerbox = self.smsbox = self.fake = None
        self.fake_log = folder / "fakesmsc.log"

    def _spawn(self, *command: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            command,
            cwd=self.folder,
            stdout=kwargs.pop("stdout", subprocess.DEVNULL),
            stderr=subprocess.STDOUT,
            **kwargs,
        )

    def start(self) -> "Kannel":
        self.bearerbox = self._spawn(BEARERBOX, str(self.config))
        wait_until(lambda: _listening(self.box) and _listening(self.smsc), what="bearerbox")
        self.start_smsbox()
        # fakesmsc reads messages to send from stdin: an open, silent pipe keeps it running.
        with open(self.fake_log, "ab") as log:
            self.fake = self._spawn(
                FAKESMSC,
                "-H",
                "127.0.0.1",
                "-r",
                str(self.smsc),
                "-m",
                "0",
                stdin=subprocess.PIPE,
                stdout=log,
            )
        wait_until(
            lambda: "Fakesmsc client connected" in self._read("bearerbox.log"),
            what="fakesmsc to connect",
        )
        return self

    def start_smsbox(self) -> None:
        self.smsbox = self._spawn(SMSBOX, str(self.config))
        wait_until(lambda: _listening(self.sendsms), what="smsbox")

    def stop_smsbox(self) -> None:
        _stop(self.smsbox)
        wait_until(lambda: not _listening(self.sendsms), what="smsbox to stop")

    def stop(self) -> None:
        for process in (self.fake, self.smsbox, self.bearerbox):
            _stop(process)

    def _read(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""

    def settings(self) -> dict:
        """IGRS settings that send through this Kannel's sendsms interface."""
        return {
            "IGRS_SMS_GATEWAY": "igrs.notifications.gateways.HttpGateway",
            "IGRS_SMS_HTTP_URL": f"http://127.0.0.1:{self.sendsms}/cgi-bin/sendsms",
            "IGRS_SMS_HTTP_PARAMS": json.dumps(
                {
                    "username": USER,
                    "password": PASSWORD,
                    "from": "{header}",
                    "to": "{to}",
                    "text": "{text}",
                    "coding": "{coding}",
                    "charset": "UTF-8",
                    "dlr-mask": "27",
                    "dlr-url": "{dlr_url}",
                }
            ),
            "IGRS_SMS_TIMEOUT": 5.0,
        }

    def received(self) -> list[dict]:
        """Messages fakesmsc got, long ones joined from their parts, in order of arrival."""
        messages, pieces = [], {}
        for line in (
            self.fake_log.read_text(errors="replace").splitlines() if self.fake_log.exists() else []
        ):
            found = GOT.search(line)
            if not found:
                continue
            sender, to, kind, payload = found.groups()
            if kind == "text":
                messages.append({"from": sender, "to": to, "text": payload})
            elif kind == "ucs-2":
                messages.append({"from": sender, "to": to, "text": _ucs2(payload)})
            elif kind == "udh":
                udh, data = UDH.match(payload).groups()
                header = urllib.parse.unquote_to_bytes(udh)
                ref, total, number = header[3], header[4], header[5]
                parts = pieces.setdefault((to, ref), {})
                parts[number] = data
                if len(parts) == total:
                    text = "".join(_ucs2(parts[n]) for n in sorted(parts))
                    messages.append({"from": sender, "to": to, "text": text, "parts": total})
        return messages


def _ucs2(payload: str) -> str:
    return urllib.parse.unquote_to_bytes(payload.replace("+", "%20")).decode("utf-16-be")


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Smsc:
    """tests/smsc/smsc.pl: binds, submit_sm → id and a receipt; logs each submit_sm."""

    def __init__(self, folder: Path):
        require(shutil.which("perl") or "/usr/bin/perl", "/usr/share/perl5/Net/SMPP.pm")
        self.port = free_port()
        self.log = folder / "smsc.log"
        self.process = subprocess.Popen(
            ["perl", str(SMSC_SCRIPT), str(self.port), str(self.log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        _stop(self.process)

    def received(self) -> list[dict]:
        """Each message as submitted, long ones joined from their parts (by the UDH's
        reference); Hindi (data_coding 8) decoded from UCS-2."""
        rows, pieces = [], {}
        for line in self.log.read_text().splitlines() if self.log.exists() else []:
            row = json.loads(line)
            raw = bytes.fromhex(row["message_hex"])
            encoding = "utf-16-be" if row["data_coding"] == 8 else "latin-1"
            if not row["esm_class"] & 0x40:  # no UDH: a whole message
                rows.append({**row, "text": raw.decode(encoding)})
                continue
            header, body = raw[1 : raw[0] + 1], raw[raw[0] + 1 :]
            ref, total, number = header[2], header[3], header[4]
            parts = pieces.setdefault((row["to"], ref), {})
            parts[number] = body
            if len(parts) == total:
                text = b"".join(parts[n] for n in sorted(parts)).decode(encoding)
                rows.append({**row, "text": text, "parts": total})
        return rows
