"""Pages of the citizen portal. Each view parses the form, calls one service or selector and
renders; the rules live in the services."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from igrs.core.text import mask_mobile
from igrs.grievances import reference, selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.errors import GrievanceError, NotFound
from igrs.grievances.models import Role, Status
from igrs.grievances.services import MAX_ATTACHMENT_BYTES, Upload

from . import selectors as portal
from . import services as portal_services
from . import session
from .forms import CodeForm, ComplaintForm, FeedbackForm, MobileForm, TrackForm

GET_POST = require_http_methods(["GET", "POST"])


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


# ---------------------------------------------------------------- proving the mobile number


@GET_POST
def verify_mobile(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mobile = portal_services.send_otp(form.cleaned_data["mobile"],
                                              session.client_ip(request),
                                              translation.get_language())
        except ValidationError as error:
            _add_errors(form, error)
        except GrievanceError as error:
            form.add_error(None, error.message)
        else:
            request.session[session.PENDING] = mobile
            return redirect(f"{reverse('portal:verify_code')}?next={next_url}")
    return render(request, "portal/verify_mobile.html", {"form": form, "next": next_url})


@GET_POST
def verify_code(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    mobile = request.session.get(session.PENDING)
    if mobile is None:
        return redirect(f"{reverse('portal:verify_mobile')}?next={next_url}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_services.check_otp(mobile, form.cleaned_data["code"])
        except ValidationError as error:
            _add_errors(form, error)
        except GrievanceError as error:
            form.add_error("code", error.message)
        else:
            session.sign_in(request, mobile)
            return redirect(next_url)
    return render(request, "portal/verify_code.html", {
        "form": form, "next": next_url, "masked_mobile": mask_mobile(mobile),
        "mobile": mobile[-10:],
    })


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session.sign_out(request)
    return redirect("portal:home")


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or reverse("portal:mine")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("portal:mine")


def _needs_mobile(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('portal:verify_mobile')}?next={request.path}")


# ---------------------------------------------------------------- filing


@GET_POST
def file_complaint(request: HttpRequest) -> HttpResponse:
    mobile = session.verified_mobile(request)
    if mobile is None:
        return _needs_mobile(request)
    if "refresh" in request.POST:
        # The no-script way to load a district's places: show the form again, unjudged.
        form = ComplaintForm(initial=request.POST.dict())
    else:
        form = ComplaintForm(request.POST or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            complaint, _new = portal_services.file_complaint(
                mobile, data["submission_key"], complainant_name=data["complainant_name"],
                category_id=data["category_id"], place_id=data["place_id"],
                place_detail=data["place_detail"], description=data["description"],
                against_post_id=data["against_post_id"], address=data["address"],
                email=data["email"], language=translation.get_language(),
                uploads=_uploads(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        except GrievanceError as error:
            form.add_error(None, error.message)
        else:
            session.remember_tracked(request, complaint.reference, mobile)
            return redirect("portal:filed", ref=complaint.reference)
    return render(request, "portal/file.html", _filing_context(form, mobile))


def _uploads(request: HttpRequest) -> list[Upload]:
    # One byte past the limit is enough for the service to refuse an oversized file.
    return [Upload(f.name, f.read(MAX_ATTACHMENT_BYTES + 1))
            for f in request.FILES.getlist("files") if f.size]


def _filing_context(form: ComplaintForm, mobile: str) -> dict:
    district = _int(form["district"].value())
    return {
        "form": form, "masked_mobile": mask_mobile(mobile),
        "departments": portal.categories_by_department(), "districts": portal.districts(),
        "places": portal.places_in(district) if district else [],
        "posts": portal.posts_in(district) if district else [],
        "chosen": {name: _int(form[name].value())
                   for name in ("category_id", "district", "place_id", "against_post_id")},
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
def places(request: HttpRequest) -> JsonResponse:
    """The pickers that depend on the district, for the filing form's script."""
    district = _int(request.GET.get("district"))
    if district is None:
        return JsonResponse({"places": [], "posts": []})
    places = portal.places_in(district)
    return JsonResponse({
        "places": [[unit.pk, f"{unit.name} ({unit.get_kind_display()})"] for unit in places],
        "posts": [[p.pk, p.title] for p in portal.posts_in(district)],
    })


@require_GET
def filed(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    return render(request, "portal/filed.html", {
        "complaint": view.complaint, "holder": view.holder,
        "grouped": _grouped(view.complaint.reference),
    })


def _grouped(digits: str) -> str:
    """2026000000018 → '2026 0000 0001 8': easy to read back over the phone."""
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


# ---------------------------------------------------------------- tracking


@GET_POST
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None, initial={"reference": request.GET.get("ref", "")})
    if request.method == "POST" and form.is_valid():
        ref = reference.normalise(form.cleaned_data["reference"])
        if not reference.is_valid(ref):
            form.add_error("reference", _(
                "This is not a valid reference number: a digit is missing, extra or mistyped. "
                "Please check it against the SMS."))
        else:
            try:
                complaint = portal_services.find_for_tracking(
                    ref, form.cleaned_data["mobile"], session.client_ip(request))
            except GrievanceError as error:
                form.add_error(None, error.message)
            else:
                session.remember_tracked(request, complaint.reference, complaint.mobile)
                return redirect("portal:complaint", ref=complaint.reference)
    return render(request, "portal/track.html", {"form": form})


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    mobile = session.verified_mobile(request)
    if mobile is None:
        return _needs_mobile(request)
    return render(request, "portal/mine.html", {
        "complaints": portal.complaints_of(mobile), "masked_mobile": mask_mobile(mobile),
    })


@require_GET
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    return render(request, "portal/complaint.html", _complaint_context(request, view))


def _tracked_view(request: HttpRequest, ref: str) -> selectors.ComplaintView:
    """The tracking view if this session found the complaint or verified its mobile; the same
    404 as for a number never issued otherwise."""
    mobile = session.mobile_for(request, reference.normalise(ref))
    if not mobile:
        raise Http404(_("Find the complaint with its reference and mobile number first."))
    try:
        return selectors.get_complaint(ref, Actor(Role.CITIZEN, mobile=mobile))
    except NotFound as error:
        raise Http404(error.message) from None


def _complaint_context(request: HttpRequest, view: selectors.ComplaintView,
                       feedback: FeedbackForm | None = None, remind_error: str = "") -> dict:
    c = view.complaint
    verified = session.verified_mobile(request) == c.mobile
    return {
        "view": view, "complaint": c, "grouped": _grouped(c.reference),
        "masked_mobile": mask_mobile(c.mobile), "action_taken": portal.last_action_taken(view),
        "verified": verified,
        "can_give_feedback": c.status in (Status.AWAITING_VERIFICATION, Status.CLOSED),
        "can_remind": c.status in (Status.ASSIGNED, Status.CLOSURE_PROPOSED),
        "feedback": feedback or FeedbackForm(), "remind_error": remind_error,
        "verify_url": f"{reverse('portal:verify_mobile')}?next={request.path}",
    }


@require_POST
def feedback(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    mobile = session.verified_mobile(request)
    if mobile != view.complaint.mobile:
        return _needs_mobile(request)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            portal_services.give_feedback(mobile, view.complaint.reference,
                                          satisfied=form.cleaned_data["satisfied"],
                                          reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        except GrievanceError as error:
            form.add_error(None, error.message)
        else:
            return redirect("portal:complaint", ref=view.complaint.reference)
    return render(request, "portal/complaint.html", _complaint_context(request, view, form),
                  status=422)


@require_POST
def remind(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    mobile = session.verified_mobile(request)
    if mobile != view.complaint.mobile:
        return _needs_mobile(request)
    try:
        services.remind(Actor(Role.CITIZEN, mobile=mobile), view.complaint.reference)
    except (GrievanceError, ValidationError) as error:
        message = error.message if isinstance(error, GrievanceError) else " ".join(error.messages)
        return render(request, "portal/complaint.html",
                      _complaint_context(request, view, remind_error=message), status=422)
    return redirect("portal:complaint", ref=view.complaint.reference)


@require_GET
def attachment(request: HttpRequest, ref: str, attachment_id: int) -> FileResponse:
    view = _tracked_view(request, ref)
    found = portal.attachment_of(view.complaint, attachment_id)
    if found is None:
        raise Http404(_("No such file."))
    response = FileResponse(found.file.open("rb"), content_type=found.content_type,
                            filename=found.original_name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _add_errors(form, error: ValidationError) -> None:
    """Put the service's per-field errors next to the form's fields (unknown ones on top)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
