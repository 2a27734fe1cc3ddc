from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The top floor: running and operating IGRS (worker, demo, serve, seed, bench, tests)."""

    name = "igrs.ops"
    label = "ops"
