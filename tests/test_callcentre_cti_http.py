"""A whole call as the ACD reports it over HTTP: offered, answered, ended — each answered with
the call as IGRS now knows it, and the agent's console following along."""

import datetime as dt
import json

from django.contrib.auth.models import User

from igrs.core import clock
from igrs.core.accounts import create_token, grant_role


def post_event(client, token: str, **event):
    return client.post(
        "/api/v1/cti/events",
        json.dumps(event),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_offered_answered_ended_over_http_and_the_console_follows(client, db):
    acd = User.objects.create_user("acd")
    grant_role(acd, "telephony")
    asha = User.objects.create_user("asha")
    grant_role(asha, "agent")
    client.force_login(asha)
    token = create_token(acd, "telephony")
    offered = clock.now().replace(microsecond=0)
    call = {"call_id": "acd-42", "agent": "asha"}

    first = post_event(
        client, token, event="offered", ani="09812345678", at=offered.isoformat(), **call
    )
    assert first.status_code == 200
    assert first.json()["answered_at"] is None and first.json()["ended_at"] is None
    answered = post_event(
        client, token, event="answered", at=(offered + dt.timedelta(seconds=4)).isoformat(), **call
    )
    assert answered.status_code == 200
    assert dt.datetime.fromisoformat(answered.json()["answered_at"]) == (
        offered + dt.timedelta(seconds=4)
    )
    assert 'data-call="acd-42"' in client.get("/callcentre/live/").content.decode()

    ended = post_event(
        client, token, event="ended", at=(offered + dt.timedelta(minutes=3)).isoformat(), **call
    )
    assert dt.datetime.fromisoformat(ended.json()["ended_at"]) == offered + dt.timedelta(minutes=3)
    live = client.get("/callcentre/live/").content.decode()
    assert 'data-call="acd-42"' in live and 'class="ended"' in live  # the wrap-up
    clock.advance(dt.timedelta(minutes=14))
    assert 'data-call=""' in client.get("/callcentre/live/").content.decode()

    unknown = post_event(client, token, event="hung up", **call)
    assert unknown.status_code == 422 and "event" in unknown.content.decode()
