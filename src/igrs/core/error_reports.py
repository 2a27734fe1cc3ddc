"""What an unhandled-error report may carry. With IGRS_ADMINS set, Django mails the technical
report of every 500, request included: the forms that fail are the ones that carry a
complainant's name, mobile and address, so no POST value goes in it, nor a header or cookie
that signs someone in (settings.DEFAULT_EXCEPTION_REPORTER_FILTER)."""

from collections.abc import ItemsView
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

# Django hides these by the words in their names today; named here so that stays true.
HIDDEN_HEADERS = frozenset({"HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION", "HTTP_COOKIE"})


class NoPersonalData(SafeExceptionReporterFilter):
    """Every POST parameter is sensitive (its name stays, for the reader to see which form it
    was), as are the sign-in headers, every cookie and the local variables of the frames
    (they hold the same values: a form's data, the complaint)."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        if not self.is_active(request):
            return request.POST
        cleansed = request.POST.copy()
        for name in cleansed:
            cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        if self.is_active(request):
            meta.update({name: self.cleansed_substitute for name in HIDDEN_HEADERS & set(meta)})
        return meta

    def get_safe_cookies(self, request: HttpRequest) -> dict[str, Any]:
        cookies = super().get_safe_cookies(request)
        if self.is_active(request):
            return dict.fromkeys(cookies, self.cleansed_substitute)
        return cookies

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> ItemsView[str, Any]:
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return {name: self.cleansed_substitute for name in tb_frame.f_locals}.items()
