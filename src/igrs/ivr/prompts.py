"""What the IVR says, as text for the speech engine: every sentence through gettext (Hindi
first, English second), numbers and dates as words (numbers.py)."""

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from igrs.core import clock

from .numbers import date_words, digits_words, number_words
from .selectors import Details, Stage, Step

OTHER = {"hi": "en", "en": "hi"}


def _in(language: str, build) -> str:
    with translation.override(language):
        return build()


def greeting(language: str) -> str:
    return _in(language, lambda: _("Welcome to the Chief Minister's helpline, 1076."))


def other_language(language: str) -> tuple[str, str]:
    """The offer of the other language, spoken in that language and its voice."""
    other = OTHER[language]
    text = _in(
        other, lambda: _("For English, press 9.") if other == "en" else _("For Hindi, press 9.")
    )
    return text, other


def menu(language: str) -> str:
    return _in(
        language,
        lambda: _(
            "For the status of a complaint, press 1. If you are not satisfied with how a complaint "
            "was disposed of, or to send a reminder, press 2. To speak to an agent, press 0."
        ),
    )


def no_choice(language: str) -> str:
    return _in(language, lambda: _("Sorry, that is not one of the choices."))


def no_key(language: str) -> str:
    return _in(language, lambda: _("We did not hear a key."))


def ask_reference(language: str) -> str:
    return _in(
        language,
        lambda: _("Please key in your complaint's reference number, then press the hash key."),
    )


def wrong_digits(language: str, digits: str) -> str:
    spoken = digits_words(digits, language) if digits else ""
    return _in(
        language,
        lambda: (
            _(
                "The number %(digits)s is not a complaint number: a digit is wrong or missing. "
                "Please key it in again."
            )
            % {"digits": spoken}
        ),
    )


def not_found(language: str, digits: str) -> str:
    return _in(
        language,
        lambda: (
            _("No complaint has the number %(digits)s. Please check it and key it in again.")
            % {"digits": digits_words(digits, language)}
        ),
    )


def status(language: str, found: Stage) -> str:
    """The stage for anyone; for the complainant, the whole answer."""
    return _in(language, lambda: _status(language, found))


def _status(language: str, found: Stage) -> str:
    head = _("Complaint number %(digits)s: %(status)s.") % {
        "digits": digits_words(found.reference, language),
        "status": found.status_label,
    }
    if not isinstance(found, Details):
        return (
            head
            + " "
            + _(
                "The details are told only when you call from the mobile "
                "number the complaint was registered with."
            )
        )
    today = clock.local_date(clock.now())
    on = lambda day: date_words(day, language, today)  # noqa: E731 (a local shorthand)
    parts = [head]
    if found.closed_on:
        parts.append(
            _("It was closed on %(date)s: %(kind)s.")
            % {"date": on(found.closed_on), "kind": found.closure}
        )
    elif not found.post:
        parts.append(
            _(
                "It is with the monitoring desk since %(date)s, which will send it to "
                "the officer who must act."
            )
            % {"date": on(found.since)}
        )
    else:
        parts.append(_holder(found, on))
        if found.due:
            parts.append(_("It must be disposed of by %(date)s.") % {"date": on(found.due)})
        if found.overdue_days:
            parts.append(
                ngettext(
                    "It is %(days)s day past its time limit, and is stuck with %(post)s.",
                    "It is %(days)s days past its time limit, and is stuck with %(post)s.",
                    found.overdue_days,
                )
                % {"days": number_words(found.overdue_days, language), "post": found.post}
            )
    if found.action_on:
        parts.append(
            _("Last action taken, on %(date)s: %(text)s")
            % {"date": on(found.action_on), "text": _shortened(found.action_text)}
        )
    else:
        parts.append(_("No action-taken report yet."))
    return " ".join(parts)


def _holder(found: Details, on) -> str:
    if found.officers:
        return _("It is with %(post)s, %(officers)s, since %(date)s.") % {
            "post": found.post,
            "officers": ", ".join(found.officers),
            "date": on(found.since),
        }
    return _(
        "It is with %(post)s since %(date)s; the post is vacant, and its superior answers for it."
    ) % {"post": found.post, "date": on(found.since)}


def _shortened(text: str, limit: int = 400) -> str:
    """A long report is cut at a sentence end: the full text is on the portal."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = max(text.rfind(mark, 0, limit) for mark in ("।", ".", "?", "!"))
    return text[: cut + 1] if cut > 0 else text[:limit]


def confirm(language: str, step: str) -> str:
    texts = {
        Step.NOT_SATISFIED: lambda: _(
            "You are not satisfied with the action taken, and the complaint will go to the "
            "next level up. To confirm, press 1. To cancel, press 2."
        ),
        Step.REOPEN: lambda: _(
            "This complaint is closed. If you are not satisfied, it will be re-opened at the "
            "next level up. To confirm, press 1. To cancel, press 2."
        ),
        Step.REMIND: lambda: _(
            "A reminder will be sent to the officer who must act. To confirm, press 1. To "
            "cancel, press 2."
        ),
    }
    return _in(language, texts[step])


def done(language: str, step: str) -> str:
    texts = {
        Step.NOT_SATISFIED: lambda: _(
            "Recorded: you are not satisfied. The complaint has gone to the next level up, and "
            "you will get an SMS."
        ),
        Step.REOPEN: lambda: _(
            "Recorded: the complaint is re-opened at the next level up, and you will get an SMS."
        ),
        Step.REMIND: lambda: _("The reminder has been sent to the officer."),
    }
    return _in(language, texts[step])


def cancelled(language: str) -> str:
    return _in(language, lambda: _("Nothing was changed."))


def reminder_too_soon(language: str, next_at: dt.datetime | None) -> str:
    if next_at is None:
        return _in(language, lambda: _("A reminder was sent recently."))
    day = date_words(clock.local_date(next_at), language, clock.local_date(clock.now()))
    return _in(
        language,
        lambda: (
            _("A reminder was sent recently. You can send the next one after %(date)s.")
            % {"date": day}
        ),
    )


def changed(language: str) -> str:
    return _in(
        language,
        lambda: _("The complaint changed while you were listening. Please hear its status again."),
    )


def not_possible(language: str) -> str:
    return _in(
        language,
        lambda: _(
            "This cannot be done by phone for this complaint now. To speak to an agent, press 0."
        ),
    )


def only_complainant(language: str) -> str:
    return _in(
        language,
        lambda: _(
            "Only the complainant, calling from the mobile number the complaint was registered "
            "with, can do this."
        ),
    )


def connecting(language: str) -> str:
    return _in(language, lambda: _("Please hold: we are connecting you to an agent."))


def not_connected(language: str) -> str:
    return _in(
        language, lambda: _("Sorry, we could not connect you to an agent. Please call 1076 again.")
    )


def goodbye(language: str) -> str:
    return _in(language, lambda: _("Thank you for calling. Goodbye."))


def every_fixed_prompt() -> list[tuple[str, str]]:
    """(text, language) of every prompt that does not depend on a complaint: synthesised
    when the IVR starts, so no caller waits for them."""
    found = []
    for language in ("hi", "en"):
        found += [
            (build(language), language)
            for build in (
                greeting,
                menu,
                no_choice,
                no_key,
                ask_reference,
                cancelled,
                changed,
                not_possible,
                only_complainant,
                connecting,
                not_connected,
                goodbye,
            )
        ]
        for step in (Step.NOT_SATISFIED, Step.REOPEN, Step.REMIND):
            found += [(confirm(language, step), language), (done(language, step), language)]
        found.append(other_language(language))
    return found
