from django import template

from igrs.core.text import mask_mobile

register = template.Library()


@register.filter
def masked(mobile: str) -> str:
    """A mobile as staff who need not call it see it: the last four digits."""
    return mask_mobile(mobile or "")
