from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "igrs.core"
    label = "igrs_core"
    verbose_name = "IGRS"

    def ready(self) -> None:
        from . import signals  # noqa: F401
