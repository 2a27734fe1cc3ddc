from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """mapping[key] in a template (a unit's marks by parameter)."""
    return mapping.get(key)
