"""The one retry formula, as each of its users sets it."""

import datetime as dt

from igrs.core.backoff import Backoff

S, M, H = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)


def test_doubling_from_the_first_step_up_to_the_ceiling():
    sms = Backoff((30 * S,), ceiling=H)
    assert [sms.after(n) for n in range(1, 10)] == [
        30 * S,
        60 * S,
        120 * S,
        240 * S,
        480 * S,
        960 * S,
        1920 * S,
        H,
        H,
    ]


def test_doubling_without_a_ceiling():
    webhooks = Backoff((2 * M,))
    assert [webhooks.after(n) for n in (1, 2, 3, 8)] == [2 * M, 4 * M, 8 * M, 256 * M]


def test_a_schedule_of_steps_keeps_its_last_step():
    calls = Backoff((2 * H, 6 * H, 24 * H), doubling=False)
    assert [calls.after(n) for n in range(1, 6)] == [2 * H, 6 * H, 24 * H, 24 * H, 24 * H]
