"""The complaint form's pickers (category, district, place, "against" post), for every face
that files complaints: what they offer, grouped, with the words a search finds each by — its
Hindi and English names and their sound keys, so "haidargarh", "Haidergarh" and हैदरगढ़ find
the same tehsil — and the district-dependent lists for the script. Without the script each
is a plain select."""

from dataclasses import dataclass

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from igrs.core import clock
from igrs.core.text import sound_key
from igrs.directory import selectors as directory
from igrs.directory.models import Unit, UnitKind
from igrs.grievances import routing

from .forms import LARGEST_ID

# The groups of the place picker, in order; "district" is for a complaint that needs no
# finer place (the "other / not sure" category).
PLACE_GROUPS = (UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA, UnitKind.DISTRICT)


@dataclass(frozen=True)
class Choice:
    pk: int
    label: str
    kind: str
    words: str


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
        "districts": [_choice(unit) for unit in directory.districts()],
        "place_groups": place_groups(district) if district else [],
        "posts": directory.posts_in(district) if district else [],
        "chosen": chosen,
    }


def place_groups(district_id: int) -> list[tuple[str, str, list[Choice]]]:
    """(kind, its name, the places of that kind) for the district's place picker."""
    by_kind: dict[str, list[Choice]] = {}
    for unit in directory.places_in(district_id):
        by_kind.setdefault(unit.kind, []).append(_choice(unit))
    return [(kind, UnitKind(kind).label, by_kind[kind]) for kind in PLACE_GROUPS if kind in by_kind]


def post_choices(district_id: int, complaint) -> list[Choice]:
    """The posts the desk may send a complaint to: the district's and the state's officers'
    posts, searchable by title; the posts the complaint is against (and those under them)
    are left out, as the rule refuses them anyway."""
    posts = [*(directory.posts_in(district_id) if district_id else []), *directory.state_posts()]
    against = routing.conflicted_posts(
        complaint.against_post_id, complaint.against_officer_id, clock.local_date(clock.now())
    )
    return [
        Choice(post.pk, post.title, str(post.level), _words([post.title_hi, post.title_en]))
        for post in posts
        if not routing.is_conflicted(post.pk, against)
    ]


def _words(names: list[str]) -> str:
    return " ".join([*names, *(sound_key(name) for name in names)])


def _choice(unit: Unit) -> Choice:
    """A place as the picker shows it: a block with its tehsil, the district as itself."""
    names = [unit.name_hi, unit.name_en]
    label = unit.name
    if unit.kind == UnitKind.BLOCK:
        names += [unit.parent.name_hi, unit.parent.name_en]
        label = f"{unit.name} ({unit.parent.name})"
    return Choice(unit.pk, label, unit.kind, _words(names))


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= LARGEST_ID else None


@require_safe
def places(request: HttpRequest) -> JsonResponse:
    """The pickers that depend on the district, for the filing form's script."""
    district = _int(request.GET.get("district"))
    if district is None:
        return JsonResponse({"groups": [], "posts": []})
    return JsonResponse(
        {
            "groups": [
                {
                    "kind": kind,
                    "label": str(label),
                    "places": [[c.pk, c.label, c.words] for c in choices],
                }
                for kind, label, choices in place_groups(district)
            ],
            "posts": [[p.pk, p.title] for p in directory.posts_in(district)],
        }
    )
