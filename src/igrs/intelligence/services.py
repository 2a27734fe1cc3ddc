"""Category suggestions: rank the categories for a text, record the one chosen when the
complaint is filed, and rebuild the model from the corpus and the desk's corrections.

A suggestion writes nothing: it returns a signed token carrying what was suggested, which the
form (or an API client) hands back when the complaint is filed; only then is a row written,
with the category actually chosen."""

import hashlib
import unicodedata
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid
from igrs.core.text import nfc
from igrs.directory.models import Unit
from igrs.grievances.models import Complaint

from . import engine, selectors
from .models import CategorySuggestion, Channel
from .selectors import SuggestibleCategory

MAX_TEXT = 5000
LARGEST_ID = 2**63
MAX_RANKED = 5
TOKEN_SALT = "igrs.intelligence.suggestion"
TOKEN_MAX_AGE = 24 * 3600  # a form may stay open a long while; a day is plenty
ALLOWED_CONTROLS = {"\n", "\r", "\t"}


class ModelNotReady(Exception):
    """No model yet: the first one is being built (seconds, once per installation)."""


@dataclass(frozen=True)
class Suggested:
    category: SuggestibleCategory
    score: float


@dataclass(frozen=True)
class Suggestion:
    model_version: str
    ranked: list[Suggested]
    token: str


def clean_text(text: str) -> str:
    """The text to suggest for, NFC-normalised; empty, over-long or control-character text is
    refused."""
    if any(
        unicodedata.category(c) in {"Cc", "Cs"} and c not in ALLOWED_CONTROLS for c in text or ""
    ):
        raise Invalid(fields={"text": _("The text contains control characters.")})
    text = nfc(text)
    if not text:
        raise Invalid(fields={"text": _("Write a few words about the problem first.")})
    if len(text) > MAX_TEXT:
        raise Invalid(
            fields={"text": _("The text is longer than %(n)d characters.") % {"n": MAX_TEXT}}
        )
    return text


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_place(place_id: int | None) -> None:
    if place_id is not None and not (
        0 < place_id < LARGEST_ID and Unit.objects.filter(pk=place_id).exists()
    ):
        raise Invalid(
            fields={"place_id": _("Choose the district, tehsil, block or police station.")}
        )


def suggest(
    text: str, *, channel: str, place_id: int | None = None, limit: int = MAX_RANKED
) -> Suggestion:
    """The best categories for the text, among the active ones, best first. The place is
    checked and recorded but does not change the ranking (the corpus has no places)."""
    text = clean_text(text)
    _check_place(place_id)
    model = engine.current()
    if model is None:
        raise ModelNotReady
    ranked = rank(model, text, limit)
    token = signing.dumps(
        {
            "v": model.version,
            "h": text_hash(text),
            "c": channel,
            "p": place_id,
            "s": [[s.category.code, s.score] for s in ranked],
        },
        salt=TOKEN_SALT,
        compress=True,
    )
    return Suggestion(model.version, ranked, token)


def rank(model: engine.Model, text: str, limit: int = MAX_RANKED) -> list[Suggested]:
    """The model's best categories among the suggestible ones, best first."""
    categories = selectors.suggestible_categories()
    return [
        Suggested(categories[code], round(score, 4))
        for code, score in model.scorer.rank(text, categories, min(limit, MAX_RANKED))
    ]


def record_choice(token: str, complaint: Complaint, *, picked: bool) -> CategorySuggestion | None:
    """Record the suggestion shown before `complaint` was filed with the category it was filed
    in. A missing, forged or expired token records nothing (filing never fails for it); the
    same complaint is recorded once."""
    try:
        shown = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    codes = [code for code, _score in shown["s"]]
    chosen = complaint.category.code
    try:
        with transaction.atomic():
            suggestion, _created = CategorySuggestion.objects.get_or_create(
                complaint=complaint,
                defaults={
                    "text_hash": shown["h"],
                    "place_id": shown["p"],
                    "suggested": shown["s"],
                    "model_version": shown["v"],
                    "chosen_category_id": complaint.category_id,
                    "chosen_rank": codes.index(chosen) + 1 if chosen in codes else None,
                    "picked": picked and chosen in codes,
                    "channel": shown["c"] if shown["c"] in Channel.values else Channel.API,
                    "created_at": clock.now(),
                },
            )
    except IntegrityError:  # the same complaint recorded at the same moment elsewhere
        suggestion = CategorySuggestion.objects.get(complaint=complaint)
    return suggestion


def retrain(only_if_stale: bool = False) -> engine.BuildResult | None:
    """Rebuild the model from the corpus and every correction the desk has made; with
    `only_if_stale`, only when there is none or it was built from another corpus."""
    result = engine.build(selectors.corrections, only_if_stale)
    engine.forget()
    return result
