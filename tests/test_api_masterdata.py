"""Master data over the API: a client learns every id it sends from /api/v1 itself, each
answer has an ETag that changes with the data, and If-None-Match saves the body."""

import datetime as dt
import hashlib
import json

import pytest
from django.contrib.auth.models import User

from igrs.core import clock
from igrs.core.accounts import create_token, grant_role
from igrs.directory.models import Category, Department, Officer, Post, Posting, Unit, UnitKind

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR


@pytest.fixture
def api(client, db):
    user = User.objects.create_user("agent-m")
    grant_role(user, "agent")
    token = create_token(user, "agent")

    def get(path: str, etag: str = "", **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if etag:
            headers["HTTP_IF_NONE_MATCH"] = etag
        return client.get(f"/api/v1{path}", params, **headers)

    return get


def test_master_data_needs_a_token(client, db):
    for path in ("departments", "categories", "places", "posts"):
        assert client.get(f"/api/v1/{path}").status_code == 401


def test_a_client_registers_with_ids_it_learnt_from_the_api(client, api):
    departments = api("/departments").json()
    assert {d["code"] for d in departments} == set(
        Department.objects.values_list("code", flat=True)
    )
    categories = {c["code"]: c for c in api("/categories").json()}
    assert len(categories) == Category.objects.count()
    land = categories["REV-LAND"]
    assert land["department_code"] == "REV" and land["name_en"].startswith("Land dispute")
    assert {c["code"] for c in categories.values() if c["photo_required"]} == set(
        Category.objects.filter(photo_required=True).values_list("code", flat=True)
    )
    [sadar] = api("/places", q=LUCKNOW_SADAR, kind="tehsil").json()["items"]
    user = User.objects.create_user("agent-r")
    grant_role(user, "agent")
    registered = client.post(
        "/api/v1/complaints",
        json.dumps(
            {
                "complainant_name": "गीता",
                "mobile": "9700000002",
                "category_id": land["id"],
                "place_id": sadar["id"],
                "description": "ज़मीन की पैमाइश नहीं हो रही है।",
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_token(user, 'agent')}",
    )
    assert registered.status_code == 201, registered.content
    assert registered.json()["current_post"]["code"] == TEHSILDAR


def test_every_district_and_what_lies_under_it_is_reachable(api):
    districts = set(Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("pk", flat=True))
    seen, offset = set(), 0
    while True:
        page = api("/places", kind="district", limit=20, offset=offset).json()
        assert page["count"] == len(districts) and len(page["items"]) <= 20
        seen |= {p["id"] for p in page["items"]}
        offset += 20
        if offset >= page["count"]:
            break
    assert seen == districts
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    under = api("/places", parent=lucknow.pk).json()["items"]
    assert {p["id"] for p in under} == set(lucknow.children.values_list("pk", flat=True))
    assert all(p["parent_id"] == lucknow.pk for p in under)
    assert {p["kind"] for p in under} >= {"tehsil", "thana"}


def test_names_are_found_in_hindi_or_english_however_they_were_typed(api):
    firozabad = Unit.objects.get(code="UP-FIROZABAD")

    def found(q: str) -> set[int]:
        return {p["id"] for p in api("/places", q=q, kind="district").json()["items"]}

    precomposed = "\u095eिरो\u095bाबाद"  # फ़ and ज़ as single code points, as some keyboards type
    assert precomposed != firozabad.name_hi
    assert found(precomposed) == found(firozabad.name_hi) == {firozabad.pk}
    assert found("firozabad") == {firozabad.pk}
    assert found("  firoz ") == {firozabad.pk}
    assert found("no such place") == set()


def test_posts_carry_their_superior_and_todays_holders(api):
    sadar, revenue = Unit.objects.get(code=LUCKNOW_SADAR), Department.objects.get(code="REV")
    [tehsildar] = api("/posts", unit=sadar.pk, department=revenue.pk, level=1).json()["items"]
    assert tehsildar["code"] == TEHSILDAR and tehsildar["unit_code"] == LUCKNOW_SADAR
    assert tehsildar["superior_id"] == Post.objects.get(code=DM).pk
    holder = Officer.objects.get(postings__post__code=TEHSILDAR)
    assert [h["name_en"] for h in tehsildar["holders"]] == [holder.name_en]
    today = clock.local_date(clock.now())
    Posting.objects.filter(post_id=tehsildar["id"]).update(end=today - dt.timedelta(days=1))
    Posting.objects.create(
        officer=Officer.objects.create(name_hi="नया", name_en="New Holder", mobile="+919700000003"),
        post_id=tehsildar["id"],
        start=today,
        additional_charge=True,
    )  # a save clears this process's memo
    [after] = api("/posts", unit=sadar.pk, department=revenue.pk, level=1).json()["items"]
    assert after["holders"] == [
        {
            "officer_id": Officer.objects.get(name_en="New Holder").pk,
            "name_hi": "नया",
            "name_en": "New Holder",
            "additional_charge": True,
        }
    ]
    levels = {p["level"] for p in api("/posts", department=revenue.pk, limit=1000).json()["items"]}
    assert levels == {1, 2, 3}


def test_the_etag_is_the_bodys_hash_and_if_none_match_saves_the_body(api):
    first = api("/categories")
    etag = first["ETag"]
    assert etag == f'"{hashlib.sha256(first.content).hexdigest()}"'
    again = api("/categories", etag=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert api("/categories", etag=f'"other", W/{etag}').status_code == 304
    assert api("/categories", etag='"other"').status_code == 200
    category = Category.objects.get(code="REV-LAND")
    category.name_en = "Land dispute"
    category.save()
    changed = api("/categories", etag=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    paged = [api("/places", limit=5, offset=o)["ETag"] for o in (0, 5, 0)]
    assert paged[0] != paged[1] and paged[0] == paged[2]


def test_a_repeated_read_is_answered_from_the_memo(api, django_assert_num_queries):
    for path in ("/departments", "/categories", "/places", "/posts"):
        api(path)
        with django_assert_num_queries(0):
            assert api(path).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"offset": "-1"},
        {"kind": "village"},
        {"parent": "x"},
        {"q": "x" * 101},
    ],
)
def test_odd_paging_and_filters_are_refused_clearly(api, query):
    refused = api("/places", **query)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
    assert api("/posts", level="0").status_code == 422
