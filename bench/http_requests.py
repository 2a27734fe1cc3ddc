"""The HTTP requests of the benchmark, as bytes: built once, only the mobile number varies."""

import json
from collections.abc import Callable

DESCRIPTION = "पड़ोसी ने मेरी ज़मीन पर अवैध कब्ज़ा कर लिया है।"
PATH = "/api/v1/complaints"
# An invalid reference is refused (422) after authentication and routing but before any
# query: the cost of the framework alone, the baseline for the registration's cost.
TRIVIAL_PATH, TRIVIAL_STATUS = "/api/v1/complaints/0", 422


def registration_body(mobile: int, ids: dict[str, int]) -> bytes:
    return json.dumps(
        {
            "source": "helpline",
            "complainant_name": "राम प्रसाद",
            "mobile": f"{mobile:010d}",
            "category_id": ids["category_id"],
            "place_id": ids["place_id"],
            "description": DESCRIPTION,
        },
        ensure_ascii=False,
    ).encode()


def registration(
    port: int, token: str, ids: dict[str, int], mobile_base: int
) -> Callable[[int], bytes]:
    """The i-th POST; each uses its own mobile number, so the monthly cap is never hit."""
    size = len(registration_body(mobile_base, ids))  # fixed: mobiles have ten digits
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    return lambda i: head + registration_body(mobile_base + i, ids)


def trivial(port: int, token: str) -> Callable[[int], bytes]:
    request = (
        f"GET {TRIVIAL_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()
    return lambda _i: request


def lookup(port: int, token: str, refs: list[str]) -> Callable[[int], bytes]:
    """GET /api/v1/complaints/{ref} as the helpline agent, through the references in turn."""
    requests = [
        (
            f"GET {PATH}/{ref} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
        for ref in refs
    ]
    return lambda i: requests[i % len(requests)]


def tracker(port: int, cookie: str, refs: list[str]) -> Callable[[int], bytes]:
    """The public tracker page of each reference, as the citizen whose session found them."""
    requests = [
        (
            f"GET /track/{ref}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
        for ref in refs
    ]
    return lambda i: requests[i % len(requests)]
