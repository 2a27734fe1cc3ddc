"""The suggestion endpoint for the portal's filing form and the agents' console (session
sign-in, not API tokens), and the hook their filing views call to record the choice."""

import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from igrs.core.accounts import roles_of
from igrs.core.errors import Invalid
from igrs.faces import session
from igrs.grievances.models import Complaint

from . import services
from .models import Channel

SHOWN = 3  # suggestions shown under the description
MAX_BODY = 64 * 1024
STAFF_ROLES = {"agent", "desk", "admin"}
TOKEN_FIELD = "category_suggestion"
PICKED_FIELD = "category_suggestion_picked"


def _channel(request: HttpRequest) -> str | None:
    """Agents (and the desk) on the console; citizens whose mobile is verified on the portal
    (asking extends their sign-in, as any use does: they are writing their complaint)."""
    if request.user.is_authenticated and roles_of(request.user) & STAFF_ROLES:
        return Channel.CONSOLE
    if session.verified_mobile(request):
        return Channel.PORTAL
    return None


def _over_limit(request: HttpRequest) -> bool:
    """Requests per minute per person (per-process cache unless a shared one is configured):
    typing with a 300 ms pause asks a few times a minute."""
    who = request.user.pk if request.user.is_authenticated else request.session.session_key
    key = f"igrs-suggest:{who or session.client_ip(request)}"
    if cache.add(key, 1, 60):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 60)
        return False
    return count > settings.IGRS_SUGGEST_PER_MINUTE


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _label(category) -> str:
    return category.name_en if translation.get_language() == "en" else category.name_hi


@never_cache
@require_POST
def suggest_category(request: HttpRequest) -> JsonResponse:
    """{"text": …, "place_id": …} → the top three categories in the page's language, and the
    token the form sends back when it files."""
    channel = _channel(request)
    if channel is None:
        return _error("not_permitted", _("Sign in (or verify your mobile) first."), 403)
    if _over_limit(request):
        return _error("limit_reached", _("Too many requests; wait a minute."), 429)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return _error("invalid", _("The text is too long."), 400)
    try:
        body = json.loads(request.body)
        text, place_id = body["text"], body.get("place_id")
        if not isinstance(text, str) or not (place_id is None or type(place_id) is int):
            raise TypeError
        suggestion = services.suggest(text, channel=channel, place_id=place_id, limit=SHOWN)
    except (ValueError, KeyError, TypeError):
        return _error("invalid", _("The request is not in the expected form."), 400)
    except Invalid as error:
        return _error("invalid", error.describe(), 400)
    except services.ModelNotReady:
        return _error("not_ready", _("Suggestions are being prepared."), 503)
    return JsonResponse(
        {
            "heading": _("Suggested categories (press one to choose it):"),
            "token": suggestion.token,
            "suggestions": [
                {
                    "category_id": s.category.id,
                    "code": s.category.code,
                    "label": _label(s.category),
                    "score": s.score,
                }
                for s in suggestion.ranked
            ],
        }
    )


def record_suggestion_choice(request: HttpRequest, complaint: Complaint) -> None:
    """For the filing views, once the complaint is filed: record the suggestion the form
    carried (nothing when it carried none, e.g. without JavaScript)."""
    token = request.POST.get(TOKEN_FIELD, "")
    if token:
        services.record_choice(token, complaint, picked=request.POST.get(PICKED_FIELD) == "1")
