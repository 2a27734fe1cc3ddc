from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "igrs.grievances"
    label = "grievances"
