"""The IVR as a SIP user agent server on UDP: it answers INVITEs offering G.711, speaks
through the RTP pacer, takes keys as RFC 4733 events or SIP INFO, transfers by REFER and
hangs up with BYE. One asyncio loop carries every call; database work and speech synthesis
run in small thread pools so the loop never waits on them."""

import asyncio
import contextlib
import functools
import gc
import itertools
import logging
import secrets
import socket
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from igrs.core.text import normalise_mobile

from . import prompts, rtp, services, sip, tts
from .dialogue import Dialogue, Timeouts

log = logging.getLogger("igrs.ivr")

T1, T2, TIMER_B = 0.5, 4.0, 32.0  # RFC 3261 retransmission timers (seconds)
NOTIFY_WAIT = 6.0  # how long a transfer waits for the phone to report the new call


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 5080
    public_host: str = ""  # the address put in SDP and Contact, when bound to 0.0.0.0
    agent_uri: str = "sip:1076@127.0.0.1:5070"
    rtp_ports: tuple[int, int] | None = None  # None: any free port
    db_threads: int = 4
    max_calls: int = 500
    max_call_seconds: float = 900.0
    timeouts: Timeouts = field(default_factory=Timeouts)

    @property
    def advertised(self) -> str:
        return self.public_host or ("127.0.0.1" if self.host in ("0.0.0.0", "") else self.host)


class Server(asyncio.DatagramProtocol):
    def __init__(self, options: Options):
        self.options = options
        self.calls: dict[str, Call] = {}
        self.pending: dict[tuple[str, int, str], asyncio.Future] = {}
        self.pacer = rtp.Pacer()
        self.database = ThreadPoolExecutor(options.db_threads, thread_name_prefix="ivr-db")
        self.synthesis = ThreadPoolExecutor(2, thread_name_prefix="ivr-tts")
        self.audio: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.synthesising: dict[tuple[str, str], asyncio.Future] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.tasks: set[asyncio.Task] = set()
        self.answered = 0
        self._ports = itertools.cycle(range(*options.rtp_ports)) if options.rtp_ports else None

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        tts.require_engine()
        loop = asyncio.get_running_loop()
        await self.prepare_prompts()
        self.transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.options.host, self.options.port)
        )
        self.options.port = self.transport.get_extra_info("sockname")[1]
        # What start-up made (Django, the catalogues, the prompts) lives as long as the
        # process: frozen, a full collection no longer walks it while a packet waits.
        gc.freeze()
        self.spawn(self.pacer.run())

    async def prepare_prompts(self) -> None:
        """Synthesise (or load from the cache) every fixed prompt before taking calls."""
        texts = await self.in_database(prompts.every_fixed_prompt)
        await asyncio.gather(*(self.speech(text, language) for text, language in texts))

    async def stop(self) -> None:
        for call in list(self.calls.values()):
            await call.hang_up()
        for task in list(self.tasks):
            task.cancel()
        if self.transport:
            self.transport.close()
        # Each database thread closes its own connection (Django allows no other thread to):
        # the barrier makes every thread take exactly one of these jobs.
        barrier = threading.Barrier(self.options.db_threads)
        await asyncio.gather(
            *(
                asyncio.get_running_loop().run_in_executor(
                    self.database, _close_connection, barrier
                )
                for _ in range(self.options.db_threads)
            )
        )
        self.database.shutdown(wait=True)
        self.synthesis.shutdown(wait=True)

    def spawn(self, work) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("IVR task failed", exc_info=task.exception())

    # ------------------------------------------------------------ shared work

    async def in_database(self, work, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(
            self.database, functools.partial(_database_job, work, *args, **kwargs)
        )

    async def speech(self, text: str, language: str) -> bytes:
        """The audio of a text: from memory, else the disk cache or the engine (once, however
        many calls ask at the same moment)."""
        key = (text, language)
        if key in self.audio:
            self.audio.move_to_end(key)
            return self.audio[key]
        if key not in self.synthesising:
            loop = asyncio.get_running_loop()
            self.synthesising[key] = loop.run_in_executor(
                self.synthesis, tts.speech, text, language
            )
        try:
            audio = await asyncio.shield(self.synthesising[key])
        finally:
            if key in self.synthesising and self.synthesising[key].done():
                del self.synthesising[key]
        self.audio[key] = audio
        while len(self.audio) > 512:
            self.audio.popitem(last=False)
        return audio

    # ------------------------------------------------------------ SIP over UDP

    def send(self, message: sip.Message, addr: tuple[str, int]) -> None:
        if self.transport is not None:
            self.transport.sendto(message.encode(), addr)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if data.strip() == b"":
            return  # a keep-alive
        try:
            message = sip.parse(data)
        except sip.ParseError as error:
            log.info("unreadable SIP from %s: %s", addr, error)
            return
        if message.status:
            self.on_response(message)
        else:
            self.on_request(message, addr)

    def on_response(self, message: sip.Message) -> None:
        number, method = message.cseq
        waiting = self.pending.get((message.call_id, number, method))
        if waiting is not None and message.status >= 200 and not waiting.done():
            waiting.set_result(message)

    def on_request(self, message: sip.Message, addr: tuple[str, int]) -> None:
        call = self.calls.get(message.call_id)
        method = message.method
        if method == "INVITE" and call is None:
            self.spawn(self.answer(message, addr))
        elif method == "OPTIONS":
            self.send(sip.response(message, 200, headers=[("allow", sip.ALLOW)]), addr)
        elif method == "ACK":
            if call is not None:
                call.acked.set()
        elif call is None:
            self.send(sip.response(message, 481), addr)
        else:
            call.on_request(message, addr)

    async def answer(self, invite: sip.Message, addr: tuple[str, int]) -> None:
        media = sip.answer_media(invite.body)
        if media is None:
            self.send(sip.response(invite, 488, to_tag=sip.new_tag()), addr)
            return
        if len(self.calls) >= self.options.max_calls:
            self.send(sip.response(invite, 486, to_tag=sip.new_tag()), addr)
            return
        call = Call(self, invite, addr, media)
        self.calls[call.id] = call  # a retransmitted INVITE now finds the call
        self.send(sip.response(invite, 100), addr)
        try:
            await call.open_media()
            logged = await self.in_database(services.start_call, call.id, call.caller)
        except Exception:
            log.exception("cannot take the call %s", call.id)
            call.close_media()
            self.calls.pop(call.id, None)
            self.send(sip.response(invite, 503, to_tag=call.local_tag), addr)
            return
        self.answered += 1
        call.started_at = logged.started_at
        call.send_answer()
        call.task = self.spawn(call.converse())

    def request_port(self) -> int:
        return next(self._ports) if self._ports else 0

    def via(self) -> str:
        return (
            f"SIP/2.0/UDP {self.options.advertised}:{self.options.port}"
            f";branch={sip.new_branch()};rport"
        )

    def contact(self) -> str:
        return f"<sip:ivr@{self.options.advertised}:{self.options.port}>"


def _close_connection(barrier: threading.Barrier) -> None:
    connections.close_all()
    barrier.wait(timeout=10)


def _database_job(work, *args, **kwargs):
    close_old_connections()  # a connection the database dropped is replaced, not reused
    return work(*args, **kwargs)


class Call:
    """One answered call: its SIP dialog, its audio, its keys, and the dialogue on it."""

    def __init__(
        self, server: Server, invite: sip.Message, addr: tuple[str, int], media: sip.Media
    ):
        self.server = server
        self.invite = invite
        self.id = invite.call_id
        self.caller = sip.user_of(invite.get("from"))
        self.mobile = normalise_mobile(self.caller) or ""
        self.local_tag = sip.new_tag()
        self.remote_target = sip.uri_of(invite.get("contact") or invite.get("from"))
        self.route = list(invite.all("record-route"))
        self.sip_addr = addr
        self.media = media
        self.media_addr = (media.host, media.port)
        self.cseq = secrets.randbelow(10_000)
        self.keys: asyncio.Queue[str] = asyncio.Queue()
        self.pressed = ""
        self.acked = asyncio.Event()
        self.notified: asyncio.Future | None = None
        self.stream: rtp.Stream | None = None
        self.rtp: asyncio.DatagramTransport | None = None
        self.task: asyncio.Task | None = None
        self.dialogue = Dialogue(self, self.id, server.options.timeouts)
        self.ended = False
        self.started_at = None
        self.answer: sip.Message | None = None

    # ------------------------------------------------------------ media

    async def open_media(self) -> None:
        loop = asyncio.get_running_loop()
        reader = rtp.KeyReader(self.media.event_type)
        call = self

        class Endpoint(asyncio.DatagramProtocol):
            latched = False

            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                packet = rtp.parse(data)
                if packet is None:
                    return
                if not self.latched:  # symmetric RTP: answer where the phone really is
                    call.media_addr, self.latched = addr, True
                key = reader.key(packet)
                if key is not None:
                    call.on_key(key)

        for _attempt in range(50):
            try:
                self.rtp, _ = await loop.create_datagram_endpoint(
                    Endpoint,
                    local_addr=(self.server.options.host, self.server.request_port()),
                    family=socket.AF_INET,
                )
                break
            except OSError:
                continue  # that port is taken: the next one
        else:
            raise OSError("no free RTP port")
        self.stream = rtp.Stream(
            lambda data: self.rtp.sendto(data, self.media_addr), self.media.codec
        )
        self.server.pacer.streams.add(self.stream)

    def close_media(self) -> None:
        if self.stream is not None:
            self.server.pacer.streams.discard(self.stream)
            self.stream.stop()
        if self.rtp is not None:
            self.rtp.close()

    def on_key(self, key: str) -> None:
        """A key stops the prompt being spoken (barge-in) and waits for the dialogue."""
        self.pressed += key
        if self.stream is not None:
            self.stream.stop()
        self.keys.put_nowait(key)

    # ------------------------------------------------------------ the Line the dialogue uses

    async def say(self, text: str, language: str) -> None:
        if not self.keys.empty():
            return  # the caller keyed ahead: they know what comes
        audio = await self.server.speech(text, language)
        if self.keys.empty() and self.stream is not None:
            await self.stream.play(audio)

    async def key(self, timeout: float) -> str | None:
        try:
            return await asyncio.wait_for(self.keys.get(), timeout)
        except TimeoutError:
            return None

    async def db(self, work, *args, **kwargs):
        return await self.server.in_database(work, *args, **kwargs)

    async def transfer(self) -> bool:
        """Blind transfer by REFER (RFC 3515): the phone calls the agents' queue itself, and
        the IVR leaves the call once the phone reports the new call, or after a wait."""
        loop = asyncio.get_running_loop()
        self.notified = loop.create_future()
        answer = await self.request(
            "REFER",
            [
                ("refer-to", f"<{self.server.options.agent_uri}>"),
                ("referred-by", self.server.contact()),
            ],
        )
        if answer is None or answer.status >= 300:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.notified), NOTIFY_WAIT)
        return True

    # ------------------------------------------------------------ SIP dialog

    def send_answer(self) -> None:
        body = sip.sdp(
            self.server.options.advertised,
            self.rtp.get_extra_info("sockname")[1],
            self.media.codec,
            self.media.event_type,
            secrets.randbelow(1 << 30),
        )
        self.answer = sip.response(
            self.invite,
            200,
            to_tag=self.local_tag,
            body=body,
            headers=[
                ("contact", self.server.contact()),
                ("allow", sip.ALLOW),
                ("content-type", "application/sdp"),
            ],
        )
        self.server.spawn(self._until_acked())

    async def _until_acked(self) -> None:
        """UDP loses packets: the 200 OK is sent again until the ACK arrives."""
        interval, waited = T1, 0.0
        while waited < TIMER_B:
            self.server.send(self.answer, self.sip_addr)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.acked.wait(), interval)
                return
            waited += interval
            interval = min(interval * 2, T2)
        log.info("no ACK for %s: hanging up", self.id)
        await self.hang_up()

    def on_request(self, message: sip.Message, addr: tuple[str, int]) -> None:
        send = functools.partial(self.server.send, addr=addr)
        method = message.method
        if method == "INVITE":
            # A retransmitted INVITE gets the answer again; a re-INVITE (hold, a new address)
            # gets the same media answer with the new address taken.
            if sip.tag(message.get("to")):
                offer = sip.answer_media(message.body)
                if offer is not None:
                    self.media_addr = (offer.host, offer.port)
                send(
                    sip.response(
                        message,
                        200,
                        to_tag=self.local_tag,
                        body=self.answer.body,
                        headers=[
                            ("contact", self.server.contact()),
                            ("content-type", "application/sdp"),
                        ],
                    )
                )
            elif self.answer is not None:
                send(self.answer)
            else:
                send(sip.response(message, 100))
        elif method == "BYE":
            send(sip.response(message, 200, to_tag=self.local_tag))
            self.server.spawn(self.finish())
        elif method == "CANCEL":
            send(sip.response(message, 200, to_tag=self.local_tag))
        elif method == "INFO":
            key = sip.info_digit(message)
            send(sip.response(message, 200, to_tag=self.local_tag))
            if key is not None:
                self.on_key(key)
        elif method == "NOTIFY":
            send(sip.response(message, 200, to_tag=self.local_tag))
            if self._transfer_reported(message) and self.notified and not self.notified.done():
                self.notified.set_result(message)
        else:
            send(sip.response(message, 501, to_tag=self.local_tag))

    @staticmethod
    def _transfer_reported(message: sip.Message) -> bool:
        """A NOTIFY of the refer subscription with a final status of the new call."""
        line = message.body.decode("utf-8", "replace").split("\r\n", 1)[0].split()
        return (
            message.get("event").lower().startswith("refer")
            and len(line) >= 2
            and line[1].isdigit()
            and int(line[1]) >= 200
        )

    async def request(self, method: str, headers: list[tuple[str, str]]) -> sip.Message | None:
        """A request in this dialog, sent again on the RFC 3261 timers until answered."""
        self.cseq += 1
        message = sip.Message(
            method=method,
            uri=self.remote_target,
            headers=[
                ("via", self.server.via()),
                ("max-forwards", "70"),
                ("from", f"{self.invite.get('to')};tag={self.local_tag}"),
                ("to", self.invite.get("from")),
                ("call-id", self.id),
                ("cseq", f"{self.cseq} {method}"),
                *[("route", r) for r in self.route],
                ("contact", self.server.contact()),
                *headers,
            ],
        )
        target = sip.address_of(sip.uri_of(self.route[0]) if self.route else self.remote_target)
        addr = target if target else self.sip_addr
        key = (self.id, self.cseq, method)
        waiting = asyncio.get_running_loop().create_future()
        self.server.pending[key] = waiting
        interval, waited = T1, 0.0
        try:
            while waited < TIMER_B:
                self.server.send(message, addr)
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(asyncio.shield(waiting), interval)
                waited += interval
                interval = min(interval * 2, T2)
            return None
        finally:
            self.server.pending.pop(key, None)

    # ------------------------------------------------------------ the call's life

    async def converse(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.acked.wait(), TIMER_B)
        if self.ended:
            return
        try:
            await asyncio.wait_for(self.dialogue.run(), self.server.options.max_call_seconds)
        except TimeoutError:
            self.dialogue.path.append("too-long")
            await self.say(prompts.goodbye(self.dialogue.language), self.dialogue.language)
        finally:  # whatever ended the dialogue (a failure too), the call ends and is logged
            await self.hang_up()

    async def hang_up(self) -> None:
        """The IVR ends the call: BYE, then the log."""
        if self.ended:
            return
        await self.finish(hung_up_by_caller=False)

    async def finish(self, hung_up_by_caller: bool = True) -> None:
        """The call is over (either side): stop its audio and dialogue, write its log."""
        if self.ended:
            return
        self.ended = True
        current = asyncio.current_task()
        if self.task is not None and self.task is not current and not self.task.done():
            self.task.cancel()
        self.close_media()
        if not hung_up_by_caller:
            await self.request("BYE", [])
        self.server.calls.pop(self.id, None)
        if hung_up_by_caller:
            self.dialogue.path.append("hung-up")
        dialogue = self.dialogue
        try:
            await self.server.in_database(
                services.finish_call,
                self.id,
                self.started_at,
                keys=self.pressed,
                path=dialogue.path,
                language=dialogue.language,
                reference=dialogue.reference,
                outcome=services.outcome_of(dialogue.path),
            )
        except Exception:
            log.exception("cannot log the end of call %s", self.id)
