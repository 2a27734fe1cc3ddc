from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Face


class CorrectionForm(forms.Form):
    """Types and required fields only; the grievance service judges the values."""

    complainant_name = forms.CharField(label=_("Complainant's name"), max_length=200)
    mobile = forms.CharField(label=_("Mobile"), max_length=20)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    reason = forms.CharField(
        label=_("Why (the complainant's request)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (the complainant's request)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ViewLogForm(forms.Form):
    """The supervisor's search of the log of views of personal data."""

    ref = forms.CharField(label=_("Reference number"), required=False, max_length=40)
    user = forms.CharField(label=_("Staff login"), required=False, max_length=150)
    since = forms.DateField(label=_("From (date)"), required=False)
    until = forms.DateField(label=_("Until (date)"), required=False)
    face = forms.ChoiceField(
        label=_("Where"), required=False, choices=[("", _("Anywhere")), *Face.choices]
    )
    revealed = forms.BooleanField(label=_("Only full numbers revealed"), required=False)
