"""DLT templates and SMS encoding, as pure functions.

In India an operator delivers a commercial SMS only if its text matches a template registered
on its DLT platform, where each variable is written `{#var#}` (at most 30 characters) or
`{#url#}` / `{#numeric#}`. A text that does not match is dropped silently, so IGRS checks
every message against its registered template before it is queued, and refuses instead.

A registered template is stored exactly as registered, with one of our placeholder names per
variable (`variables`, in order). A name given to adjacent variables (`{#var#}{#var#}`, as
DLT allows for longer values) fills them together: that value may be 60 characters."""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from igrs.core.text import nfc

VARIABLE = re.compile(r"\{#(var|url|numeric)#\}")
LIMITS = {"var": 30, "numeric": 30, "url": 100}
SHAPES = {"var": r"[^\n]", "numeric": r"[0-9]", "url": r"\S"}
# Descriptive values are shortened to fit their variables (the full text is on the portal);
# an identifier, code or link that does not fit is an error: a cut one would mislead.
SHORTENED = frozenset({"post", "outcome", "reason"})
ELLIPSIS = "…"
# How many adjacent {#var#} each placeholder gets in the default templates.
DEFAULT_WIDTH = {"post": 2, "reason": 3}
NAMED = re.compile(r"\{(\w+)\}")

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")  # two septets each (escape + character)


class TemplateError(ValueError):
    """The message cannot be sent as registered: it would be dropped by the operator."""


@dataclass(frozen=True)
class Slot:
    """One or more adjacent DLT variables filled by one placeholder."""

    name: str
    kind: str
    capacity: int


@dataclass(frozen=True)
class Registered:
    literals: tuple[str, ...]  # len(slots) + 1 pieces of fixed text
    slots: tuple[Slot, ...]
    pattern: re.Pattern


def parse_names(variables: str) -> list[str]:
    return [name.strip() for name in variables.split(",") if name.strip()]


@lru_cache(maxsize=512)
def parse(body: str, variables: str) -> Registered:
    """The registered text split into fixed pieces and slots; raises TemplateError if the
    names do not match the variables one to one."""
    pieces = VARIABLE.split(body)  # text, kind, text, kind, …, text
    texts, kinds = pieces[0::2], pieces[1::2]
    names = parse_names(variables)
    if len(names) != len(kinds):
        raise TemplateError(
            _("The template has %(vars)d variables but %(names)d names are given.")
            % {"vars": len(kinds), "names": len(names)}
        )
    literals, slots = [texts[0]], []
    for name, kind, after in zip(names, kinds, texts[1:], strict=True):
        previous = slots[-1] if slots else None
        if previous and previous.name == name and previous.kind == kind and literals[-1] == "":
            slots[-1] = Slot(name, kind, previous.capacity + LIMITS[kind])
            literals[-1] = after
        else:
            slots.append(Slot(name, kind, LIMITS[kind]))
            literals.append(after)
    pattern = "".join(
        re.escape(text) + (f"({SHAPES[slot.kind]}{{0,{slot.capacity}}})" if slot else "")
        for text, slot in zip(literals, [*slots, None], strict=True)
    )
    return Registered(tuple(literals), tuple(slots), re.compile(pattern, re.DOTALL))


def _value(slot: Slot, raw: object) -> str:
    value = " ".join(nfc(str(raw)).split())  # one line: a newline would not match {#var#}
    if len(value) <= slot.capacity:
        return value
    if slot.name in SHORTENED:
        # "…" is not in GSM-7: in English it would turn the whole SMS into costlier UCS-2.
        ellipsis = "..." if encoding(value) == "gsm7" else ELLIPSIS
        return value[: slot.capacity - len(ellipsis)] + ellipsis
    raise TemplateError(
        _("“%(name)s” is %(length)d characters; its variable takes %(max)d.")
        % {"name": slot.name, "length": len(value), "max": slot.capacity}
    )


def fill(body: str, variables: str, context: dict) -> str:
    """The message text, guaranteed to match the registered template, or TemplateError."""
    registered = parse(body, variables)
    missing = sorted({slot.name for slot in registered.slots} - set(context))
    if missing:
        raise TemplateError(_("No value for %(names)s.") % {"names": ", ".join(missing)})
    values = [_value(slot, context[slot.name]) for slot in registered.slots]
    text = registered.literals[0] + "".join(
        value + literal for value, literal in zip(values, registered.literals[1:], strict=True)
    )
    if not registered.pattern.fullmatch(text):
        # The text itself stays out of the error: it may carry a one-time password.
        raise TemplateError(_("The text does not match its registered template."))
    return text


def from_named(text: str) -> tuple[str, str]:
    """A text with {name} placeholders as a DLT body and its variable names."""
    names: list[str] = []

    def slots(match: re.Match) -> str:
        name = match.group(1)
        kind = "url" if name == "link" else "var"
        width = 1 if kind == "url" else DEFAULT_WIDTH.get(name, 1)
        names.extend([name] * width)
        return f"{{#{kind}#}}" * width

    return NAMED.sub(slots, text), ",".join(names)


def encoding(text: str) -> str:
    return "gsm7" if set(text) <= GSM_BASIC | GSM_EXTENDED else "ucs2"


def segments(text: str) -> tuple[str, int]:
    """(encoding, parts) as operators bill: GSM-7 160 septets, 153 per part when split (the
    extension characters take two); UCS-2 (Hindi) 70 code units, 67 per part."""
    if encoding(text) == "gsm7":
        units = len(text) + sum(ch in GSM_EXTENDED for ch in text)
        single, multi, kind = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-be")) // 2
        single, multi, kind = 70, 67, "ucs2"
    return kind, 1 if units <= single else -(-units // multi)
