"""The complaint form's pickers (category, district, place, "against" post), for every face
that files complaints: the lists they offer and the district-dependent lists for the script."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from igrs.directory import selectors as directory

from .forms import LARGEST_ID


def choices_for(form) -> dict:
    """The lists a complaint form's pickers offer, and what the form has chosen in them (the
    agents' console renders the same fields)."""
    chosen = {
        name: _int(form[name].value())
        for name in ("category_id", "district", "place_id", "against_post_id")
    }
    district = chosen["district"]
    return {
        "departments": directory.categories_by_department(),
        "districts": directory.districts(),
        "places": directory.places_in(district) if district else [],
        "posts": directory.posts_in(district) if district else [],
        "chosen": chosen,
    }


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= LARGEST_ID else None


@require_GET
def places(request: HttpRequest) -> JsonResponse:
    """The pickers that depend on the district, for the filing form's script."""
    district = _int(request.GET.get("district"))
    if district is None:
        return JsonResponse({"places": [], "posts": []})
    places = directory.places_in(district)
    return JsonResponse(
        {
            "places": [[unit.pk, f"{unit.name} ({unit.get_kind_display()})"] for unit in places],
            "posts": [[p.pk, p.title] for p in directory.posts_in(district)],
        }
    )
