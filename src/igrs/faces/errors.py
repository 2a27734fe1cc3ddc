"""Putting a service's errors where the person will see them."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError,
                       renamed: dict[str, str] | None = None) -> None:
    """Put a service's per-field errors next to the form's fields (unknown ones on top);
    `renamed` maps a service's argument to the form field that feeds it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        field = (renamed or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages)
