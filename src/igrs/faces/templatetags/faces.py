from django import template

from igrs.core.text import mask_mobile, sound_key

register = template.Library()


@register.filter
def masked(mobile: str) -> str:
    """A mobile as staff who need not call it see it: the last four digits."""
    return mask_mobile(mobile or "")


@register.simple_tag
def search_words(*names: str) -> str:
    """What a picker's search matches an option by: its names, and how they sound (so
    "kabza" finds कब्ज़ा, and "awas" आवास)."""
    return " ".join([*names, *(sound_key(name) for name in names)])
