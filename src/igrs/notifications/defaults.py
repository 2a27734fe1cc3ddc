"""Default SMS texts, one per message type. Seeding renders each in every language through the
gettext catalogues; deployments then replace them with their DLT-registered wording in the admin."""

import datetime as dt

from django.utils.translation import gettext_noop

# Messages that can wait for the morning: no citizen or officer is woken at night by news
# that needs no action before then. One-time passwords, new complaints for officers and
# registrations go at any hour. Editable per template in the admin.
NIGHT = (dt.time(21, 0), dt.time(8, 0))
QUIET_BY_DEFAULT = {
    key: NIGHT
    for key in (
        "assigned_citizen",
        "escalated_citizen",
        "disposed_citizen",
        "closed_citizen",
        "reminder_officer",
        "defaulter_officer",
        "defaulter_top_officer",
    )
}

DEFAULT_TEMPLATES: dict[str, str] = {
    "registered": gettext_noop(
        "IGRS: Your complaint is registered. Reference {reference}. Track it on the portal "
        "or call 1076."
    ),
    "registered_assigned": gettext_noop(
        "IGRS: Your complaint {reference} is registered and sent to {post} for action by {due}."
    ),
    "assigned_citizen": gettext_noop(
        "IGRS: Complaint {reference} has been sent to {post} for action by {due}."
    ),
    "assigned_officer": gettext_noop(
        "IGRS: New complaint {reference} for {post}. Dispose of it by {due}. {link}"
    ),
    "escalated_citizen": gettext_noop(
        "IGRS: Complaint {reference} has gone up to {post} (level {level}) for action by {due}."
    ),
    "escalated_officer": gettext_noop(
        "IGRS: Complaint {reference} escalated to {post} (level {level}). "
        "Dispose of it by {due}. {link}"
    ),
    "defaulter_officer": gettext_noop(
        "IGRS: Complaint {reference} was not disposed of by {post} in time and has been "
        "escalated. Your post is marked defaulter for it."
    ),
    "defaulter_top_officer": gettext_noop(
        "IGRS: Complaint {reference} with {post} is past its time limit. Your post is marked "
        "defaulter for it; dispose of it now."
    ),
    "closure_rejected_officer": gettext_noop(
        "IGRS: Special closure of complaint {reference} was not approved. Act on it by {due}. "
        "{link}"
    ),
    "reminder_officer": gettext_noop(
        "IGRS: Reminder: complaint {reference} with {post} is due by {due}. {link}"
    ),
    "citizen_reminder_officer": gettext_noop(
        "IGRS: The complainant has sent a reminder on complaint {reference} with {post}, due "
        "by {due}. Act on it now. {link}"
    ),
    "otp_citizen": gettext_noop(
        "IGRS: {otp} is your one-time password for the Jansunwai portal. It is valid for "
        "{minutes} minutes. Do not share it with anyone."
    ),
    "subordinate_report_officer": gettext_noop(
        "IGRS: The report on complaint {reference} is back with {post} for approval. {link}"
    ),
    "graded_c_officer": gettext_noop(
        "IGRS: The disposal of complaint {reference} was graded C and re-opened with {post}. "
        "Dispose of it by {due}. {link}"
    ),
    "disposed_citizen": gettext_noop(
        "IGRS: Action taken on complaint {reference}: {outcome}. Our call centre will call "
        "you to confirm."
    ),
    "closure_proposed_officer": gettext_noop(
        "IGRS: Special closure of complaint {reference} proposed by {post}. Approve or reject "
        "it. {link}"
    ),
    "closed_citizen": gettext_noop("IGRS: Complaint {reference} is closed: {outcome}. {reason}"),
}
