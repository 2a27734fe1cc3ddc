"""The one family of errors a service raises. Each carries a message for the person, already
translated, and, for bad input, the messages per field; the faces turn them into form errors
or API errors with one helper each (faces/errors.py)."""

from collections.abc import Mapping, Sequence


class ServiceError(Exception):
    code = "error"

    def __init__(
        self,
        message: str = "",
        *,
        fields: Mapping[str, str | Sequence[str]] | None = None,
        details: Mapping[str, object] | None = None,
    ):
        # Facts a program answering the person can use (e.g. the kind of place wanted).
        self.details = dict(details or {})
        self.fields: dict[str, list[str]] = {
            name: [text] if isinstance(text, str) else list(text)
            for name, text in (fields or {}).items()
        }
        # Without a general message, the fields' messages say it all (for a command line).
        self.message = message or " ".join(t for texts in self.fields.values() for t in texts)
        super().__init__(self.message)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """One line for a command line or a report: each field (by its name in `names`, if
        the reader knows it by another) with its messages, or the message."""
        if not self.fields:
            return self.message
        return "; ".join(
            f"{(names or {}).get(field, field)}: {' '.join(texts)}"
            for field, texts in self.fields.items()
        )


class Invalid(ServiceError):
    """Input the rules refuse; `fields` says which field and why."""

    code = "invalid"


class InvalidReference(Invalid):
    """A reference number whose check digit or length is wrong: a typo, not an unknown one."""

    code = "invalid_reference"


class KeyReused(Invalid):
    """An idempotency key sent again with a different request: never the first answer."""

    code = "idempotency_key_reused"


class NotFound(ServiceError):
    code = "not_found"


class NotPermitted(ServiceError):
    code = "not_permitted"


class InvalidTransition(ServiceError):
    code = "invalid_transition"


class Conflict(ServiceError):
    """Someone else changed the complaint first; reload and try again."""

    code = "conflict"


class LimitReached(ServiceError):
    code = "limit_reached"
