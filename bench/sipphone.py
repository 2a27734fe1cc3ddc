"""A scripted SIP phone for the IVR's tests and benchmark: real SIP and RTP over UDP on
loopback. It dials (INVITE, ACK), records the audio it receives with arrival times, keys in
digits as RFC 4733 telephone-events or SIP INFO, answers a REFER like a phone doing a blind
transfer, and hangs up (BYE)."""

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass, field

from igrs.ivr import g711, rtp, sip

EVENT_TYPE = 101
SPEECH_PEAK = 1000  # a frame louder than this (of 32767) is speech, not silence


@dataclass
class Received:
    arrivals: list[float] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    speaking: list[bool] = field(default_factory=list)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, handler):
        self.handler = handler

    def datagram_received(self, data, addr):
        self.handler(data, addr)


class Phone:
    def __init__(
        self,
        number: str,
        ivr: tuple[str, int],
        *,
        dtmf: str = "rfc4733",
        codec: int = sip.PCMU,
        keep_audio: bool = True,
    ):
        self.number = number
        self.ivr = ivr
        self.dtmf = dtmf
        self.codec = codec
        self.keep_audio = keep_audio
        self.call_id = f"{secrets.token_hex(8)}@phone"
        self.tag = sip.new_tag()
        self.cseq = 0
        self.received = Received()
        self.status: int | None = None
        self.answer: sip.Message | None = None
        self.answered = asyncio.Event()
        self.ended = asyncio.Event()
        self.refer_to = ""
        self.refer_status: int | None = None
        self.waiting: dict[tuple[int, str], asyncio.Future] = {}
        self.media: tuple[str, int] | None = None
        self.sequence, self.timestamp, self.ssrc = 1, 1000, secrets.randbelow(1 << 32)

    # ------------------------------------------------------------ sockets

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self.sip_sock, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(self.on_sip), local_addr=("127.0.0.1", 0)
        )
        self.rtp_sock, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(self.on_rtp), local_addr=("127.0.0.1", 0)
        )
        self.sip_port = self.sip_sock.get_extra_info("sockname")[1]
        self.rtp_port = self.rtp_sock.get_extra_info("sockname")[1]

    def close(self) -> None:
        self.sip_sock.close()
        self.rtp_sock.close()

    def on_rtp(self, data: bytes, _addr) -> None:
        packet = rtp.parse(data)
        if packet is None:
            return
        received = self.received
        received.arrivals.append(time.monotonic())
        table = g711.ULAW_LINEAR if self.codec == sip.PCMU else g711.ALAW_LINEAR
        received.speaking.append(g711.peak(packet.payload, table) > SPEECH_PEAK)
        if self.keep_audio:
            received.payloads.append(packet.payload)

    def on_sip(self, data: bytes, addr) -> None:
        message = sip.parse(data)
        if message.status:
            number, method = message.cseq
            waiting = self.waiting.get((number, method))
            if waiting is not None and not waiting.done() and message.status >= 200:
                waiting.set_result(message)
            return
        reply = lambda status: self.send(sip.response(message, status), addr)  # noqa: E731
        if message.method == "BYE":
            reply(200)
            self.ended.set()
        elif message.method == "REFER":
            self.refer_to = sip.uri_of(message.get("refer-to"))
            reply(202)
            asyncio.get_running_loop().create_task(self.report_transfer())
        elif message.method in ("INVITE", "OPTIONS", "INFO", "NOTIFY"):
            reply(200)
        elif message.method != "ACK":
            reply(501)

    def send(self, message: sip.Message, addr=None) -> None:
        self.sip_sock.sendto(message.encode(), addr or self.ivr)

    # ------------------------------------------------------------ requests

    def _request(self, method: str, headers=(), body: bytes = b"") -> sip.Message:
        if method != "ACK":
            self.cseq += 1
        to = f"<sip:1076@{self.ivr[0]}:{self.ivr[1]}>"
        if self.answer is not None:
            to = self.answer.get("to")
        return sip.Message(
            method=method,
            uri=f"sip:1076@{self.ivr[0]}:{self.ivr[1]}",
            headers=[
                ("via", f"SIP/2.0/UDP 127.0.0.1:{self.sip_port};branch={sip.new_branch()};rport"),
                ("max-forwards", "70"),
                ("from", f"<sip:{self.number}@127.0.0.1>;tag={self.tag}"),
                ("to", to),
                ("call-id", self.call_id),
                ("cseq", f"{self.cseq} {method}"),
                ("contact", f"<sip:{self.number}@127.0.0.1:{self.sip_port}>"),
                *headers,
            ],
            body=body,
        )

    async def transact(self, message: sip.Message, timeout: float = 5.0) -> sip.Message | None:
        number, method = message.cseq
        waiting = asyncio.get_running_loop().create_future()
        self.waiting[(number, method)] = waiting
        try:
            for _ in range(int(timeout / 0.5)):
                self.send(message)
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(asyncio.shield(waiting), 0.5)
            return None
        finally:
            self.waiting.pop((number, method), None)

    async def dial(self, timeout: float = 10.0) -> int | None:
        """INVITE the IVR with a G.711 + telephone-event offer; ACK its answer."""
        if not hasattr(self, "sip_sock"):
            await self.open()
        offer = sip.sdp("127.0.0.1", self.rtp_port, self.codec, EVENT_TYPE, 1)
        invite = self._request("INVITE", [("content-type", "application/sdp")], offer)
        answer = await self.transact(invite, timeout)
        self.status = answer.status if answer else None
        if answer is not None and answer.status == 200:
            self.answer = answer
            media = sip.answer_media(answer.body)
            self.media = (media.host, media.port) if media else None
            ack = self._request("ACK")
            ack.headers = [
                (k, f"{invite.cseq[0]} ACK" if k == "cseq" else v) for k, v in ack.headers
            ]
            self.send(ack)
            self.answered.set()
        return self.status

    async def report_transfer(self) -> None:
        """What a phone does after accepting a REFER: report the new call's result."""
        notify = self._request(
            "NOTIFY",
            [
                ("event", "refer"),
                ("subscription-state", "terminated;reason=noresource"),
                ("content-type", "message/sipfrag;version=2.0"),
            ],
            b"SIP/2.0 200 OK\r\n",
        )
        answer = await self.transact(notify)
        self.refer_status = answer.status if answer else None

    async def hang_up(self) -> int | None:
        if self.ended.is_set():
            return None
        answer = await self.transact(self._request("BYE"))
        self.ended.set()
        return answer.status if answer else None

    # ------------------------------------------------------------ keys

    async def press(self, keys: str, gap: float = 0.1) -> None:
        for key in keys:
            if self.dtmf == "info":
                await self.transact(
                    self._request(
                        "INFO",
                        [("content-type", "application/dtmf-relay")],
                        f"Signal={key}\r\nDuration=100\r\n".encode(),
                    )
                )
            else:
                await self._send_event(key)
            await asyncio.sleep(gap)

    async def _send_event(self, key: str) -> None:
        packets = rtp.event_packets(key, EVENT_TYPE, self.sequence, self.timestamp, self.ssrc)
        self.sequence += len(packets)
        self.timestamp += 160 * 8
        for i, packet in enumerate(packets):
            self.rtp_sock.sendto(packet, self.media)
            if i < len(packets) - 3:
                await asyncio.sleep(0.02)

    # ------------------------------------------------------------ listening

    def mark(self) -> int:
        return len(self.received.speaking)

    async def until_quiet(
        self, since: int | None = None, quiet: float = 0.8, timeout: float = 60.0
    ) -> bool:
        """Wait until the IVR has spoken (after `since`) and then been silent for `quiet`
        seconds: the end of a prompt. False if the call ended or time ran out first."""
        frames = int(quiet / 0.02)
        start = self.mark() if since is None else since
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.ended.is_set():
            heard = self.received.speaking[start:]
            if any(heard) and len(heard) >= frames and not any(heard[-frames:]):
                return True
            await asyncio.sleep(0.05)
        return False

    async def until_speaking(self, since: int | None = None, timeout: float = 30.0) -> bool:
        """Wait until the IVR speaks (after `since`, default now)."""
        start = self.mark() if since is None else since
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.ended.is_set():
            if any(self.received.speaking[start:]):
                return True
            await asyncio.sleep(0.02)
        return False

    def speech_seconds(self, since: int = 0) -> float:
        return sum(self.received.speaking[since:]) * 0.02

    def audio(self) -> bytes:
        return b"".join(self.received.payloads)
