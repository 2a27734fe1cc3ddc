"""Putting a service's refusal where the person will see it: next to the form's fields, or in
an API answer with its HTTP status. Every face uses these two, never a try/except of its own
per error class."""

from django.core.exceptions import NON_FIELD_ERRORS

from igrs.core.errors import (
    Conflict,
    Invalid,
    InvalidTransition,
    LimitReached,
    NotFound,
    NotPermitted,
    ServiceError,
)

HTTP_STATUS = {
    NotFound: 404,
    NotPermitted: 403,
    InvalidTransition: 409,
    Conflict: 409,
    LimitReached: 429,
}


def add_service_errors(
    form,
    error: ServiceError,
    renamed: dict[str, str] | None = None,
    general_field: str | None = None,
) -> None:
    """The service's per-field messages next to the form's fields (unknown ones on top), or its
    one message on top (or on `general_field`); `renamed` maps a service's argument to the
    form field that feeds it."""
    if not error.fields:
        form.add_error(general_field, error.message)
        return
    for field, messages in error.fields.items():
        field = (renamed or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages)


def http_status(error: ServiceError) -> int:
    """422 for bad input (a mistyped reference number included), else the status of the
    error's class (400 for any other)."""
    if isinstance(error, Invalid) or error.fields:
        return 422
    return next((status for kind, status in HTTP_STATUS.items() if isinstance(error, kind)), 400)


def api_body(error: ServiceError) -> dict:
    body: dict = {"code": error.code, "message": error.message, **error.details}
    if error.fields:
        body["errors"] = error.fields
    return body


__all__ = ["NON_FIELD_ERRORS", "add_service_errors", "api_body", "http_status"]
