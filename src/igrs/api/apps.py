from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "igrs.api"
    label = "api"
