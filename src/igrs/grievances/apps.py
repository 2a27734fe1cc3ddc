from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "igrs.grievances"
    label = "grievances"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
