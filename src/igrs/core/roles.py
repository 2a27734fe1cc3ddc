"""The one list of roles. A person acts in one role at a time (a token carries one; a page
asks for one); the timeline records the role each step was taken in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    AGENT = "agent", _("Helpline agent")
    # Supervisors are agents with the supervisors' screens too (audit re-calls, the board).
    SUPERVISOR = "supervisor", _("Call-centre supervisor")
    # The ACD/dialer's machine account that posts call events.
    TELEPHONY = "telephony", _("Telephony system (call events)")
    DESK = "desk", _("Monitoring desk")
    OFFICER = "officer", _("Officer")
    ADMIN = "admin", _("Administrator")
    SYSTEM = "system", _("System")


# Roles a staff account holds through a Django group of that name; "officer" comes from an
# officer record linked to the account, "admin" also from the superuser flag.
GROUP_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.DESK, Role.ADMIN, Role.TELEPHONY)
# Roles an API token may carry: every staff role (citizens sign in by OTP, not by token).
TOKEN_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.TELEPHONY, Role.DESK, Role.OFFICER, Role.ADMIN)
