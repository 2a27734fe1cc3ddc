"""Reads for suggestions: the categories that may be suggested, the desk's corrections (the
training examples production adds), and how the recorded suggestions fared."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from igrs.core.cache import memoize
from igrs.directory.models import Category
from igrs.grievances.models import Action, Complaint, Event

from .corpus import Example
from .models import CategorySuggestion


@dataclass(frozen=True)
class SuggestibleCategory:
    id: int
    code: str
    name_hi: str
    name_en: str


@memoize
def suggestible_categories() -> dict[str, SuggestibleCategory]:
    """Active categories by code; a code the model knows but the database does not (or holds
    inactive) is never suggested, nor "other / not sure" (it goes to the desk)."""
    return {
        code: SuggestibleCategory(pk, code, name_hi, name_en)
        for pk, code, name_hi, name_en in Category.objects.filter(active=True)
        .exclude(to_desk=True)
        .values_list("pk", "code", "name_hi", "name_en")
    }


def corrections() -> list[Example]:
    """(description, corrected category) of every complaint whose category the desk changed
    (when forwarding it, or correcting it while it holds it); the last correction of a
    complaint counts. Oldest first."""
    corrected: dict[int, int] = {}
    rows = (
        Event.objects.filter(
            action__in=(Action.FORWARD, Action.CORRECT), data__has_key="category_id"
        )
        .order_by("at", "pk")
        .values_list("complaint_id", "data")
    )
    for complaint_id, data in rows.iterator(chunk_size=2000):
        if isinstance(data.get("category_id"), int):
            corrected[complaint_id] = data["category_id"]
    codes = dict(Category.objects.values_list("pk", "code"))
    descriptions = dict(Complaint.objects.filter(pk__in=corrected).values_list("pk", "description"))
    return [
        Example(descriptions[pk], codes[category_id])
        for pk, category_id in corrected.items()
        if category_id in codes and descriptions.get(pk, "").strip()
    ]


@dataclass(frozen=True)
class RecordedAccuracy:
    recorded: int
    top1: int
    top3: int
    picked: int


def recorded_accuracy(since: dt.datetime) -> RecordedAccuracy:
    """How often the category a complaint was filed in was the first, or among the first
    three, of the suggestions shown."""
    counts = CategorySuggestion.objects.filter(created_at__gte=since).aggregate(
        recorded=Count("pk"),
        top1=Count("pk", filter=Q(chosen_rank=1)),
        top3=Count("pk", filter=Q(chosen_rank__lte=3)),
        picked=Count("pk", filter=Q(picked=True)),
    )
    return RecordedAccuracy(**counts)
