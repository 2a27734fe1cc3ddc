from django.http import HttpRequest

from igrs.core.text import mask_mobile
from igrs.faces import session


def citizen(request: HttpRequest) -> dict:
    """The signed-in mobile, masked, for the page footer."""
    mobile = session.verified_mobile(request) if hasattr(request, "session") else None
    return {"citizen_mobile": mask_mobile(mobile) if mobile else ""}
