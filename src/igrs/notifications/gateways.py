"""SMS gateways, chosen by IGRS_SMS_GATEWAY. A gateway's `send(message)` returns Accepted
with the provider's id(s), or raises GatewayError (not sent: retry or give up) or
GatewayUnsure (the request left and no answer came: it may have been sent).

- ConsoleGateway: a JSON line per message in a file (development, the demo).
- HttpGateway: one configurable HTTP request per message — the shape of Kannel's sendsms
  interface and of Indian SMS aggregators' APIs.
- SmppGateway: SMPP v3.4 to an SMSC (smpplib), with the DLT ids in configurable TLVs and
  delivery receipts read from the same transceiver bind.
"""

import contextlib
import fcntl
import json
import logging
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from . import receipts

log = logging.getLogger(__name__)


class GatewayError(Exception):
    """Not sent. `permanent` when trying again cannot help (a refused number, bad credentials)."""

    def __init__(self, message: str, code: str = "", permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class GatewayUnsure(Exception):
    """The request may have reached the gateway; sending again could deliver it twice."""


@dataclass(frozen=True)
class Accepted:
    ids: tuple[str, ...]  # one per part where the gateway says so, else one


class Gateway(Protocol):
    concurrency: int | None  # requests at once; None: IGRS_SMS_CONCURRENCY
    idempotent: bool  # drops a repeat of the same outbox id, so an unsure send may repeat
    tracks_parts: bool  # its receipts name each part's id (SMPP), not the outbox id
    # reports every message it accepted, naming the outbox id: no report in time means it
    # never had the message (services.reconcile_unconfirmed)
    reports_acceptance: bool

    def send(self, message) -> Accepted: ...

    def poll(self, on_receipt: Callable) -> None: ...


class ConsoleGateway:
    """Writes each SMS as one JSON line to IGRS_SMS_FILE ("-" for standard output). Each line
    names its outbox id, and a message whose id is in the file already is not written again
    (the file is locked while it is checked and written, so several workers can share it):
    a worker killed after writing sends it again harmlessly."""

    concurrency = 1
    idempotent = True  # drops repeats of the outbox id
    tracks_parts = False
    reports_acceptance = False
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._written: dict[int, str] = {}  # outbox id → the id given when it was written
        self._read_to = 0  # how far the file has been read into _written
        self._file = ""

    def send(self, message) -> Accepted:
        if settings.IGRS_SMS_FILE == "-":
            line, message_id = self._line(message)
            with self._lock:
                print(line, file=sys.stdout, flush=True)
            return Accepted((message_id,))
        with self._lock, open(settings.IGRS_SMS_FILE, "a+", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)  # released when the file is closed
            self._catch_up(out)
            if message.pk in self._written:
                return Accepted((self._written[message.pk],))
            line, message_id = self._line(message)
            out.write(line + "\n")
            out.flush()
            self._written[message.pk] = message_id
            self._read_to = out.tell()
        return Accepted((message_id,))

    def _catch_up(self, out) -> None:
        """Read what was written since last time (by this process or another)."""
        if self._file != settings.IGRS_SMS_FILE:
            self._file, self._written, self._read_to = settings.IGRS_SMS_FILE, {}, 0
        out.seek(self._read_to)
        for text in out.read().splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):  # a torn last line
                row = json.loads(text)
                self._written[row["outbox_id"]] = row["id"]
        self._read_to = out.tell()

    @staticmethod
    def _line(message) -> tuple[str, str]:
        message_id = uuid.uuid4().hex
        line = json.dumps(
            {
                "id": message_id,
                "outbox_id": message.pk,
                "to": message.mobile,
                "key": message.key,
                "header": message.header,
                "dlt_template_id": message.dlt_template_id,
                "entity_id": message.entity_id,
                "encoding": message.encoding,
                "parts": message.parts,
                "text": message.body,
            },
            ensure_ascii=False,
        )
        return line, message_id

    def poll(self, on_receipt: Callable) -> None:
        pass


class HttpGateway:
    """One request per message, built from IGRS_SMS_HTTP_PARAMS: a JSON object of parameter
    name → text, where {to}, {to_national}, {text}, {header}, {entity_id}, {template_id},
    {coding} (0 GSM, 2 UCS-2: Kannel's), {unicode} (0/1), {dlr_url} and {key} (the outbox
    id, for gateways that drop repeats) are filled in. 2xx is accepted (the provider's id is
    taken with IGRS_SMS_HTTP_ID_PATTERN if set), 4xx refused for good, 5xx or no connection
    is tried again, and no answer in time is "unsure"."""

    concurrency = None  # as many requests at once as IGRS_SMS_CONCURRENCY
    tracks_parts = False  # reports name the outbox id (in the callback URL)

    @property
    def reports_acceptance(self) -> bool:
        # With the callback URL in the request, Kannel (DLR mask 8 and 16) and aggregators
        # report every message they took, under its outbox id.
        return "{dlr_url}" in settings.IGRS_SMS_HTTP_PARAMS

    @property
    def idempotent(self) -> bool:
        # Where the provider drops a repeated {key}, an unsure send may be sent again.
        return settings.IGRS_SMS_HTTP_IDEMPOTENT

    def _values(self, message) -> dict[str, str]:
        digits = message.mobile.lstrip("+")
        return {
            "to": digits,
            "to_national": digits[-10:],
            "text": message.body,
            "header": message.header,
            "entity_id": message.entity_id,
            "template_id": message.dlt_template_id,
            "coding": "2" if message.encoding == "ucs2" else "0",
            "unicode": "1" if message.encoding == "ucs2" else "0",
            "dlr_url": receipts.callback_url(message.pk),
            "key": str(message.pk),
        }

    @staticmethod
    def _request(values: dict[str, str]) -> urllib.request.Request:
        params = json.loads(settings.IGRS_SMS_HTTP_PARAMS)
        form = urllib.parse.urlencode(
            {name: str(text).format_map(values) for name, text in params.items()}
        )
        url = settings.IGRS_SMS_HTTP_URL
        if settings.IGRS_SMS_HTTP_METHOD.upper() == "GET":
            return urllib.request.Request(url + ("&" if "?" in url else "?") + form)
        return urllib.request.Request(
            url,
            data=form.encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )

    def send(self, message) -> Accepted:
        request = self._request(self._values(message))
        timeout = settings.IGRS_SMS_TIMEOUT
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = response.read(4096).decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            answer = error.read(4096).decode("utf-8", "replace").strip()
            raise _http_error(error.code, answer) from error
        except OSError as error:  # URLError included
            reason = getattr(error, "reason", error)
            if isinstance(reason, ConnectionRefusedError | socket.gaierror):
                raise GatewayError(f"cannot reach the gateway: {reason}") from error
            # A timeout, a reset or a closed connection may come after the request left.
            raise GatewayUnsure(f"no answer from the gateway: {reason}") from error
        pattern = settings.IGRS_SMS_HTTP_ID_PATTERN
        found = re.search(pattern, answer) if pattern else None
        return Accepted((found.group(1) if found else "",))

    def poll(self, on_receipt: Callable) -> None:
        pass  # reports come to the callback URL


def _http_error(status: int, answer: str) -> Exception:
    """A proxy's 502/504 may hide a send that happened; 408/429 and other 5xx are the
    gateway saying "not now"; any other 4xx will not change by trying again."""
    text = f"HTTP {status}: {answer}"
    if status in (502, 504):
        return GatewayUnsure(text)
    if status in (408, 429) or status >= 500:
        return GatewayError(text, code=str(status))
    return GatewayError(text, code=str(status), permanent=True)


class SmppGateway:
    """SMPP v3.4 transceiver with one request in flight (window 1): submit_sm, then wait for
    its response; receipts (deliver_sm) that arrive meanwhile or between rounds are handed to
    `poll`. More throughput comes from more workers, each with its own bind."""

    concurrency = 1
    idempotent = False
    tracks_parts = True  # receipts name the SMSC's id of each part
    # Receipts name the SMSC's id, which a worker killed before recording it never kept:
    # a receipt cannot say which outbox message it is about.
    reports_acceptance = False

    def __init__(self):
        # Imported here: only a deployment that chooses SMPP loads it.
        import smpplib.client
        import smpplib.consts
        import smpplib.gsm
        from smpplib import smpp
        from smpplib.command import Param

        self._make_pdu, self._make_parts = smpp.make_pdu, smpplib.gsm.make_parts
        self._ucs2, self._gsm = (
            smpplib.consts.SMPP_ENCODING_ISO10646,
            smpplib.consts.SMPP_ENCODING_DEFAULT,
        )

        # The DLT ids travel in operator-specific TLVs: smpplib finds a TLV's tag by its name.
        smpplib.consts.OPTIONAL_PARAMS["dlt_entity_id"] = settings.IGRS_SMPP_ENTITY_TLV
        smpplib.consts.OPTIONAL_PARAMS["dlt_template_id"] = settings.IGRS_SMPP_TEMPLATE_TLV
        self._dlt_params = {
            "dlt_entity_id": Param(type=str, max=30),
            "dlt_template_id": Param(type=str, max=30),
        }
        self._client_class = smpplib.client.Client
        self._client = None
        self._pending_receipts: list[receipts.Receipt] = []
        self._responses: dict[int, object] = {}
        self._last_enquiry = time.monotonic()

    def _connect(self):
        if self._client is not None:
            return self._client
        client = self._client_class(
            settings.IGRS_SMPP_HOST,
            settings.IGRS_SMPP_PORT,
            timeout=settings.IGRS_SMS_TIMEOUT,
            allow_unknown_opt_params=True,
        )
        client.set_message_received_handler(self._on_deliver)
        client.set_message_sent_handler(self._on_response)
        client.set_error_pdu_handler(self._on_response)
        try:
            client.connect()
            client.bind_transceiver(
                system_id=settings.IGRS_SMPP_SYSTEM_ID,
                password=settings.IGRS_SMPP_PASSWORD,
                system_type=settings.IGRS_SMPP_SYSTEM_TYPE,
            )
        except Exception as error:
            self._drop(client)
            raise GatewayError(f"cannot bind to the SMSC: {error}") from error
        self._client = client
        return client

    @staticmethod
    def _drop(client) -> None:
        with contextlib.suppress(Exception):  # closing a broken socket: nothing to save
            client.disconnect()

    def _forget(self, client) -> None:
        """A broken bind: the next send binds again."""
        self._client = None
        self._drop(client)

    def _on_deliver(self, pdu, **_kwargs):
        receipt = receipts.from_smpp(pdu)
        if receipt is not None:
            self._pending_receipts.append(receipt)

    def _on_response(self, pdu, **_kwargs):
        self._responses[pdu.sequence] = pdu

    def _submit(self, client, message, part: bytes, coding: int, esm_class: int) -> str:
        pdu = self._make_pdu(
            "submit_sm",
            client=client,
            source_addr_ton=5,
            source_addr_npi=0,
            source_addr=message.header or "IGRS",
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr=message.mobile.lstrip("+"),
            short_message=part,
            data_coding=coding,
            esm_class=esm_class,
            registered_delivery=1,
        )
        pdu.params = {**pdu.params, **self._dlt_params}
        pdu.params_order = (*pdu.params_order, *self._dlt_params)
        pdu.dlt_entity_id = message.entity_id or None
        pdu.dlt_template_id = message.dlt_template_id or None
        try:
            client.send_pdu(pdu)
        except Exception as error:
            self._forget(client)
            raise GatewayError(f"cannot write to the SMSC: {error}") from error
        deadline = time.monotonic() + settings.IGRS_SMS_TIMEOUT
        try:
            while pdu.sequence not in self._responses:
                if time.monotonic() > deadline:
                    raise TimeoutError("no submit_sm_resp in time")
                client.read_once(auto_send_enquire_link=False)
        except Exception as error:
            self._forget(client)
            raise GatewayUnsure(f"no answer from the SMSC: {error}") from error
        response = self._responses.pop(pdu.sequence)
        if response.status:
            # Throttled (0x58), queue full (0x14) and system error (0x08) pass; others will not.
            raise GatewayError(
                f"SMSC refused: 0x{response.status:08x}",
                code=f"0x{response.status:x}",
                permanent=response.status not in TRANSIENT_SMPP_STATUS,
            )
        message_id = response.message_id or b""
        return message_id.decode() if isinstance(message_id, bytes) else message_id

    def send(self, message) -> Accepted:
        client = self._connect()
        encoding = self._ucs2 if message.encoding == "ucs2" else self._gsm
        parts, coding, esm_class = self._make_parts(message.body, encoding=encoding)
        ids = []
        for part in parts:
            try:
                ids.append(self._submit(client, message, part, coding, esm_class))
            except GatewayError as error:
                if ids:  # a part is out already: sending again would repeat it
                    raise GatewayUnsure(f"part {len(ids) + 1} not sent: {error}") from error
                raise
        return Accepted(tuple(ids))

    def poll(self, on_receipt: Callable) -> None:
        """Read what the SMSC has sent since (receipts), answer its enquire_links and send
        ours when the bind has been idle, so an SMSC that drops quiet binds keeps this one."""
        client = self._client
        if client is not None:
            try:
                if time.monotonic() - self._last_enquiry > ENQUIRE_EVERY:
                    client.send_pdu(self._make_pdu("enquire_link", client=client))
                    self._last_enquiry = time.monotonic()
                client.poll(auto_send_enquire_link=False)
            except Exception as error:  # noqa: BLE001 - reconnect on the next send
                log.warning("SMPP connection lost while reading receipts: %s", error)
                self._forget(client)
        while self._pending_receipts:
            on_receipt(self._pending_receipts.pop(0))


TRANSIENT_SMPP_STATUS = frozenset({0x08, 0x14, 0x58})
ENQUIRE_EVERY = 30.0  # seconds of a quiet bind before asking the SMSC whether it is there
_gateways: dict[tuple, object] = {}
_gateways_lock = threading.Lock()


def get_gateway() -> Gateway:
    """One instance per process and setting: an SMPP bind outlives a round."""
    key = (settings.IGRS_SMS_GATEWAY, settings.IGRS_SMPP_HOST, settings.IGRS_SMPP_PORT)
    with _gateways_lock:
        if key not in _gateways:
            _gateways[key] = import_string(key[0])()
        return _gateways[key]
