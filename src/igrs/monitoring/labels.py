"""Names people read for the dashboard's internal keys: the ranking's parameters and levels.
One place for the pages, the CSV and Excel files and the PDF, so they never disagree."""

from django.utils.translation import gettext_lazy as _

PARAMETERS = {
    "timely": _("Disposed in time"),
    "defaulters": _("No deadlines missed"),
    "satisfaction": _("Satisfied on verification"),
    "reopens": _("Not re-opened"),
    "special_closures": _("Few special closures"),
    "evidence": _("Photo evidence"),
    "unflagged": _("Reports not flagged"),
}

LEVELS = {
    "district": _("Districts"),
    "department": _("Departments"),
    "tehsil": _("Tehsils"),
    "thana": _("Thanas"),
}


def parameter_name(name: str) -> str:
    """A parameter of the ranking formula as people call it; a new one by its key."""
    return str(PARAMETERS.get(name, name))


def in_order(weights: dict) -> list[tuple[str, float]]:
    """A formula's (parameter, weight) pairs in the order above, whatever order the database
    kept the JSON in (PostgreSQL's jsonb sorts keys its own way); new parameters last."""
    place = {name: i for i, name in enumerate(PARAMETERS)}
    return sorted(weights.items(), key=lambda item: place.get(item[0], len(place)))


def level_name(level: str) -> str:
    return str(LEVELS.get(level, level))
