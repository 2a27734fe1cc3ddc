from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def said(error: str) -> str:
    """A stored error in the reader's language where IGRS wrote it (marked with
    gettext_noop); a gateway's own words stay as it said them."""
    return gettext(error) if error else error
