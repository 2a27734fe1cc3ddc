"""RTP (RFC 3550) for the IVR: one pacer sends a 20 ms G.711 frame to every call on the same
tick (prompt audio or silence), timed on an absolute grid so delays never add up; keys arrive
as RFC 4733 telephone-events. The pacer measures how late each packet leaves its slot."""

import asyncio
import bisect
import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import g711

FRAME = 160  # samples (= bytes in G.711) per 20 ms at 8 kHz
PERIOD = 0.020
EVENT_KEYS = "0123456789*#"
_HEADER = struct.Struct("!BBHII")
# Lateness is counted in buckets (ms): exact to 0.1 ms where it matters, coarse beyond.
_BUCKETS = [i / 10 for i in range(0, 200)] + [float(i) for i in range(20, 1000)]


class Lateness:
    """A histogram of how far behind its slot each packet was sent."""

    def __init__(self):
        self.counts = [0] * (len(_BUCKETS) + 1)
        self.total = 0
        self.worst = 0.0

    def add(self, ms: float) -> None:
        self.counts[bisect.bisect_right(_BUCKETS, ms) - 1 if ms >= 0 else 0] += 1
        self.total += 1
        self.worst = max(self.worst, ms)

    def percentile(self, share: float) -> float:
        """The bucket's upper edge below which `share` of the packets were sent."""
        wanted, seen = share * self.total, 0
        for i, count in enumerate(self.counts):
            seen += count
            if seen >= wanted and count:
                return _BUCKETS[i + 1] if i + 1 < len(_BUCKETS) else self.worst
        return 0.0

    def share_over(self, ms: float) -> float:
        if not self.total:
            return 0.0
        first = bisect.bisect_left(_BUCKETS, ms)
        return sum(self.counts[first:]) / self.total

    def summary(self) -> dict:
        return {
            "packets": self.total,
            "p50_ms": self.percentile(0.5),
            "p99_ms": self.percentile(0.99),
            "max_ms": round(self.worst, 2),
            "late_share": self.share_over(PERIOD * 1000 / 2),
        }


class Stream:
    """The IVR's audio towards one caller: queued prompts, else silence."""

    def __init__(self, send: Callable[[bytes], None], codec: int):
        self.send = send
        self.codec = codec
        self.silence = bytes([g711.ULAW_SILENCE if codec == 0 else g711.ALAW_SILENCE]) * FRAME
        self.sequence = secrets.randbelow(1 << 16)
        self.timestamp = secrets.randbelow(1 << 32)
        self.ssrc = secrets.randbelow(1 << 32)
        self.audio = b""
        self.offset = 0
        self.marker = True
        self.finished: asyncio.Future | None = None

    def play(self, ulaw: bytes) -> asyncio.Future:
        """Queue a prompt (μ-law); the future resolves when it has been sent or stopped."""
        self.stop()
        self.audio = ulaw if self.codec == 0 else ulaw.translate(g711.ULAW_TO_ALAW)
        self.offset, self.marker = 0, True
        self.finished = asyncio.get_running_loop().create_future()
        return self.finished

    def stop(self) -> None:
        self.audio, self.offset = b"", 0
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(None)

    @property
    def playing(self) -> bool:
        return self.offset < len(self.audio)

    def tick(self) -> None:
        if self.playing:
            payload = self.audio[self.offset : self.offset + FRAME]
            payload += self.silence[len(payload) :]
            self.offset += FRAME
        else:
            payload = self.silence
        marker, self.marker = self.marker and self.playing, False
        header = _HEADER.pack(
            0x80, (0x80 if marker else 0) | self.codec, self.sequence, self.timestamp, self.ssrc
        )
        self.send(header + payload)
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.timestamp = (self.timestamp + FRAME) & 0xFFFFFFFF
        if not self.playing and self.audio:
            self.stop()


class Pacer:
    """One task for all calls: every 20 ms each stream sends its next frame. The grid is
    absolute (start + n × 20 ms), so a late tick is followed by an early one; after a stall of
    more than five frames it starts a new grid instead of bursting."""

    def __init__(self):
        self.streams: set[Stream] = set()
        self.lateness = Lateness()

    async def run(self) -> None:
        clock = time.monotonic
        start, n = clock(), 0
        while True:
            n += 1
            due = start + n * PERIOD
            wait = due - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            elif -wait > 5 * PERIOD:
                start, n = clock(), 0
                due = start
            for stream in list(self.streams):
                stream.tick()
                self.lateness.add((clock() - due) * 1000)


@dataclass(frozen=True)
class Packet:
    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    payload: bytes


def parse(data: bytes) -> Packet | None:
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    first, second, sequence, timestamp, _ssrc = _HEADER.unpack_from(data)
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        if len(data) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
    end = len(data) - (data[-1] if first & 0x20 and data else 0)
    if offset > end:
        return None
    return Packet(second & 0x7F, bool(second & 0x80), sequence, timestamp, data[offset:end])


class KeyReader:
    """RFC 4733 events to keys: an event is the run of packets sharing one RTP timestamp, so
    the key counts once however many (and however repeated) its packets are."""

    def __init__(self, event_type: int | None):
        self.event_type = event_type
        self.last_timestamp: int | None = None

    def key(self, packet: Packet) -> str | None:
        if packet.payload_type != self.event_type or len(packet.payload) < 4:
            return None
        if packet.timestamp == self.last_timestamp:
            return None
        event = packet.payload[0]
        if event >= len(EVENT_KEYS):
            return None  # flash and tones: not keys
        self.last_timestamp = packet.timestamp
        return EVENT_KEYS[event]


def event_packets(
    key: str, event_type: int, sequence: int, timestamp: int, ssrc: int, frames: int = 5
) -> list[bytes]:
    """A key as a phone sends it: `frames` updates 20 ms apart, the first marked, then the end
    packet three times (RFC 4733 §2.5.1.4)."""
    event = EVENT_KEYS.index(key)
    packets = []
    for i in range(frames):
        duration = FRAME * (i + 1)
        end = i == frames - 1
        copies = 3 if end else 1
        for _ in range(copies):
            header = _HEADER.pack(
                0x80, (0x80 if i == 0 else 0) | event_type, sequence & 0xFFFF, timestamp, ssrc
            )
            body = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            packets.append(header + body)
            sequence += 1
    return packets
