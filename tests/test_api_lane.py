"""The API's lane through the WSGI application (decision 0077): /api/ skips the pages'
session, CSRF, authentication and messages middleware, yet answers exactly as through the
full stack, with the same security headers and language negotiation; pages keep them all."""

import io
import json

import pytest
from django.contrib.auth.models import User

from igrs import wsgi
from igrs.core.accounts import create_token, grant_role

from .conftest import new_complaint


def call(handler, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = response_headers

    response = handler(environ, start_response)
    answer["body"] = b"".join(response)
    getattr(response, "close", lambda: None)()
    return answer


@pytest.fixture
def token(db) -> str:
    user = User.objects.create(username="lane-agent")
    grant_role(user, "agent")
    return create_token(user, "agent", "lane")


def names(answer) -> dict[str, str]:
    return {k.lower(): v for k, v in answer["headers"]}


@pytest.mark.django_db(transaction=True)
def test_the_api_lane_answers_as_the_full_stack_with_its_security_headers(agent, token):
    ref = new_complaint(agent).reference
    for language in ("hi", "en"):
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        lane = call(wsgi.application, "GET", f"/api/v1/complaints/{ref}", headers)
        full = call(wsgi.pages, "GET", f"/api/v1/complaints/{ref}", headers)
        assert lane["status"] == full["status"] == 200
        assert json.loads(lane["body"]) == json.loads(full["body"])
        assert names(lane)["content-language"] == language
        for header in ("x-content-type-options", "x-frame-options", "referrer-policy"):
            assert names(lane)[header] == names(full)[header], header
        assert "set-cookie" not in names(lane)
    refused = call(wsgi.application, "GET", f"/api/v1/complaints/{ref}", {})
    assert refused["status"] == 401  # the token is still required


@pytest.mark.django_db(transaction=True)
def test_the_api_lane_drops_only_the_page_middleware_and_pages_keep_it():
    kept = {type(m).__module__ for m in _chain(wsgi.api)}
    everything = {type(m).__module__ for m in _chain(wsgi.pages)}
    assert everything - kept == {name.rsplit(".", 1)[0] for name in wsgi.API_SKIPS}
    page = call(wsgi.application, "GET", "/track/", {})
    assert page["status"] == 200
    assert any(k.lower() == "set-cookie" and "csrftoken" in v for k, v in page["headers"])


def _chain(handler) -> list:
    """The middleware instances a handler calls, outermost first (each is wrapped in Django's
    exception handler, which keeps it as __wrapped__)."""
    found, current = [], handler._middleware_chain
    while (middleware := getattr(current, "__wrapped__", None)) and hasattr(
        middleware, "get_response"
    ):
        found.append(middleware)
        current = middleware.get_response
    return found
