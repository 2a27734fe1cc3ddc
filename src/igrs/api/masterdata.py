"""Master data over the API: departments, categories, places and posts, so that a client
learns the ids it sends (category_id, place_id, to_post_id) without asking an administrator.

Read by any staff token. Every answer carries a strong ETag, the SHA-256 of its body (the
master-data tables keep no time of change, so the body itself is what can be compared), and
a request whose If-None-Match names it gets 304 and no body. The rows come from the
per-process master-data memo (directory.selectors)."""

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import TypeAdapter

from igrs.core import clock
from igrs.core.text import nfc
from igrs.directory import selectors as directory
from igrs.directory.models import Category, Department, Post, Posting, Unit, UnitKind
from igrs.faces.forms import LARGEST_ID

from . import schemas as s

router = Router(tags=["master data"])

ERRORS = {401: s.ErrorOut, 403: s.ErrorOut, 422: s.ErrorOut}
PAGE_SIZE, MAX_PAGE_SIZE = 500, 1000


class DepartmentRow(s.Out):
    id: int
    code: str
    name_hi: str
    name_en: str
    l1_unit_kind: str


class CategoryRow(s.Out):
    id: int
    code: str
    department_id: int
    department_code: str
    name_hi: str
    name_en: str
    photo_required: bool
    active: bool


class PlaceRow(s.Out):
    id: int
    code: str
    kind: str
    parent_id: int | None
    name_hi: str
    name_en: str


class HolderRow(s.Out):
    officer_id: int
    name_hi: str
    name_en: str
    additional_charge: bool


class PostRow(s.Out):
    id: int
    code: str
    title_hi: str
    title_en: str
    unit_id: int
    unit_code: str
    department_id: int
    department_code: str
    level: int
    superior_id: int | None
    active: bool
    holders: list[HolderRow]


class PlacePage(s.Out):
    count: int
    offset: int
    limit: int
    items: list[PlaceRow]


class PostPage(s.Out):
    count: int
    offset: int
    limit: int
    items: list[PostRow]


DEPARTMENTS = TypeAdapter(list[DepartmentRow])
CATEGORIES = TypeAdapter(list[CategoryRow])
PLACES = TypeAdapter(PlacePage)
POSTS = TypeAdapter(PostPage)


@router.get("/departments", response={200: list[DepartmentRow], 304: None, **ERRORS})
def departments(request: HttpRequest):
    """Every department, with the kind of place its first-level posts serve."""
    return _answer(request, DEPARTMENTS, [_department(d) for d in directory.all_departments()])


@router.get("/categories", response={200: list[CategoryRow], 304: None, **ERRORS})
def categories(request: HttpRequest):
    """Every complaint category (register with its id); inactive ones are marked."""
    return _answer(request, CATEGORIES, [_category(c) for c in directory.all_categories()])


class PageIn(Schema):
    offset: int = Field(0, ge=0, le=LARGEST_ID)
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class PlacesIn(PageIn):
    kind: UnitKind | None = Field(None, description="state, division, district, tehsil, …")
    parent: int | None = Field(
        None, ge=1, le=LARGEST_ID, description="Only the units directly under this one"
    )
    q: str = Field("", max_length=100, description="Part of the Hindi or English name, or code")


class PostsIn(PageIn):
    unit: int | None = Field(
        None, ge=1, le=LARGEST_ID, description="Id of the place the post serves"
    )
    department: int | None = Field(None, ge=1, le=LARGEST_ID, description="Id of the department")
    level: int | None = Field(None, ge=1, le=32767, description="1 first level, 2 district, …")


@router.get("/places", response={200: PlacePage, 304: None, **ERRORS})
def places(request: HttpRequest, given: Query[PlacesIn]):
    """Places a complaint can be about (its place_id), by code; paged by offset and limit."""
    found = directory.find_units(given.kind or "", given.parent, nfc(given.q, single_line=True))
    return _answer(request, PLACES, _page(found, given, _place))


@router.get("/posts", response={200: PostPage, 304: None, **ERRORS})
def posts(request: HttpRequest, given: Query[PostsIn]):
    """Office positions (forward to them by id), each with today's holders from postings:
    the regular holder first, then any with additional charge."""
    found = directory.find_posts(given.unit, given.department, given.level)
    held = directory.postings_on(clock.local_date(clock.now()))
    return _answer(request, POSTS, _page(found, given, lambda p: _post(p, held.get(p.pk, ()))))


# ---------------------------------------------------------------- rendering


def _department(d: Department) -> dict:
    return {
        "id": d.pk,
        "code": d.code,
        "name_hi": d.name_hi,
        "name_en": d.name_en,
        "l1_unit_kind": d.l1_unit_kind,
    }


def _category(c: Category) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "department_id": c.department_id,
        "department_code": c.department.code,
        "name_hi": c.name_hi,
        "name_en": c.name_en,
        "photo_required": c.photo_required,
        "active": c.active,
    }


def _place(u: Unit) -> dict:
    return {
        "id": u.pk,
        "code": u.code,
        "kind": u.kind,
        "parent_id": u.parent_id,
        "name_hi": u.name_hi,
        "name_en": u.name_en,
    }


def _post(p: Post, postings: tuple[Posting, ...]) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "title_hi": p.title_hi,
        "title_en": p.title_en,
        "unit_id": p.unit_id,
        "unit_code": p.unit.code,
        "department_id": p.department_id,
        "department_code": p.department.code,
        "level": p.level,
        "superior_id": p.superior_id,
        "active": p.active,
        "holders": [
            {
                "officer_id": posting.officer_id,
                "name_hi": posting.officer.name_hi,
                "name_en": posting.officer.name_en,
                "additional_charge": posting.additional_charge,
            }
            for posting in postings
        ],
    }


def _page(rows: list, given: PageIn, render) -> dict:
    return {
        "count": len(rows),
        "offset": given.offset,
        "limit": given.limit,
        "items": [render(row) for row in rows[given.offset : given.offset + given.limit]],
    }


def _answer(request: HttpRequest, adapter: TypeAdapter, data: Any) -> HttpResponse:
    """The body checked against its schema, with its ETag; 304 when the client has it."""
    body = adapter.dump_json(adapter.validate_python(data))
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _named(request.headers.get("If-None-Match", ""), etag):
        return HttpResponse(status=304, headers=headers)
    return HttpResponse(body, content_type="application/json; charset=utf-8", headers=headers)


def _named(if_none_match: str, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" names "x" too."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags
