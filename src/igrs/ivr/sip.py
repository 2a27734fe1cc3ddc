"""SIP messages (RFC 3261) and SDP offers/answers (RFC 4566, 3264) as far as an answering IVR
needs them: parse what a phone or a proxy sends, build what goes back."""

import re
import secrets
from dataclasses import dataclass, field

# RFC 3261's compact header names.
COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "r": "refer-to",
}
CANONICAL = {
    "via": "Via",
    "from": "From",
    "to": "To",
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "contact": "Contact",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "max-forwards": "Max-Forwards",
    "record-route": "Record-Route",
    "refer-to": "Refer-To",
    "allow": "Allow",
    "event": "Event",
    "subscription-state": "Subscription-State",
    "referred-by": "Referred-By",
    "user-agent": "User-Agent",
    "route": "Route",
}
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY"
REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    405: "Method Not Allowed",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class ParseError(ValueError):
    pass


@dataclass
class Message:
    """A request (method, uri) or a response (status, reason), headers in arrival order."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def get(self, name: str, default: str = "") -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), default)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    @property
    def call_id(self) -> str:
        return self.get("call-id")

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = self.get("cseq").partition(" ")
        try:
            return int(number), method.strip().upper()
        except ValueError as error:
            raise ParseError("bad CSeq") from error

    def encode(self) -> bytes:
        start = (
            f"{self.method} {self.uri} SIP/2.0"
            if self.method
            else f"SIP/2.0 {self.status} {self.reason or REASONS.get(self.status, '')}"
        )
        lines = [start]
        lines += [
            f"{CANONICAL.get(k, k.title())}: {v}" for k, v in self.headers if k != "content-length"
        ]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def parse(data: bytes) -> Message:
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError("not UTF-8") from error
    lines = text.split("\r\n")
    first = lines[0].split(" ", 2)
    if len(first) < 3:
        raise ParseError("bad start line")
    message = Message()
    if first[0] == "SIP/2.0":
        try:
            message.status = int(first[1])
        except ValueError as error:
            raise ParseError("bad status") from error
        message.reason = first[2]
    elif first[2] == "SIP/2.0":
        message.method, message.uri = first[0].upper(), first[1]
    else:
        raise ParseError("not SIP/2.0")
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and message.headers:  # a folded header line
            name, value = message.headers[-1]
            message.headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ParseError("bad header line")
        name = name.strip().lower()
        message.headers.append((COMPACT.get(name, name), value.strip()))
    length = message.get("content-length")
    message.body = body[: int(length)] if length.isdigit() else body
    for required in ("call-id", "cseq", "from", "to"):
        if not message.get(required):
            raise ParseError(f"no {required}")
    return message


def response(
    request: Message,
    status: int,
    *,
    to_tag: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    reason: str = "",
) -> Message:
    """A response copying what RFC 3261 §8.2.6 says to copy, with our To tag when given."""
    to = request.get("to")
    if to_tag and ";tag=" not in to:
        to = f"{to};tag={to_tag}"
    copied = [(k, v) for k, v in request.headers if k in ("via", "record-route")]
    copied += [
        ("from", request.get("from")),
        ("to", to),
        ("call-id", request.call_id),
        ("cseq", request.get("cseq")),
    ]
    return Message(status=status, reason=reason, headers=copied + (headers or []), body=body)


_TAG = re.compile(r";\s*tag=([^;>\s]+)", re.IGNORECASE)
_URI = re.compile(r"<([^>]+)>")
_USER = re.compile(r"sips?:(?:\+)?([^@;>]+)@", re.IGNORECASE)
_HOSTPORT = re.compile(r"sips?:(?:[^@;>]+@)?([^;>:]+)(?::(\d+))?", re.IGNORECASE)


def tag(header: str) -> str:
    found = _TAG.search(header)
    return found.group(1) if found else ""


def uri_of(header: str) -> str:
    """The URI in a From/To/Contact value, with or without angle brackets."""
    found = _URI.search(header)
    return found.group(1) if found else header.split(";")[0].strip()


def user_of(header: str) -> str:
    """The user part (the calling number) of a From header; a leading + is kept."""
    uri = uri_of(header)
    found = _USER.search(uri)
    if not found:
        return ""
    return ("+" if ":+" in uri else "") + found.group(1)


def address_of(uri: str, default_port: int = 5060) -> tuple[str, int] | None:
    found = _HOSTPORT.search(uri)
    if not found:
        return None
    return found.group(1), int(found.group(2) or default_port)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


# ---------------------------------------------------------------- SDP

PCMU, PCMA = 0, 8


@dataclass(frozen=True)
class Media:
    """What both sides agreed: where to send audio, the codec, the telephone-event type."""

    host: str
    port: int
    codec: int  # PCMU (0) or PCMA (8)
    event_type: int | None  # RFC 4733 telephone-event payload type, if offered


def answer_media(offer: bytes) -> Media | None:
    """Our choice from an SDP offer: the first of PCMU/PCMA it lists, and its telephone-event
    at 8 kHz; None when it offers neither codec (the call gets 488)."""
    try:
        text = offer.decode("utf-8")
    except UnicodeDecodeError:
        return None
    host, port, formats, events = "", 0, [], None
    in_audio = False
    for line in text.splitlines():
        kind, _, value = line.strip().partition("=")
        if kind == "c" and (in_audio or not host):
            host = value.split()[-1].split("/")[0]
        elif kind == "m":
            in_audio = value.startswith("audio ")
            if in_audio and not formats:
                parts = value.split()
                port, formats = int(parts[1]), [f for f in parts[3:] if f.isdigit()]
        elif kind == "a" and in_audio and value.lower().startswith("rtpmap:"):
            number, _, name = value[7:].partition(" ")
            if name.lower().startswith("telephone-event/8000") and number.isdigit():
                events = int(number)
    codec = next((int(f) for f in formats if int(f) in (PCMU, PCMA)), None)
    if codec is None or not host or not port:
        return None
    return Media(
        host, port, codec, events if events is not None and str(events) in formats else None
    )


def sdp(host: str, port: int, codec: int, event_type: int | None, session: int) -> bytes:
    name = "PCMU" if codec == PCMU else "PCMA"
    formats = f"{codec}" + (f" {event_type}" if event_type is not None else "")
    lines = [
        "v=0",
        f"o=igrs-ivr {session} {session} IN IP4 {host}",
        "s=IGRS IVR",
        f"c=IN IP4 {host}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {formats}",
        f"a=rtpmap:{codec} {name}/8000",
    ]
    if event_type is not None:
        lines += [f"a=rtpmap:{event_type} telephone-event/8000", f"a=fmtp:{event_type} 0-16"]
    lines += ["a=ptime:20", "a=sendrecv"]
    return ("\r\n".join(lines) + "\r\n").encode()


def info_digit(message: Message) -> str | None:
    """The key in a SIP INFO: application/dtmf-relay ("Signal=5") or application/dtmf ("5")."""
    kind = message.get("content-type").split(";")[0].strip().lower()
    text = message.body.decode("utf-8", "replace")
    if kind == "application/dtmf-relay":
        found = re.search(r"^\s*Signal\s*=\s*(\S)", text, re.IGNORECASE | re.MULTILINE)
        key = found.group(1) if found else None
    elif kind == "application/dtmf":
        key = text.strip()[:1] or None
    else:
        return None
    return key if key is not None and key in "0123456789*#" else None
