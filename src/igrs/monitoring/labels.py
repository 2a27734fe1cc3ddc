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


def level_name(level: str) -> str:
    return str(LEVELS.get(level, level))
