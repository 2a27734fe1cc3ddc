"""Form parsing for the agents' consoles (types and required fields; the rules are the
services')."""

from django import forms
from django.utils.translation import gettext_lazy as _

from igrs.faces.forms import REQUIRED, ComplaintForm
from igrs.grievances.services import Outcome

from .services import CALL_BACK


class AgentComplaintForm(ComplaintForm):
    """The portal's complaint fields, for an agent filing on a caller's behalf."""

    mobile = forms.CharField(
        label=_("Caller's mobile number"), max_length=20, error_messages=REQUIRED
    )
    call_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    other_number = forms.BooleanField(
        label=_("The complainant's mobile is another number, not the one calling"),
        required=False,
    )
    consent = forms.BooleanField(
        label=_("I have read out the consent line and the caller agrees"),
        error_messages={"required": _("Read out the consent line and tick this box.")},
    )

    field_order = ["mobile"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["files"]
        self.fields["complainant_name"].label = _("Complainant's name")
        self.fields["address"].label = _("Complainant's address (optional)")


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note for the timeline"), error_messages=REQUIRED)


class VerificationForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did the complainant say?"),
        widget=forms.RadioSelect,
        choices=[
            (Outcome.SATISFIED, _("Satisfied: close the complaint")),
            (Outcome.NOT_SATISFIED, _("Not satisfied: send it to the next level")),
            (Outcome.UNREACHABLE, _("Could not talk to the complainant")),
            (CALL_BACK, _("Asked to be called back later")),
        ],
        error_messages={"required": _("Choose what happened on the call.")},
    )
    note = forms.CharField(label=_("Complainant's words / reason"), required=False)
    no_answer = forms.ChoiceField(
        label=_("Why not?"),
        required=False,
        choices=[
            ("not_reachable", _("Not reachable / no answer")),
            ("switched_off", _("Switched off")),
            ("wrong_number", _("Wrong number")),
        ],
    )
    call_back_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"invalid": _("Enter the date and time.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AuditForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did the complainant say?"),
        widget=forms.RadioSelect,
        choices=[
            ("confirmed", _("Confirms the verification")),
            ("disputed", _("Disputes it (flag for review)")),
            ("unreachable", _("Not reachable")),
        ],
        error_messages={"required": _("Choose what happened on the call.")},
    )
    note = forms.CharField(label=_("Complainant's words"), required=False)
