"""Form parsing the faces share: types and required fields only. The rules of a complaint are
the grievance service's, whose errors the views put back next to the same fields."""

import uuid
from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from igrs.grievances.services import NewComplaint, Upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


REQUIRED = {"required": _("This field is required.")}
CHOICE = {
    "required": _("Choose one from the list."),
    "invalid": _("Choose one from the list."),
    "min_value": _("Choose one from the list."),
    "max_value": _("Choose one from the list."),
}
LARGEST_ID = 2**63 - 1


def choice(label, required: bool = True) -> forms.IntegerField:
    """An id picked from a list; anything else (a huge number included) is "choose again"."""
    return forms.IntegerField(
        label=label, required=required, min_value=1, max_value=LARGEST_ID, error_messages=CHOICE
    )


class ComplaintForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    complainant_name = forms.CharField(
        label=_("Your name"), max_length=200, error_messages=REQUIRED
    )
    category_id = choice(_("What is the complaint about?"))
    district = choice(_("District"))
    place_id = choice(_("Tehsil, block or police station"))
    place_detail = forms.CharField(
        label=_("Village, mohalla or ward"), max_length=200, required=False
    )
    description = forms.CharField(label=_("Describe the problem"), error_messages=REQUIRED)
    against_post_id = choice(
        _("Is the complaint against an officer or office? (optional)"), required=False
    )
    address = forms.CharField(label=_("Your address (optional)"), required=False)
    email = forms.CharField(label=_("E-mail (optional)"), max_length=254, required=False)
    # Read by the view from request.FILES; declared so errors about them sit next to the input.
    files = forms.Field(
        label=_("Photos or documents (optional, up to 3)"), required=False, widget=MultipleFileInput
    )

    def new_complaint(
        self,
        *,
        source: str,
        mobile: str,
        language: str,
        call_id: str = "",
        uploads: Sequence[Upload] = (),
    ) -> NewComplaint:
        """The valid form as the registration service takes it."""
        data = self.cleaned_data
        return NewComplaint(
            source=source,
            mobile=mobile,
            language=language,
            call_id=call_id,
            uploads=uploads,
            complainant_name=data["complainant_name"],
            category_id=data["category_id"],
            place_id=data["place_id"],
            place_detail=data["place_detail"],
            description=data["description"],
            against_post_id=data["against_post_id"],
            address=data["address"],
            email=data["email"],
        )


class RevealForm(forms.Form):
    """Why a masked mobile must be shown in full (the service checks the reason's length)."""

    reason = forms.CharField(
        label=_("Why do you need the number?"), max_length=500, error_messages=REQUIRED
    )
