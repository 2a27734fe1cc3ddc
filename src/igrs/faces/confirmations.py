"""What a person is told after acting on a complaint, on every face: what happened, and what
comes next — the reference, who has it now, by when — in the page's language."""

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.grievances import selectors
from igrs.grievances.models import Complaint


def what_next(complaint: Complaint) -> str:
    """Where the complaint goes from here, from its stage (see selectors.Stage)."""
    stage = selectors.complaint_view(complaint).stage
    ref = complaint.reference
    due = clock.local(stage.due).strftime("%d-%m-%Y") if stage.due else ""
    if stage.code == "closed":
        return _("Complaint %(ref)s is closed: %(kind)s.") % {
            "ref": ref,
            "kind": complaint.get_closure_kind_display(),
        }
    if stage.code == "verification":
        return _(
            "The action taken on %(ref)s is reported; the 1076 call centre will call the "
            "complainant to ask whether the problem was solved."
        ) % {"ref": ref}
    if stage.code == "closure_decision":
        return _(
            "Complaint %(ref)s now waits for %(post)s to decide the special closure, by %(due)s."
        ) % {"ref": ref, "post": stage.post.title, "due": due}
    if stage.code == "desk":
        return _(
            "Complaint %(ref)s is with %(post)s, which sends it to the officer who must "
            "act, by %(due)s."
        ) % {"ref": ref, "post": _desk_title(stage), "due": due}
    officers = ", ".join(officer.name for officer in stage.officers)
    holder = f"{stage.post.title} ({officers})" if officers else stage.post.title
    return _("Complaint %(ref)s is now with %(holder)s, to act on it by %(due)s.") % {
        "ref": ref,
        "holder": holder,
        "due": due,
    }


def _desk_title(stage: selectors.Stage) -> str:
    return stage.post.title if stage.post else _("the monitoring desk")


def confirm(request: HttpRequest, done: str, complaint: Complaint) -> None:
    """Tell the person, on the next page they see, what they did and what comes next."""
    messages.success(request, f"{done} {what_next(complaint)}")
