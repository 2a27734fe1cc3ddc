"""How long to wait before trying again, one formula for every retry: SMS sends, webhook
deliveries, unanswered verification calls."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """The wait after the nth failed attempt (n ≥ 1): the nth of `steps` while they last;
    after them the last step, doubled for each attempt past it when `doubling`; never more
    than `ceiling`."""

    steps: tuple[dt.timedelta, ...]
    doubling: bool = True
    ceiling: dt.timedelta | None = None

    def after(self, attempt: int) -> dt.timedelta:
        beyond = max(attempt - len(self.steps), 0)
        wait = self.steps[min(attempt, len(self.steps)) - 1] * (2**beyond if self.doubling else 1)
        return min(wait, self.ceiling) if self.ceiling else wait
