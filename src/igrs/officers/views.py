"""The officer workspace: one inbox across the officer's posts, a complaint's page with its
actions, and the SMS link that opens that page on a phone. Views parse, call one service or
selector, and render."""

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from igrs.core import clock, links
from igrs.core.errors import ServiceError
from igrs.core.roles import Role
from igrs.directory import selectors as directory_selectors
from igrs.faces.access import staff
from igrs.faces.complaints import (
    complaint_or_404,
    complaint_page,
    original_file,
    stored_attachment,
)
from igrs.faces.confirmations import confirm
from igrs.faces.errors import add_service_errors
from igrs.faces.forms import RevealForm
from igrs.grievances import flags, selectors, services, similar
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint
from igrs.grievances.services import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, AtrDetails, Upload
from igrs.privacy import services as privacy
from igrs.privacy.models import Face

from . import selectors as workspace
from . import services as workspace_services
from .forms import (
    ApproveForm,
    AtrForm,
    ClosureForm,
    DecisionForm,
    ForwardDownForm,
    GradeForm,
    InboxFilterForm,
    InterimForm,
    ReturnForm,
)

LINK_GRANTS = "officer_links"  # session: complaint id -> officer id, from opened SMS links


def _officer_id(request: HttpRequest) -> int | None:
    officer = getattr(request.user, "officer", None) if request.user.is_authenticated else None
    return officer.pk if officer else None


officer_required = staff(Role.OFFICER, refusal=gettext_lazy("Only officers have an inbox."))


def _actor(request: HttpRequest) -> Actor:
    return Actor(Role.OFFICER, user_id=request.user.pk, officer_id=_officer_id(request))


@officer_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    found = workspace.inbox(
        _officer_id(request),
        workspace.InboxFilter(
            post_id=data.get("post"),
            category_id=data.get("category"),
            status=data.get("status") or "",
            older_than_days=data.get("older_than"),
            query=data.get("q") or "",
        ),
    )
    officer_id = _officer_id(request)
    privacy.record_views(
        _actor(request), [row.complaint.pk for row in found.complaints], Face.OFFICER_INBOX
    )
    return render(
        request,
        "officers/inbox.html",
        {
            "form": form,
            "inbox": found,
            "departments": directory_selectors.categories_by_department(),
            "now": clock.now(),
            "team": workspace.team_pendency(officer_id),
            "to_grade": workspace.disposals_to_grade(officer_id),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """An SMS link. A signed-in officer goes straight to the complaint. Anyone else gets one
    button to press: only that POST ties the link to this browser (a messaging app fetching
    a preview of the link must not use it up), and the page then opens to read; acting needs
    the officer to sign in."""
    found = links.read_officer_link(token)
    if found is None:
        return render(
            request,
            "officers/link_refused.html",
            {"message": _("This link is not valid or has expired. Sign in to see the complaint.")},
            status=403,
        )
    complaint_id, officer_id = found
    if _officer_id(request) is not None or request.method == "GET":
        if _officer_id(request) is not None:
            return redirect("officers:complaint", ref=selectors.reference_of(complaint_id))
        return render(request, "officers/open_link.html")
    if not request.session.session_key:
        request.session.save()
    try:
        workspace_services.open_link(token, request.session.session_key)
    except ServiceError as error:
        return render(request, "officers/link_refused.html", {"message": error.message}, status=403)
    grants = request.session.get(LINK_GRANTS, {})
    grants[str(complaint_id)] = officer_id
    request.session[LINK_GRANTS] = grants
    return redirect("officers:complaint", ref=selectors.reference_of(complaint_id))


@never_cache
@require_safe
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    return _complaint_page(request, ref)


def _viewer(request: HttpRequest, ref: str) -> tuple[Actor | None, bool]:
    """Who is looking, and whether they may act: a signed-in officer acts; a browser that
    opened the officer's SMS link only reads."""
    if _officer_id(request) is not None:
        return _actor(request), True
    grants = request.session.get(LINK_GRANTS, {})
    complaint_id = selectors.id_of(ref)
    if complaint_id is not None and str(complaint_id) in grants:
        return Actor(Role.OFFICER, officer_id=grants[str(complaint_id)]), False
    return None, False


def _complaint_page(
    request: HttpRequest,
    ref: str,
    forms: dict | None = None,
    status: int = 200,
    revealed: str = "",
) -> HttpResponse:
    viewer, may_act = _viewer(request, ref)
    if viewer is None:
        return redirect_to_login(request.get_full_path())
    view = complaint_or_404(ref, viewer, Face.OFFICER if may_act else Face.OFFICER_LINK)
    c = view.complaint
    version = {"version": c.version}
    options = workspace.options_for(viewer.officer_id, c) if may_act else workspace.NO_OPTIONS
    return render(
        request,
        "officers/complaint.html",
        {
            **complaint_page(view, "officers:attachment", viewer, revealed=revealed),
            "reveal_form": RevealForm(auto_id="reveal_%s"),
            "reveal_url": reverse("officers:reveal", kwargs={"ref": c.reference}),
            "may_act": may_act,
            "options": options,
            "evidence": [a for event in view.events for a in event.attachments.all()],
            "pending_flags": flags.shown(options.pending_report),
            **_cluster(viewer, c),
            "login_url": f"{reverse('login')}?next={request.path}",
            **{
                name: form_class(initial=version, auto_id=f"{name}_%s")
                for name, form_class in FORMS.items()
            },
            **(forms or {}),
        },
        status=status,
    )


def _cluster(viewer: Actor, complaint: Complaint) -> dict:
    """The complaint's cluster as the viewer may see it, and how many of it wait on the same
    post (one report can go to all of them)."""
    members = similar.cluster_members_for(viewer, complaint)
    waiting = [c for c in members if similar.waits_on(c, complaint.current_post_id)]
    return {"cluster": members, "cluster_waiting": len(waiting)}


def _uploads(request: HttpRequest) -> list[Upload]:
    files = [f for f in request.FILES.getlist("files") if f.size][: MAX_ATTACHMENTS + 1]
    return [Upload(f.name, f.read(MAX_ATTACHMENT_BYTES + 1)) for f in files]


def _cluster_atr(actor: Actor, ref: str, **report) -> Complaint:
    """One report on every complaint of the cluster waiting on the post; this one shown."""
    return services.submit_cluster_atr(actor, ref, **report)[0]


ACTIONS = {
    "atr": (
        "atr",
        AtrForm,
        lambda request, d: dict(
            fn=_cluster_atr if d["whole_cluster"] else services.submit_atr,
            disposal=d["disposal"],
            report=d["report"],
            attachments=_uploads(request),
            version=d["version"],
            details=AtrDetails(
                site_visit_on=d["site_visit_on"],
                persons_met=d["persons_met"],
                complainant_statement=d["complainant_statement"],
                opposite_party_statement=d["opposite_party_statement"],
            ),
        ),
    ),
    "forward": (
        "forward",
        ForwardDownForm,
        lambda request, d: dict(
            fn=services.forward_down,
            to_post_id=d["to_post_id"],
            note=d["note"],
            version=d["version"],
        ),
    ),
    "return": (
        "returning",
        ReturnForm,
        lambda request, d: dict(
            fn=services.return_misrouted,
            reason=d["reason"],
            suggestion=d["suggestion"],
            version=d["version"],
        ),
    ),
    "closure": (
        "closure",
        ClosureForm,
        lambda request, d: dict(
            fn=services.propose_special_closure,
            ground=d["ground"],
            reason=d["reason"],
            version=d["version"],
        ),
    ),
    "decision": (
        "decision",
        DecisionForm,
        lambda request, d: dict(
            fn=services.decide_special_closure,
            approve=d["approve"],
            note=d["note"],
            version=d["version"],
        ),
    ),
    "interim": (
        "interim",
        InterimForm,
        lambda request, d: dict(fn=services.interim_reply, reply=d["reply"]),
    ),
    "approve": (
        "approve",
        ApproveForm,
        lambda request, d: dict(
            fn=services.approve_subordinate_report, note=d["note"], version=d["version"]
        ),
    ),
    "grade": (
        "grade",
        GradeForm,
        lambda request, d: dict(
            fn=services.grade_disposal, grade=d["grade"], remarks=d["remarks"], version=d["version"]
        ),
    ),
}


# What the officer is told once an action is done (then where the complaint goes next).
DONE = {
    "atr": gettext_lazy("Your action-taken report is filed."),
    "forward": gettext_lazy("Forwarded to the post under yours, with your instructions."),
    "return": gettext_lazy("Returned to the monitoring desk as not for your post."),
    "closure": gettext_lazy("Special closure proposed to the post above yours."),
    "decision": gettext_lazy("Your decision on the special closure is recorded."),
    "interim": gettext_lazy("Your interim reply is on the timeline for the complainant."),
    "approve": gettext_lazy("The subordinate's report is approved as your action-taken report."),
    "grade": gettext_lazy("Your grade is recorded."),
}

# Each form on the complaint page, under the name the template uses; ids are prefixed with
# it, so that two forms' "note" or "version" fields never share an id.
FORMS = {name: form_class for name, form_class, _arguments in ACTIONS.values()}


@officer_required
@require_POST
def act(request: HttpRequest, ref: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    name, form_class, arguments = ACTIONS[action]
    form = form_class(request.POST, auto_id=f"{name}_%s")
    if form.is_valid():
        call = arguments(request, form.cleaned_data)
        fn = call.pop("fn")
        try:
            complaint = fn(_actor(request), ref, **call)
        except ServiceError as error:
            add_service_errors(form, error, renamed={"attachments": "files"})
        else:
            confirm(request, str(DONE[action]), complaint)
            return redirect("officers:complaint", ref=complaint.reference)
    return _complaint_page(request, ref, {name: form, "open_form": action}, status=422)


@officer_required
@require_POST
def reveal(request: HttpRequest, ref: str) -> HttpResponse:
    """The complainant's full mobile, shown once on this page, for an officer holding the
    post; the reason is logged."""
    form = RevealForm(request.POST, auto_id="reveal_%s")
    if form.is_valid():
        try:
            mobile = privacy.reveal_mobile(
                _actor(request), ref, reason=form.cleaned_data["reason"], face=Face.OFFICER
            )
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            return _complaint_page(request, ref, revealed=mobile)
    return _complaint_page(request, ref, {"reveal_form": form}, status=422)


@never_cache
@require_safe
def attachment(request: HttpRequest, ref: str, attachment_id: int) -> FileResponse:
    """The original evidence, EXIF included, for officers who may see the complaint."""
    viewer, _may_act = _viewer(request, ref)
    if viewer is None:
        raise Http404(_("No such file."))
    return original_file(stored_attachment(ref, attachment_id, viewer))
