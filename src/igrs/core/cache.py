"""A per-process memo for master data.

Master data changes a few times a day and is read on every registration, so each process keeps
what it has read for IGRS_MASTER_CACHE_SECONDS. A save in this process clears it at once; other
processes see the change within that many seconds. At most MAX_ENTRIES are kept, the least
recently used going first, so arbitrary keys (unknown tokens, ever new dates) cannot grow it.
"""

import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings

MAX_ENTRIES = 20_000
_entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()


def clear() -> None:
    _entries.clear()


def memoize[F: Callable[..., Any]](fn: F) -> F:
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        key = (name, *args)
        now = time.monotonic()
        hit = _entries.get(key)
        if hit is not None and hit[0] > now:
            _entries.move_to_end(key)
            return hit[1]
        value = fn(*args)
        _entries[key] = (now + settings.IGRS_MASTER_CACHE_SECONDS, value)
        _entries.move_to_end(key)
        if len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
        return value

    return wrapper  # type: ignore[return-value]


def clear_when_saved(*models: type) -> None:
    """Clear this process's memo whenever one of these master-data models changes here."""
    from django.db.models.signals import post_delete, post_save

    def _clear(**_kwargs: Any) -> None:
        clear()

    for model in models:
        post_save.connect(_clear, sender=model, weak=False, dispatch_uid=f"memo-{model.__name__}")
        post_delete.connect(
            _clear, sender=model, weak=False, dispatch_uid=f"memo-del-{model.__name__}"
        )
