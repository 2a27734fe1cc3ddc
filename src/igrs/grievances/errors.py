"""Errors a service raises. Each carries a message for the user, already translated."""


class GrievanceError(Exception):
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(GrievanceError):
    code = "not_found"


class NotPermitted(GrievanceError):
    code = "not_permitted"


class InvalidTransition(GrievanceError):
    code = "invalid_transition"


class Conflict(GrievanceError):
    """Someone else changed the complaint first; reload and try again."""

    code = "conflict"


class LimitReached(GrievanceError):
    code = "limit_reached"
