"""The caller's path through the IVR, independent of SIP and RTP: it speaks, waits for keys
and calls selectors and services through a `Line` (server.py gives it a real call).

Every change to a complaint waits for a confirming key press; silence, wrong keys and a
hang-up change nothing. Three failed inputs in a row send the caller to an agent."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from igrs.core.errors import Conflict, LimitReached, ServiceError
from igrs.grievances import reference

from . import prompts, selectors, services
from .selectors import Details, Stage


@dataclass(frozen=True)
class Timeouts:
    choice: float = 6.0  # seconds for a menu key
    first_digit: float = 10.0  # for the first digit of a reference
    next_digit: float = 5.0  # between digits
    max_failures: int = 3


MAX_DIGITS = 20


class Line(Protocol):
    caller: str
    mobile: str  # the calling number as an Indian mobile, "" if it is none

    async def say(self, text: str, language: str) -> None: ...

    async def key(self, timeout: float) -> str | None: ...

    async def db[T](self, work: Callable[..., T], *args, **kwargs) -> T: ...

    async def transfer(self) -> bool: ...


class ToAgent(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Dialogue:
    def __init__(self, line: Line, call_id: str, timeouts: Timeouts = Timeouts()):
        self.line = line
        self.call_id = call_id
        self.timeouts = timeouts
        self.language = "hi"
        self.failures = 0
        self.path: list[str] = []
        self.keyed = ""  # the digits of the last reference keyed, valid or not
        self.reference = ""  # the last reference keyed that names a complaint
        self.found: Stage | None = None  # the complaint as last read out

    async def run(self) -> None:
        try:
            await self.say(prompts.greeting)
            await self.line.say(*prompts.other_language(self.language))
            while True:
                await self.main_menu()
        except ToAgent as handover:
            await self.to_agent(handover.reason)

    async def say(self, text: Callable[[str], str] | str) -> None:
        await self.line.say(text if isinstance(text, str) else text(self.language), self.language)

    async def main_menu(self) -> None:
        await self.say(prompts.menu)
        choice = await self.line.key(self.timeouts.choice)
        actions: dict[str, Callable[[], Awaitable[None]]] = {
            "1": self.tell_status,
            "2": self.option_two,
            "9": self.switch_language,
        }
        if choice == "0":
            raise ToAgent("asked")
        if choice not in actions:
            await self.failed(prompts.no_key if choice is None else prompts.no_choice)
            return
        self.succeeded(f"menu:{choice}")
        await actions[choice]()

    async def switch_language(self) -> None:
        self.language = prompts.OTHER[self.language]
        await self.line.say(*prompts.other_language(self.language))

    async def tell_status(self) -> None:
        found = await self.read_reference()
        await self.say(prompts.status(self.language, found))
        self.path.append("status:full" if isinstance(found, Details) else "status:stage")

    async def option_two(self) -> None:
        """Not satisfied with a disposal, or a reminder: what the status allows, as on the
        portal, for the complainant only, after a confirming key."""
        found = self.found or await self.read_reference()
        if not isinstance(found, Details):
            self.path.append("option2:not-complainant")
            await self.say(prompts.only_complainant)
            return
        if found.step is None:
            self.path.append("option2:not-possible")
            await self.say(prompts.not_possible)
            return
        await self.say(prompts.confirm(self.language, found.step))
        answer = await self.line.key(self.timeouts.choice)
        if answer != "1":
            self.path.append("option2:cancelled")
            await self.say(prompts.cancelled)
            if answer not in ("2",):
                await self.failed(prompts.no_key if answer is None else prompts.no_choice)
            return
        self.found = None
        if await self.record(found):
            # Read afresh: a second option 2 acts on the complaint as it now is.
            self.found = await self.line.db(
                selectors.spoken_status, found.reference, self.line.mobile, self.language
            )

    async def record(self, found: Details) -> bool:
        """Carry out option 2; False when the complaint changed since the caller heard it."""
        try:
            await self.line.db(
                services.give_feedback,
                self.line.mobile,
                found.reference,
                found.step,
                found.version,
                self.language,
            )
        except LimitReached:
            self.path.append("option2:too-soon")
            next_at = await self.line.db(selectors.next_reminder_at, found.reference)
            await self.say(prompts.reminder_too_soon(self.language, next_at))
        except Conflict:
            self.path.append("option2:changed")
            await self.say(prompts.changed)
            return False
        except ServiceError:
            self.path.append("option2:refused")
            await self.say(prompts.not_possible)
        else:
            self.path.append(f"feedback:{found.step}")
            await self.say(prompts.done(self.language, found.step))
        return True

    async def read_reference(self) -> Stage:
        """Ask until a reference with a right check digit names a complaint."""
        while True:
            await self.say(prompts.ask_reference)
            digits = await self.collect_digits()
            if not digits:
                await self.failed(prompts.no_key)
                continue
            self.keyed = digits
            if not reference.is_valid(digits):
                await self.failed(prompts.wrong_digits(self.language, digits))
                continue
            found = await self.line.db(
                selectors.spoken_status, digits, self.line.mobile, self.language
            )
            if found is None:
                await self.failed(prompts.not_found(self.language, digits))
                continue
            self.succeeded("reference")
            self.found, self.reference = found, found.reference
            return found

    async def collect_digits(self) -> str:
        """Digits up to # (or MAX_DIGITS, or a pause); * starts the number again."""
        digits = ""
        timeout = self.timeouts.first_digit
        while len(digits) < MAX_DIGITS:
            key = await self.line.key(timeout)
            if key is None or key == "#":
                break
            digits = "" if key == "*" else digits + key
            timeout = self.timeouts.next_digit
        return digits

    def succeeded(self, step: str) -> None:
        self.failures = 0
        self.path.append(step)

    async def failed(self, prompt: Callable[[str], str] | str) -> None:
        self.failures += 1
        self.path.append("failed")
        if self.failures >= self.timeouts.max_failures:
            raise ToAgent("failures")
        await self.say(prompt)

    async def to_agent(self, reason: str) -> None:
        self.path.append(f"agent:{reason}")
        await self.line.db(
            services.hand_over,
            self.call_id,
            caller=self.line.caller,
            reference=self.reference,
            keyed=self.keyed,
            reason=reason,
        )
        await self.say(prompts.connecting)
        if not await self.line.transfer():
            self.path.append("agent:not-connected")
            await self.say(prompts.not_connected)
