"""/api/v1/suggestions: category suggestions for whoever may register complaints (agent, desk,
admin tokens; the API's own bearer authentication applies to this router)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from igrs.core.errors import NotPermitted
from igrs.core.roles import Role
from igrs.grievances import selectors as grievance_selectors

from . import services
from .models import Channel

REGISTERING_ROLES = {Role.AGENT, Role.DESK, Role.ADMIN}

router = Router(tags=["suggestions"])


class SuggestIn(Schema):
    text: str = Field(description="The complaint's description, in any script or language.")
    place_id: int | None = Field(None, description="The place, if known (recorded only).")
    limit: int = Field(services.MAX_RANKED, ge=1, le=services.MAX_RANKED)


class SuggestedOut(Schema):
    code: str
    category_id: int
    name_hi: str
    name_en: str
    score: float = Field(description="Probability among the suggestible categories.")


class SuggestOut(Schema):
    model_version: str
    suggestions: list[SuggestedOut]
    token: str = Field(
        description="Hand it back with POST /suggestions/category/choice once "
        "the complaint is filed, to record the choice."
    )


class ChoiceIn(Schema):
    token: str
    reference: str
    picked: bool = Field(False, description="Whether a suggestion was chosen as shown.")


class ChoiceOut(Schema):
    recorded: bool
    chosen_rank: int | None


class ErrorOut(Schema):
    code: str
    message: str


def _registering(request: HttpRequest) -> None:
    if request.auth.role not in REGISTERING_ROLES:
        raise NotPermitted(_("Your role may not use this."))


# Ninja's own refusals (a body that is not JSON) are 400s in the API's error shape.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


@router.post("/category", response={200: SuggestOut, 503: ErrorOut, **ERRORS})
def suggest_category(request: HttpRequest, body: SuggestIn):
    """The best categories for a complaint's text, best first, with scores."""
    _registering(request)
    try:
        suggestion = services.suggest(
            body.text, channel=Channel.API, place_id=body.place_id, limit=body.limit
        )
    except services.ModelNotReady:
        return Status(
            503,
            {
                "code": "not_ready",
                "message": _("Suggestions are being prepared; try again in a minute."),
            },
        )
    return Status(
        200,
        {
            "model_version": suggestion.model_version,
            "token": suggestion.token,
            "suggestions": [
                {
                    "code": s.category.code,
                    "category_id": s.category.id,
                    "name_hi": s.category.name_hi,
                    "name_en": s.category.name_en,
                    "score": s.score,
                }
                for s in suggestion.ranked
            ],
        },
    )


@router.post("/category/choice", response={200: ChoiceOut, 404: ErrorOut, **ERRORS})
def record_choice(request: HttpRequest, body: ChoiceIn):
    """Record, once the complaint is filed, the suggestion that was shown for it; the category
    chosen is the complaint's. A token that is not ours (or over a day old) records nothing."""
    _registering(request)
    complaint = grievance_selectors.visible_complaint(body.reference, request.auth)
    recorded = services.record_choice(body.token, complaint, picked=body.picked)
    return Status(
        200,
        {
            "recorded": recorded is not None,
            "chosen_rank": recorded.chosen_rank if recorded else None,
        },
    )
