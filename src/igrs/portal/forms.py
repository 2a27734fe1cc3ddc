"""The portal's own forms: proving a mobile, tracking, feedback."""

from django import forms
from django.utils.translation import gettext_lazy as _

from igrs.faces.forms import CHOICE, LARGEST_ID, REQUIRED


class MobileForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, error_messages=REQUIRED)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time password (OTP)"), max_length=10, error_messages=REQUIRED
    )


class TrackForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=30, error_messages=REQUIRED)
    mobile = forms.CharField(
        label=_("Mobile number the complaint was filed from"),
        max_length=20,
        error_messages=REQUIRED,
    )


class FeedbackForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with the action taken?"),
        choices=[("yes", _("Yes, satisfied")), ("no", _("No, not satisfied"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages=CHOICE,
    )
    reason = forms.CharField(label=_("Reason (required if not satisfied)"), required=False)
    # The version the citizen read; feedback on a complaint changed since is refused.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=LARGEST_ID
    )
