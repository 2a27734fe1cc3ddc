from django.apps import AppConfig


class FacesConfig(AppConfig):
    """What the web faces share: forms, pickers, errors on forms, access decorators, the
    complaint page's partials, the stylesheet and the forms' script. No face imports another."""

    name = "igrs.faces"
    label = "faces"
