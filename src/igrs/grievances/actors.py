from dataclasses import dataclass

from igrs.core.roles import Role


@dataclass(frozen=True)
class Actor:
    """Who is acting: a role plus, where known, the user, the officer and the citizen's mobile
    that a face has authenticated."""

    role: str
    user_id: int | None = None
    officer_id: int | None = None
    mobile: str = ""


SYSTEM = Actor(Role.SYSTEM)
