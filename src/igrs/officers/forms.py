"""Form parsing for the officer workspace; the rules are the grievance services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from igrs.core.text import ascii_digits
from igrs.faces.forms import CHOICE, REQUIRED, MultipleFileInput, choice
from igrs.grievances.models import Disposal, Grade, SpecialGround


class DayMonthYearField(forms.DateField):
    """A date as people in India write it, dd/mm/yyyy (or with - or ., a two-digit year, or
    Devanagari digits), whatever the page's language; yyyy-mm-dd as a browser's date picker
    sends it. A text input, so the format shown is the page's and not the phone's."""

    input_formats = [
        f"%d{sep}%m{sep}{year}" for year in ("%Y", "%y") for sep in ("/", "-", ".")
    ] + ["%Y-%m-%d"]
    default_error_messages = {
        "invalid": _("This is not a date. Write it as day/month/year, for example 25/03/2026."),
    }
    earliest_year = 2000  # "25/03/0026" is a slip of the keyboard, not a visit in 26 AD

    def to_python(self, value):
        day = super().to_python(ascii_digits(value) if isinstance(value, str) else value)
        if day is not None and day.year < self.earliest_year:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search: reference, last digits of the mobile, or words"),
        required=False,
        max_length=100,
    )
    post = choice(_("Post"), required=False)
    category = choice(_("Category"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("assigned", _("With me for action")),
            ("closure_proposed", _("Special closure to decide")),
        ],
    )
    older_than = forms.TypedChoiceField(
        label=_("Age"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any")),
            ("3", _("Older than 3 days")),
            ("7", _("Older than 7 days")),
            ("15", _("Older than 15 days")),
            ("30", _("Older than 30 days")),
        ],
    )


class AtrForm(forms.Form):
    disposal = forms.ChoiceField(
        label=_("Outcome"),
        choices=Disposal.choices,
        widget=forms.RadioSelect,
        error_messages=CHOICE,
    )
    report = forms.CharField(
        label=_("What was done (for “cannot be resolved”, also why)"), error_messages=REQUIRED
    )
    site_visit_on = DayMonthYearField(label=_("Date of site visit"), required=False)
    persons_met = forms.CharField(label=_("Who was met"), required=False, max_length=500)
    complainant_statement = forms.CharField(label=_("Complainant's statement"), required=False)
    opposite_party_statement = forms.CharField(
        label=_("Opposite party's statement"), required=False
    )
    files = forms.Field(
        label=_("Photos or documents (up to 3)"), required=False, widget=MultipleFileInput
    )
    whole_cluster = forms.BooleanField(
        label=_("File this report on every complaint of this problem waiting on your post"),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ForwardDownForm(forms.Form):
    to_post_id = choice(_("Forward to"))
    note = forms.CharField(label=_("Instructions"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why it is not for your post"), error_messages=REQUIRED)
    suggestion = forms.CharField(
        label=_("Which department or place it belongs to"), required=False, max_length=300
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ClosureForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Ground"), choices=SpecialGround.choices, error_messages=CHOICE
    )
    reason = forms.CharField(label=_("Report"), error_messages=REQUIRED)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Special closure"),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        choices=[
            ("yes", _("Approve: close the complaint")),
            ("no", _("Reject: back to the post for action")),
        ],
        error_messages=CHOICE,
    )
    note = forms.CharField(label=_("Remarks"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class InterimForm(forms.Form):
    reply = forms.CharField(label=_("Interim reply to the complainant"), error_messages=REQUIRED)


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Your remarks (added to the report)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class GradeForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Grade"), choices=Grade.choices, widget=forms.RadioSelect, error_messages=CHOICE
    )
    remarks = forms.CharField(label=_("Remarks (required for C)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
