"""The monitoring desk's forms: types and required fields; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from igrs.faces.forms import LARGEST_ID, REQUIRED, choice
from igrs.grievances.selectors import DESK_REASONS


class DeskFilterForm(forms.Form):
    district = forms.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    department = forms.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    reason = forms.ChoiceField(
        label=_("Why it is here"),
        required=False,
        choices=[("", _("Any reason")), *DESK_REASONS.items()],
    )
    overdue = forms.BooleanField(label=_("Past the desk's time limit only"), required=False)
    q = forms.CharField(label=_("Reference number, name or words"), required=False, max_length=200)


class Versioned(forms.Form):
    # The version the desk read: an action on a complaint changed since is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=LARGEST_ID)


class AssignForm(Versioned):
    to_post_id = choice(_("Send to the post"))
    note = forms.CharField(label=_("Instructions for the officer (optional)"), required=False)


class CorrectForm(Versioned):
    category_id = choice(_("Correct category"), required=False)
    place_id = choice(_("Correct place"), required=False)
    note = forms.CharField(label=_("Why (optional)"), required=False)


class ReturnToCitizenForm(Versioned):
    reason = forms.CharField(
        label=_("What the complainant must add or change (sent to them by SMS)"),
        error_messages=REQUIRED,
    )
