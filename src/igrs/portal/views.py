"""Pages of the citizen portal. Each view parses the form, calls one service or selector and
renders; the rules live in the services."""

from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from igrs.core.errors import InvalidReference, NotFound, ServiceError
from igrs.core.replica import reads_from_replica
from igrs.core.roles import Role
from igrs.core.text import mask_mobile
from igrs.faces import session
from igrs.faces.complaints import complaint_page
from igrs.faces.confirmations import confirm
from igrs.faces.errors import add_service_errors
from igrs.faces.forms import ComplaintForm
from igrs.faces.pickers import choices_for
from igrs.faces.similar import similar_to_offer
from igrs.grievances import lifecycle, reference, selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Source
from igrs.grievances.services import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload
from igrs.intelligence.views import record_suggestion_choice

from . import selectors as portal
from . import services as portal_services
from .forms import CodeForm, FeedbackForm, MobileForm, TrackForm

GET_POST = require_http_methods(["GET", "POST"])


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


# ---------------------------------------------------------------- proving the mobile number


@GET_POST
def verify_mobile(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = portal_services.send_otp(
                form.cleaned_data["mobile"], session.client_ip(request), translation.get_language()
            )
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            request.session[session.PENDING] = sent.mobile
            request.session[session.PENDING_CODE] = sent.code_id
            return redirect(_with_next("portal:verify_code", next_url))
    return render(request, "portal/verify_mobile.html", {"form": form, "next": next_url})


@GET_POST
def verify_code(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    mobile = request.session.get(session.PENDING)
    if mobile is None:
        return redirect(_with_next("portal:verify_mobile", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_services.check_otp(
                mobile, request.session.get(session.PENDING_CODE), form.cleaned_data["code"]
            )
        except ServiceError as error:
            add_service_errors(form, error, general_field="code")
        else:
            session.sign_in(request, mobile)
            return redirect(next_url)
    return render(
        request,
        "portal/verify_code.html",
        {
            "form": form,
            "next": next_url,
            "masked_mobile": mask_mobile(mobile),
            "mobile": mobile[-10:],
        },
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session.sign_out(request)
    return redirect("portal:home")


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or reverse("portal:mine")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("portal:mine")


def _with_next(view: str, next_url: str) -> str:
    return f"{reverse(view)}?{urlencode({'next': next_url}, safe='/')}"


def _needs_mobile(next_url: str) -> HttpResponse:
    return redirect(_with_next("portal:verify_mobile", next_url))


# ---------------------------------------------------------------- filing


@never_cache
@GET_POST
def file_complaint(request: HttpRequest) -> HttpResponse:
    mobile = session.verified_mobile(request)
    if mobile is None:
        if request.method == "POST":
            # The sign-in ran out while the form was being written: keep what was typed.
            request.session[session.DRAFT] = _draft(request.POST)
        return _needs_mobile(reverse("portal:file"))
    draft = request.session.pop(session.DRAFT, None)
    if "refresh" in request.POST or (request.method == "GET" and draft):
        # Show the form again, unjudged: the no-script way to load a district's places, or
        # the draft kept over a fresh OTP.
        form = ComplaintForm(initial=draft or _draft(request.POST))
    else:
        form = ComplaintForm(request.POST or None)
    if form.is_bound and not form.is_valid() and "submission_key" in form.errors:
        form = ComplaintForm(initial=_draft(request.POST))  # a tampered key: start afresh
    elif form.is_bound and form.is_valid():
        data = form.cleaned_data
        new = form.new_complaint(
            source=Source.PORTAL,
            mobile=mobile,
            language=translation.get_language(),
            uploads=_uploads(request),
        )
        if offered := similar_to_offer(request.POST, new, data["submission_key"]):
            context = _filing_context(form, mobile)
            return render(request, "portal/file.html", context | {"similar_found": offered})
        try:
            if link_to := request.POST.get("link_to"):
                joined = portal_services.link_instead(mobile, link_to, new)
                return render(request, "portal/linked.html", {"complaint": joined})
            complaint, _new = portal_services.file_complaint(mobile, data["submission_key"], new)
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            record_suggestion_choice(request, complaint)
            session.remember_tracked(request, complaint.reference, mobile)
            return redirect("portal:filed", ref=complaint.reference)
    return render(request, "portal/file.html", _filing_context(form, mobile))


def _draft(data) -> dict:
    return {
        name: value
        for name, value in data.items()
        if name not in ("csrfmiddlewaretoken", "refresh", "submission_key")
    }


def _uploads(request: HttpRequest) -> list[Upload]:
    # One file too many, and one byte past the size limit, are enough for the service to
    # refuse; nothing more is read into memory.
    files = [f for f in request.FILES.getlist("files") if f.size][: MAX_ATTACHMENTS + 1]
    return [Upload(f.name, f.read(MAX_ATTACHMENT_BYTES + 1)) for f in files]


def _filing_context(form: ComplaintForm, mobile: str) -> dict:
    return {"form": form, "masked_mobile": mask_mobile(mobile), **choices_for(form)}


@never_cache
@require_safe
def filed(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    return render(
        request,
        "portal/filed.html",
        {
            "complaint": view.complaint,
            "holder": view.holder,
            "grouped": reference.grouped(view.complaint.reference),
            "spoken": " ".join(view.complaint.reference),
        },
    )


# ---------------------------------------------------------------- tracking


@GET_POST
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None, initial={"reference": request.GET.get("ref", "")})
    if request.method == "POST" and form.is_valid():
        ref = reference.normalise(form.cleaned_data["reference"])
        if not reference.is_valid(ref):
            form.add_error(
                "reference",
                _(
                    "This is not a valid reference number: a digit is missing, extra or mistyped. "
                    "Please check it against the SMS."
                ),
            )
        else:
            try:
                complaint = portal_services.find_for_tracking(
                    ref, form.cleaned_data["mobile"], session.client_ip(request)
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                session.remember_tracked(request, complaint.reference, complaint.mobile)
                return redirect(_complaint_url(complaint.reference))
    return render(request, "portal/track.html", {"form": form})


@never_cache
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    mobile = session.verified_mobile(request)
    if mobile is None:
        return _needs_mobile(reverse("portal:mine"))
    return render(
        request,
        "portal/mine.html",
        {
            "complaints": portal.complaints_of(mobile),
            "masked_mobile": mask_mobile(mobile),
        },
    )


@never_cache
@require_safe
@reads_from_replica
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
    except (NotFound, InvalidReference) as error:
        raise Http404(error.message) from None


def _complaint_context(
    request: HttpRequest,
    view: selectors.ComplaintView,
    feedback: FeedbackForm | None = None,
    remind_error: str = "",
) -> dict:
    c = view.complaint
    verified = session.verified_mobile(request) == c.mobile
    return {
        # Internal steps (a subordinate's unapproved report, a senior's grade) stay inside.
        **complaint_page(
            view,
            "portal:attachment",
            Actor(Role.CITIZEN, mobile=session.mobile_for(request, c.reference) or ""),
            timeline=[e for e in view.events if e.action not in selectors.INTERNAL_STEPS],
        ),
        "masked_mobile": mask_mobile(c.mobile),
        "verified": verified,
        "can_give_feedback": any(
            lifecycle.allows(c.status, action, Role.CITIZEN)
            for action in (Action.VERIFY_NOT_SATISFIED, Action.REOPEN)
        ),
        "can_remind": lifecycle.allows(c.status, Action.REMIND, Role.CITIZEN),
        "feedback": feedback or FeedbackForm(initial={"version": c.version}),
        "remind_error": remind_error,
        "verify_url": _with_next("portal:verify_mobile", _complaint_url(c.reference)),
    }


def _complaint_url(ref: str) -> str:
    return reverse("portal:complaint", kwargs={"ref": ref})


@require_POST
def feedback(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    mobile = session.verified_mobile(request)
    if mobile != view.complaint.mobile:
        return _needs_mobile(_complaint_url(view.complaint.reference))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            complaint = portal_services.give_feedback(
                mobile,
                view.complaint.reference,
                satisfied=form.cleaned_data["satisfied"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ServiceError as error:
            add_service_errors(form, error, renamed={"note": "reason"})
        else:
            confirm(request, _("Thank you: your feedback is recorded."), complaint)
            return redirect("portal:complaint", ref=view.complaint.reference)
    return render(
        request, "portal/complaint.html", _complaint_context(request, view, form), status=422
    )


@require_POST
def remind(request: HttpRequest, ref: str) -> HttpResponse:
    view = _tracked_view(request, ref)
    mobile = session.verified_mobile(request)
    if mobile != view.complaint.mobile:
        return _needs_mobile(_complaint_url(view.complaint.reference))
    try:
        complaint = services.remind(Actor(Role.CITIZEN, mobile=mobile), view.complaint.reference)
    except ServiceError as error:
        return render(
            request,
            "portal/complaint.html",
            _complaint_context(request, view, remind_error=error.message),
            status=422,
        )
    confirm(request, _("Your reminder has been sent to the officer by SMS."), complaint)
    return redirect("portal:complaint", ref=view.complaint.reference)


@never_cache
@require_safe
def attachment(request: HttpRequest, ref: str, attachment_id: int) -> FileResponse:
    view = _tracked_view(request, ref)
    found = selectors.attachment_of(view.complaint, attachment_id)
    # The public copy, made at upload: pixels only. Where and when a photo was taken stays
    # with officers; a photo with no such copy is not given out at all.
    if found is None or not found.public_file:
        raise Http404(_("No such file."))
    try:
        opened = found.public_file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such file.")) from None
    return FileResponse(opened, content_type=found.content_type, filename=found.original_name)
