"""JSON API, /api/v1/. Handlers parse input, call one service or selector, and render."""

import base64
import binascii
import uuid

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status as HttpStatus
from ninja.security import HttpBearer
from pydantic import BaseModel

from igrs.callcentre import services as callcentre
from igrs.core.accounts import token_identity
from igrs.core.errors import Invalid, NotPermitted, ServiceError
from igrs.core.roles import Role
from igrs.core.text import mask_mobile, normalise_mobile
from igrs.directory.models import Post
from igrs.faces.errors import api_body, http_status
from igrs.grievances import access, reference, selectors, services, similar
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Complaint, Status
from igrs.grievances.selectors import ComplaintView
from igrs.intelligence.api import router as suggestions_router
from igrs.privacy import services as privacy
from igrs.privacy.models import Face

from . import masterdata
from . import schemas as s


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        identity = token_identity(token)
        if identity is None:
            return None
        user_id, role, officer_id = identity
        return Actor(role=role, user_id=user_id, officer_id=officer_id)


api = NinjaAPI(
    title="IGRS API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    description="Integrated Grievance Redressal System. Authenticate with "
    "`Authorization: Bearer <token>` (`igrs token USER ROLE`).",
)


api.add_router("/", masterdata.router)
api.add_router("/suggestions", suggestions_router)


@api.exception_handler(ServiceError)
def service_error(request, error: ServiceError):
    return api.create_response(request, api_body(error), status=http_status(error))


@api.exception_handler(AuthenticationError)
def not_authenticated(request, error: AuthenticationError):
    return api.create_response(
        request,
        {
            "code": "not_authenticated",
            "message": _("Send a valid API token: Authorization: Bearer <token>."),
        },
        status=401,
    )


@api.exception_handler(HttpError)
def unreadable_request(request, error: HttpError):
    """Ninja's own refusals (a body that is not JSON): our error shape, its status."""
    return api.create_response(
        request,
        {"code": "malformed", "message": _("The request could not be read.")},
        status=error.status_code,
    )


@api.exception_handler(NinjaValidationError)
def malformed_request(request, error: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for problem in error.errors:
        parts = [str(part) for part in problem.get("loc", ())]
        while parts and parts[0] in {"body", "query", "path"}:
            parts.pop(0)  # where it came from, not which field
        field = ".".join(parts) or "body"
        errors.setdefault(field, []).append(_("Missing or of the wrong type."))
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": _("The request is not in the expected form."),
            "errors": errors,
        },
        status=422,
    )


def actor(request: HttpRequest) -> Actor:
    return request.auth


def require(request: HttpRequest, *roles: str) -> Actor:
    who = actor(request)
    if who.role not in roles:
        raise NotPermitted(_("Your role may not use this."))
    return who


# ---------------------------------------------------------------- rendering


def post_out(post: Post | None) -> dict | None:
    if post is None:
        return None
    return {
        "id": post.pk,
        "code": post.code,
        "level": post.level,
        "title_hi": post.title_hi,
        "title_en": post.title_en,
    }


def summary_out(c: Complaint) -> dict:
    return {
        "reference": c.reference,
        "reference_grouped": reference.grouped(c.reference),
        "status": c.status,
        "status_label": str(Status(c.status).label),
        "level": c.level,
        "current_post": post_out(c.current_post),
        "due_at": c.due_at,
        "created_at": c.created_at,
        "version": c.version,
        "probable_duplicate_of": c.duplicate_of.reference if c.duplicate_of_id else None,
        "cluster_of": c.cluster.reference if c.cluster_id else None,
    }


def officer_out(officer) -> dict | None:
    return officer and {"id": officer.pk, "name_hi": officer.name_hi, "name_en": officer.name_en}


def detail_out(view: ComplaintView, viewer: Actor) -> dict:
    c = view.complaint
    return {
        **summary_out(c),
        "source": c.source,
        "category_id": c.category_id,
        "category": c.category.name,
        "place_id": c.place_id,
        "place": c.place.name,
        "place_detail": c.place_detail,
        "description": c.description,
        "complainant_name": c.complainant_name,
        "mobile": c.mobile if access.sees_full_mobile(viewer, c) else mask_mobile(c.mobile),
        "holders": [officer_out(o) for o in view.holder.officers],
        "days_with_holder": view.days_with_holder,
        "overdue_days": view.overdue_days,
        "escalation_count": c.escalation_count,
        "disposal": c.disposal,
        "closure_kind": c.closure_kind,
        "verification_attempts": c.verification_attempts,
        "flagged": c.flagged,
        "against_post": post_out(c.against_post),
        "timeline": [
            {
                "at": e.at,
                "action": e.action,
                "action_label": str(Action(e.action).label),
                "role": e.role,
                "actor_officer": officer_out(e.actor_officer),
                "actor_post": post_out(e.actor_post),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "from_post": post_out(e.from_post),
                "to_post": post_out(e.to_post),
                "level": e.level,
                "note": e.note,
                "data": e.data,
                "attachments": [
                    {
                        "name": a.original_name,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                        "url": a.file.url,
                    }
                    for a in e.attachments.all()
                ],
            }
            for e in view.events
        ],
    }


def answer(schema: type[BaseModel], data: dict, status: int = 200) -> HttpResponse:
    """The answer checked against its declared schema and written as JSON by pydantic-core
    in one pass. Ninja's generic path (validate through per-object getters, dump to Python,
    encode in Python) cost a tenth of an action's CPU with a long timeline."""
    return HttpResponse(
        schema.model_validate(data).model_dump_json(),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def detail_answer(view: ComplaintView, viewer: Actor) -> HttpResponse:
    """The complaint in full as this viewer may see it; a member of staff's look is logged."""
    privacy.record_views(viewer, [view.complaint.pk], Face.API)
    return answer(s.ComplaintOut, detail_out(view, viewer))


def detail(ref: str, viewer: Actor) -> HttpResponse:
    return detail_answer(selectors.get_complaint(ref, viewer), viewer)


# ---------------------------------------------------------------- complaints

ERRORS = {
    400: s.ErrorOut,
    401: s.ErrorOut,
    403: s.ErrorOut,
    404: s.ErrorOut,
    409: s.ErrorOut,
    422: s.ErrorOut,
    429: s.ErrorOut,
}


@api.post(
    "/complaints",
    response={201: s.ComplaintSummary, 200: s.ComplaintSummary, **ERRORS},
    tags=["complaints"],
)
def register_complaint(request, body: s.RegisterIn):
    """Register a complaint (helpline agent, monitoring desk, administrator). Routed at once
    when a routing rule or the department's first-level post fits the place. With an
    `Idempotency-Key: <uuid>` header a retry returns the first complaint (200), never a second."""
    who = require(request, Role.AGENT, Role.DESK, Role.ADMIN)
    key = request.headers.get("Idempotency-Key")
    try:
        parsed = uuid.UUID(key) if key is not None else None
    except ValueError:
        raise Invalid(
            fields={"Idempotency-Key": [_("Send a UUID as the Idempotency-Key.")]}
        ) from None
    fields = body.dict()
    other_number = fields.pop("other_number")
    if link_to := fields.pop("link_to"):
        joined = services.link_instead(
            who,
            link_to,
            complainant_name=body.complainant_name,
            mobile=body.mobile,
            source=body.source,
        )
        return answer(s.ComplaintSummary, summary_out(joined) | {"linked": True})
    complaint, created = callcentre.register(
        who, services.NewComplaint(**fields), parsed, other_number=other_number
    )
    return answer(s.ComplaintSummary, summary_out(complaint), 201 if created else 200)


@api.post("/complaints/similar", response={200: list[s.SimilarOut], **ERRORS}, tags=["complaints"])
def similar_complaints(request, body: s.SimilarIn):
    """Before filing: open complaints the caller may mean instead — the same mobile's in the
    category, and the same problem at the same place (a similar description). Register with
    `link_to` to join one instead of filing again."""
    require(request, Role.AGENT, Role.DESK, Role.ADMIN)
    found = similar.similar_open(
        mobile=body.mobile,
        category_id=body.category_id,
        place_id=body.place_id,
        description=body.description,
    )
    return [similar_out(row) for row in found]


def similar_out(row: similar.Similar) -> dict:
    c = row.complaint
    return {
        "reference": c.reference,
        "reference_grouped": reference.grouped(c.reference),
        "status": c.status,
        "status_label": str(Status(c.status).label),
        "created_at": c.created_at,
        "category_id": c.category_id,
        "place_id": c.place_id,
        "place_detail": c.place_detail,
        "description": c.description,
        "same_mobile": row.same_mobile,
        "similarity": round(row.score, 3),
    }


@api.get("/complaints/{ref}", response={200: s.ComplaintOut, **ERRORS}, tags=["complaints"])
def get_complaint(request, ref: str):
    """Status, level, who holds it, due date, overdue days and the full timeline."""
    return detail(ref, actor(request))


@api.get("/complaints", response={200: list[s.ComplaintSummary], **ERRORS}, tags=["complaints"])
def complaints_by_mobile(request, mobile: str = Query(...)):
    """A caller's earlier complaints, newest first (agents, desk, administrators)."""
    require(request, Role.AGENT, Role.DESK, Role.ADMIN)
    number = normalise_mobile(mobile)
    if number is None:
        raise Invalid(fields={"mobile": [_("Enter a 10-digit Indian mobile number.")]})
    return [summary_out(c) for c in selectors.complaints_by_mobile(number)]


def _act(request, ref: str, fn, **kwargs):
    who = actor(request)
    if not access.sees_everything(who):
        # Whoever may not see the complaint learns nothing from a write either: same 404 as
        # a read.
        selectors.visible_complaint(ref, who)
    return detail_answer(selectors.complaint_view(fn(who, ref, **kwargs)), who)


@api.post(
    "/complaints/{ref}/forward", response={200: s.ComplaintOut, **ERRORS}, tags=["monitoring desk"]
)
def forward(request, ref: str, body: s.ForwardIn):
    return _act(request, ref, services.forward, **body.dict())


@api.post(
    "/complaints/{ref}/forward-down", response={200: s.ComplaintOut, **ERRORS}, tags=["officer"]
)
def forward_down(request, ref: str, body: s.ForwardDownIn):
    return _act(request, ref, services.forward_down, **body.dict())


@api.post("/complaints/{ref}/return", response={200: s.ComplaintOut, **ERRORS}, tags=["officer"])
def return_misrouted(request, ref: str, body: s.ReasonIn):
    return _act(request, ref, services.return_misrouted, **body.dict())


@api.post("/complaints/{ref}/atr", response={200: s.ComplaintOut, **ERRORS}, tags=["officer"])
def submit_atr(request, ref: str, body: s.AtrIn):
    """The action-taken report, with up to three photos or PDFs as base64."""
    uploads = []
    for item in body.attachments:
        try:
            uploads.append(
                services.Upload(item.name, base64.b64decode(item.content_base64, validate=True))
            )
        except (binascii.Error, ValueError):
            raise Invalid(
                fields={"attachments": [_("An attachment is not valid base64.")]}
            ) from None
    return _act(
        request,
        ref,
        services.submit_atr,
        disposal=body.disposal,
        report=body.report,
        attachments=uploads,
        version=body.version,
    )


@api.post(
    "/complaints/{ref}/special-closure", response={200: s.ComplaintOut, **ERRORS}, tags=["officer"]
)
def propose_special_closure(request, ref: str, body: s.SpecialClosureIn):
    return _act(request, ref, services.propose_special_closure, **body.dict())


@api.post(
    "/complaints/{ref}/special-closure/decision",
    response={200: s.ComplaintOut, **ERRORS},
    tags=["officer"],
)
def decide_special_closure(request, ref: str, body: s.DecisionIn):
    """Approve or reject a special closure: only the post one level above the proposer."""
    return _act(request, ref, services.decide_special_closure, **body.dict())


@api.post(
    "/complaints/{ref}/verification", response={200: s.ComplaintOut, **ERRORS}, tags=["call centre"]
)
def verify(request, ref: str, body: s.VerificationIn):
    return _act(request, ref, services.verify, **body.dict())


@api.post(
    "/complaints/{ref}/call-back", response={200: s.ComplaintOut, **ERRORS}, tags=["call centre"]
)
def call_back_later(request, ref: str, body: s.CallBackIn):
    """The complainant asked to be called at another time: the verification call waits."""
    return _act(request, ref, services.call_back_later, **body.dict())


@api.post(
    "/complaints/{ref}/reopen", response={200: s.ComplaintOut, **ERRORS}, tags=["call centre"]
)
def reopen(request, ref: str, body: s.ReasonIn):
    return _act(request, ref, services.reopen, **body.dict())


@api.post(
    "/complaints/{ref}/reminders", response={200: s.ComplaintOut, **ERRORS}, tags=["call centre"]
)
def remind(request, ref: str):
    """The complainant's reminder (अनुस्मारक), taken on the phone: SMS to the post that must
    act, once per IGRS_CITIZEN_REMINDER_EVERY_HOURS per complaint (429 before that)."""
    return _act(request, ref, services.remind)


@api.post("/complaints/{ref}/mobile", response={200: s.MobileOut, **ERRORS}, tags=["complaints"])
def reveal_mobile(request, ref: str, body: s.RevealIn):
    """The complainant's full mobile, for a role that may reveal it (the desk, an
    administrator, the officer holding the post): the reason is logged with who asked."""
    mobile = privacy.reveal_mobile(actor(request), ref, reason=body.reason, face=Face.API)
    return {"reference": reference.normalise(ref), "mobile": mobile}


@api.post("/complaints/{ref}/notes", response={200: s.ComplaintOut, **ERRORS}, tags=["complaints"])
def add_note(request, ref: str, body: s.NoteIn):
    return _act(request, ref, services.add_note, **body.dict())


# ---------------------------------------------------------------- call centre


@api.post(
    "/verification/next", response={200: s.ComplaintOut, 204: None, **ERRORS}, tags=["call centre"]
)
def next_verification_call(request):
    """Hand this agent the oldest due verification call (or the one they already hold). No
    two agents ever get the same complaint. 204 when nothing is due."""
    who = require(request, Role.AGENT)
    complaint = services.claim_next_verification(who)
    if complaint is None:
        return HttpStatus(204, None)
    return detail_answer(selectors.complaint_view(complaint), who)


@api.post("/cti/events", response={200: s.CallOut, **ERRORS}, tags=["call centre"])
def call_event(request, body: s.CallEventIn):
    """For the telephony system (ACD/dialer): a call offered to an agent, answered, ended.
    The agent's console shows the caller's earlier complaints as the call lands."""
    require(request, Role.TELEPHONY)
    call = callcentre.record_call_event(**body.dict())
    # The call's agent is the one in this event unless an earlier offer was answered.
    agent = (
        body.agent
        if call.agent_id == callcentre.agent_id_for(body.agent)
        else (call.agent.username if call.agent_id else None)
    )
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "ani": call.ani,
        "agent": agent,
        "offered_at": call.offered_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
    }


# ---------------------------------------------------------------- queues


@api.get("/queues/desk", response={200: list[s.ComplaintSummary], **ERRORS}, tags=["queues"])
def desk_queue(request):
    require(request, Role.DESK, Role.ADMIN)
    return [summary_out(c) for c in selectors.desk_queue()]


@api.get("/queues/inbox", response={200: list[s.ComplaintSummary], **ERRORS}, tags=["queues"])
def officer_inbox(request):
    who = require(request, Role.OFFICER)
    return [summary_out(c) for c in selectors.post_inbox(who.officer_id)[:200]]


@api.get(
    "/queues/verification", response={200: list[s.ComplaintSummary], **ERRORS}, tags=["queues"]
)
def verification_queue(request):
    require(request, Role.AGENT, Role.ADMIN)
    return [summary_out(c) for c in selectors.verification_queue()]
