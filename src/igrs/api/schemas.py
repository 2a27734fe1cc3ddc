import datetime as dt

from ninja import Field, Schema
from pydantic import BaseModel


class Out(BaseModel):
    """Answers the API builds as plain dicts: validated as they are, without ninja's per-object
    attribute resolution (a tenth of an action's CPU with a long timeline)."""


class RegisterIn(Schema):
    other_number: bool = Field(
        False,
        description="With a call_id: the complainant's mobile is not the calling number "
        "(otherwise it must be)",
    )
    source: str = Field(
        "helpline",
        description="helpline, portal, tehsil_diwas, thana_diwas, "
        "dm_office, cm_office, cpgrams, post_email",
    )
    complainant_name: str
    mobile: str = Field(..., description="Indian mobile number; stored as +91XXXXXXXXXX")
    category_id: int
    place_id: int = Field(..., description="District, tehsil, block or thana unit id")
    description: str
    address: str = ""
    email: str = ""
    place_detail: str = Field("", description="Village or ward")
    language: str = Field("hi", description="hi or en: the complainant's SMS language")
    against_post_id: int | None = None
    against_officer_id: int | None = None
    call_id: str = ""
    link_to: str | None = Field(
        None,
        description="Reference of an open complaint about the same problem (from "
        "POST /complaints/similar): no new complaint is filed, the complainant is linked to "
        "that one, whose summary is answered (200, linked: true)",
    )


class SimilarIn(Schema):
    mobile: str = ""
    category_id: int
    place_id: int
    description: str = ""


class SimilarOut(Out):
    reference: str
    reference_grouped: str
    status: str
    status_label: str
    created_at: dt.datetime
    category_id: int
    place_id: int
    place_detail: str
    description: str
    same_mobile: bool = Field(..., description="filed from the same mobile")
    similarity: float = Field(..., description="trigram similarity of the descriptions, 0-1")


class PostOut(Out):
    id: int
    code: str
    level: int
    title_hi: str
    title_en: str


class OfficerOut(Out):
    id: int
    name_hi: str
    name_en: str


class AttachmentOut(Out):
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class EventOut(Out):
    at: dt.datetime
    action: str
    action_label: str
    role: str
    actor_officer: OfficerOut | None
    actor_post: PostOut | None
    from_status: str
    to_status: str
    from_post: PostOut | None
    to_post: PostOut | None
    level: int
    note: str
    data: dict
    attachments: list[AttachmentOut]


class ComplaintSummary(Out):
    reference: str
    reference_grouped: str
    status: str
    status_label: str
    level: int
    current_post: PostOut | None
    due_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    probable_duplicate_of: str | None
    cluster_of: str | None = None
    linked: bool = False


class ComplaintOut(ComplaintSummary):
    source: str
    category_id: int
    category: str
    place_id: int
    place: str
    place_detail: str
    description: str
    complainant_name: str
    mobile: str
    holders: list[OfficerOut]
    days_with_holder: int
    overdue_days: int
    escalation_count: int
    disposal: str
    closure_kind: str
    verification_attempts: int
    flagged: bool
    against_post: PostOut | None
    timeline: list[EventOut]


class VersionIn(Schema):
    version: int | None = Field(None, description="The version you read; refused if it changed")


class ForwardIn(VersionIn):
    to_post_id: int
    note: str = ""
    category_id: int | None = None
    place_id: int | None = None


class ForwardDownIn(VersionIn):
    to_post_id: int
    note: str = ""


class ReasonIn(VersionIn):
    reason: str


class UploadIn(Schema):
    name: str
    content_base64: str


class AtrIn(VersionIn):
    disposal: str = Field(..., description="resolved or cannot_resolve")
    report: str = Field(..., description="What was done; for cannot_resolve, why")
    attachments: list[UploadIn] = []


class SpecialClosureIn(VersionIn):
    ground: str = Field(..., description="sub_judice, policy, rti or duplicate")
    reason: str


class DecisionIn(VersionIn):
    approve: bool
    note: str = ""


class VerificationIn(VersionIn):
    outcome: str = Field(..., description="satisfied, not_satisfied or unreachable")
    note: str = ""
    no_answer: str = Field(
        "not_reachable", description="for unreachable: not_reachable, switched_off or wrong_number"
    )


class CallBackIn(Schema):
    at: dt.datetime = Field(..., description="When the complainant asked to be called")
    note: str = ""


class CallEventIn(Schema):
    call_id: str = Field(..., description="The ACD's id of the call")
    event: str = Field(..., description="offered, answered or ended")
    agent: str = Field(..., description="The agent's login")
    ani: str = Field("", description="The caller's number (ANI)")
    direction: str = Field("inbound", description="inbound or outbound")
    at: dt.datetime | None = Field(None, description="When it happened (default: now)")


class CallOut(Schema):
    call_id: str
    direction: str
    ani: str
    agent: str | None
    offered_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None


class NoteIn(VersionIn):
    note: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] = {}


class RevealIn(Schema):
    reason: str = Field(..., description="Why the full number is needed; logged with who asked")


class MobileOut(Schema):
    reference: str
    mobile: str
