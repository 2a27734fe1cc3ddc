from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IvrConfig(AppConfig):
    name = "igrs.ivr"
    verbose_name = _("Helpline 1076 voice self-service (IVR)")
