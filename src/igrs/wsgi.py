import os

from django.core.wsgi import get_wsgi_application
from django.urls import resolve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
pages = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after the application has set Django up
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from igrs.core.env import env_bool  # noqa: E402

# The JSON API authenticates by bearer token on every request and reads neither the session,
# request.user, messages nor a CSRF token (its views are exempt), and pages' language choice
# does not apply to it: these middleware only cost it time (decision 0077). Security headers,
# Accept-Language and the common checks stay. IGRS_API_LANE=0 sends the API through the full
# stack too (for the bench's before-and-after).
API_SKIPS = frozenset(
    {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "igrs.core.middleware.HindiFirstMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        # The staff sign-in's second factor, idle timeout and lockout read the session's user.
        "django_otp.middleware.OTPMiddleware",
        "igrs.faces.staff_session.StaffSessionMiddleware",
        "axes.middleware.AxesMiddleware",
        # Reads the session to send a browser that just wrote to the primary.
        "igrs.core.replica.ReadYourWritesMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)


def _api_handler() -> WSGIHandler:
    everything = settings.MIDDLEWARE
    settings.MIDDLEWARE = [m for m in everything if m not in API_SKIPS]
    try:
        return WSGIHandler()
    finally:
        settings.MIDDLEWARE = everything


api = _api_handler() if env_bool("IGRS_API_LANE", True) else pages


def application(environ, start_response):
    """/api/ through the API's lane, everything else through the full middleware."""
    handler = api if environ.get("PATH_INFO", "").startswith("/api/") else pages
    return handler(environ, start_response)


# Import every app's URLs and views while the worker starts, not during its first request
# (which would otherwise wait for them, and every request queued behind it).
resolve("/")
