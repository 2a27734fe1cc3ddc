from django import template

from igrs.monitoring import labels

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """mapping[key] in a template (a unit's marks by parameter)."""
    return mapping.get(key)


@register.filter
def parameter_name(name: str) -> str:
    """A ranking parameter's name in the page's language."""
    return labels.parameter_name(name)
