from django import forms
from django.utils.translation import gettext_lazy as _


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
