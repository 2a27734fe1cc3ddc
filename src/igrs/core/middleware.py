from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class HindiFirstMiddleware(MiddlewareMixin):
    """Pages are in Hindi unless the visitor chose English with the language switch (a
    cookie). A phone set to English does not mean its owner reads English, so the browser's
    Accept-Language is not used for pages; the JSON API still honours it."""

    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
