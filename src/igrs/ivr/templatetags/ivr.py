"""What the IVR adds to the call centre's pages, as template tags, so those pages need one
line each and their views none: the hand-over on the agent's console, today's IVR counts on
the supervisor's page."""

from django import template

from igrs.grievances import reference

from .. import selectors

register = template.Library()


@register.inclusion_tag("ivr/_handover.html")
def ivr_handover(call):
    handover = selectors.handover_for(call)
    return {
        "handover": handover,
        "grouped": reference.grouped(handover.reference) if handover else "",
    }


@register.inclusion_tag("ivr/_today.html")
def ivr_today():
    return {"ivr": selectors.today()}
