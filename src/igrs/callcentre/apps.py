from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcentreConfig(AppConfig):
    name = "igrs.callcentre"
    verbose_name = _("Helpline 1076 call centre")
