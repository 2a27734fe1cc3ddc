"""The dashboard's files read back as a person opens them: CSV and Excel with a title block
(what, which filters, when in IST) above human column headers, and the monthly PDF with the
same block, in Hindi and in English."""

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from pypdf import PdfReader

from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.directory.models import Department, Officer, Post, Unit
from igrs.grievances import services
from igrs.monitoring.services import roll_up

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, at_ist, new_complaint, officer_actor
from .exported import csv_parts, sheet_parts
from .test_monitoring import drawn_glyphs, start_of_a_month

HINDI_RANKING_HEADER = [
    "रैंक",
    "नाम",
    "अंक",
    "समय से निस्तारण (30)",
    "कोई समय-सीमा नहीं चूकी (15)",
    "सत्यापन में संतुष्ट (25)",
    "पुनः नहीं खुली (10)",
    "कम स्पेशल क्लोज (5)",
    "फ़ोटो साक्ष्य (5)",
    "आख्या पर कोई संदेह-चिह्न नहीं (10)",
]
ENGLISH_RANKING_HEADER = [
    "Rank",
    "Name",
    "Marks",
    "Disposed in time (30)",
    "No deadlines missed (15)",
    "Satisfied on verification (25)",
    "Not re-opened (10)",
    "Few special closures (5)",
    "Photo evidence (5)",
    "Reports not flagged (10)",
]


def values(cells) -> list:
    return [c.value for c in cells if c.value is not None]


@pytest.fixture
def desk_client(client, db):
    user = User.objects.create_user("monitor", password="demo")
    grant_role(user, "desk")
    client.force_login(user)
    return client


@pytest.fixture
def a_month_with_marks(agent):
    """A late report in Lucknow, a defaulter, roll-ups done; the clock at 14:30 IST."""
    start_of_a_month(day=2)
    late = new_complaint(agent, mobile="9800000801")
    new_complaint(agent, mobile="9800000802")
    clock.advance(dt.timedelta(days=8, hours=12))
    services.submit_atr(
        officer_actor(TEHSILDAR), late.reference, disposal="resolved", report="कार्यवाही पूरी।"
    )
    services.sweep()
    roll_up()
    return at_ist(14, 30)


def in_english(client) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_ranking_csv_has_a_title_block_and_human_headers_in_hindi(
    desk_client, a_month_with_marks
):
    when = a_month_with_marks
    response = desk_client.get("/monitoring/ranking/", {"format": "csv", "month": f"{when:%Y-%m}"})
    title, table = csv_parts(response)
    assert title == [
        ["रैंकिंग"],
        ["स्तर", "जनपद"],
        ["स्थान", "उत्तर प्रदेश (राज्य)"],
        ["माह", f"{when:%m-%Y}"],
        ["बनाने का समय (भारतीय मानक समय)", f"{when:%d-%m-%Y} 14:30"],
    ]
    assert table[0] == HINDI_RANKING_HEADER
    lucknow = next(row for row in table[1:] if row[1] == "लखनऊ")
    assert lucknow[3] == "0.0"  # the late report lost every mark for timeliness


def test_the_ranking_csv_in_english(desk_client, a_month_with_marks):
    when = a_month_with_marks
    in_english(desk_client)
    district = Unit.objects.get(code="UP-LUCKNOW")
    response = desk_client.get(
        "/monitoring/ranking/",
        {"format": "csv", "month": f"{when:%Y-%m}", "level": "tehsil", "district": district.pk},
    )
    assert response["Content-Disposition"].endswith(f'ranking-tehsil-UP-LUCKNOW-{when:%Y-%m}.csv"')
    title, table = csv_parts(response)
    assert title == [
        ["Ranking"],
        ["Level", "Tehsils"],
        ["Place", "Lucknow (District)"],
        ["Month", f"{when:%m-%Y}"],
        ["Generated (IST)", f"{when:%d-%m-%Y} 14:30"],
    ]
    assert table[0] == ENGLISH_RANKING_HEADER
    assert "Lucknow Sadar" in [row[1] for row in table[1:]]


def test_the_defaulters_excel_has_a_bold_title_block_and_numbers_as_numbers(
    desk_client, a_month_with_marks
):
    when = a_month_with_marks
    for language, expected_title, expected_header in (
        (
            "hi",
            [
                ["डिफॉल्टर"],
                ["स्थान", "उत्तर प्रदेश (राज्य)"],
                ["माह", f"{when:%m-%Y}"],
                ["विभाग", "सभी विभाग"],
                ["बनाने का समय (भारतीय मानक समय)", f"{when:%d-%m-%Y} 14:30"],
            ],
            ["पद", "उस समय के अधिकारी", "चूकी समय-सीमाएँ"],
        ),
        (
            "en",
            [
                ["Defaulters"],
                ["Place", "Uttar Pradesh (State)"],
                ["Month", f"{when:%m-%Y}"],
                ["Department", "All departments"],
                ["Generated (IST)", f"{when:%d-%m-%Y} 14:30"],
            ],
            ["Post", "Officer then", "Deadlines missed"],
        ),
    ):
        desk_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        title, table = sheet_parts(desk_client.get("/monitoring/defaulters/", {"format": "xlsx"}))
        assert [values(row) for row in title] == expected_title, language
        assert title[0][0].font.b and title[0][0].font.sz == 14
        assert all(row[0].font.b and not row[1].font.b for row in title[1:])
        assert values(table[0]) == expected_header and all(c.font.b for c in table[0])
        tehsildar = Post.objects.get(code=TEHSILDAR)
        row = next(r for r in table[1:] if r[0].value == tehsildar.title)
        assert row[2].value == 1 and row[2].data_type == "n"


def test_a_department_heads_export_names_their_department(client, agent):
    """A department's head sees that department in every place: the file says so."""
    new_complaint(agent)
    roll_up()
    head = Officer.objects.filter(postings__post__code="REV-L3").first()
    head.user = User.objects.create_user("revenue-head")
    head.save()
    client.force_login(head.user)
    in_english(client)
    state = Unit.objects.get(code="UP-LUCKNOW").parent.parent
    title, table = csv_parts(client.get(f"/monitoring/unit/{state.pk}/", {"format": "csv"}))
    revenue = Department.objects.get(posts__code="REV-L3")
    assert title[0] == ["Pending and overdue by place and post"]
    assert ["Place", "Uttar Pradesh (State)"] in title
    assert ["Department", revenue.name_en] in title
    assert table[0] == ["Place or post", "Pending", "Overdue"]


def test_title_block_text_a_spreadsheet_would_run_stays_text(desk_client, agent):
    new_complaint(agent)
    roll_up()
    tehsil = Unit.objects.get(code=LUCKNOW_SADAR)
    tehsil.name_hi = '=HYPERLINK("http://x")'
    tehsil.save()
    title, _table = csv_parts(desk_client.get(f"/monitoring/unit/{tehsil.pk}/", {"format": "csv"}))
    assert ["स्थान", """'=HYPERLINK("http://x") (तहसील)"""] in title
    title, _table = sheet_parts(
        desk_client.get(f"/monitoring/unit/{tehsil.pk}/", {"format": "xlsx"})
    )
    place = next(row[1] for row in title if row[0].value == "स्थान")
    assert place.data_type == "s" and place.quotePrefix


def test_the_monthly_pdf_opens_with_its_filters_and_when_it_was_made(
    desk_client, a_month_with_marks
):
    when = a_month_with_marks
    district = Unit.objects.get(code="UP-LUCKNOW")
    asked = {"month": f"{when:%Y-%m}"}
    report = desk_client.get(f"/monitoring/report/{district.pk}/", asked)
    hindi = PdfReader(io.BytesIO(report.content))
    drawn = "".join(meaning for meaning, _glyph in drawn_glyphs(hindi, "NotoSansDevanagari"))
    for words in ("स्थान", "लखनऊ (जनपद)", "माह", "विभाग", "सभी विभाग", "बनाने का समय"):
        assert words in drawn
    assert f"{when:%d-%m-%Y} 14:30" in hindi.pages[0].extract_text()
    in_english(desk_client)
    english = PdfReader(
        io.BytesIO(desk_client.get(f"/monitoring/report/{district.pk}/", asked).content)
    )
    lines = english.pages[0].extract_text().splitlines()
    assert lines[:5] == [
        f"Monthly report: Lucknow, {when:%m-%Y}",
        "Place: Lucknow (District)",
        f"Month: {when:%m-%Y}",
        "Department: All departments",
        f"Generated (IST): {when:%d-%m-%Y} 14:30",
    ]


def test_a_dms_export_is_of_their_district(client, agent):
    new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    roll_up()
    dm = Officer.objects.filter(postings__post__code=DM).first()
    dm.user = User.objects.create_user("dm-lucknow")
    dm.save()
    client.force_login(dm.user)
    title, _table = csv_parts(client.get("/monitoring/defaulters/", {"format": "csv"}))
    assert ["स्थान", "लखनऊ (जनपद)"] in title and ["विभाग", "सभी विभाग"] in title
