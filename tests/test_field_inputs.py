"""The site-visit date as officers type it: dd/mm/yyyy in either language (a date picker's
yyyy-mm-dd too); a bad date is refused in the page's language with everything typed kept."""

import datetime as dt
import html

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from igrs.grievances.models import Action
from igrs.officers.forms import AtrForm

from .conftest import TEHSILDAR, new_complaint, today
from .test_officers import signed_in

ATR = {"disposal": "resolved", "report": "नाली की मरम्मत कराई गई।", "version": 1}
HINDI_ERROR = "यह सही तिथि नहीं है। इसे दिन/माह/वर्ष में लिखें, जैसे 25/03/2026।"
ENGLISH_ERROR = "This is not a date. Write it as day/month/year, for example 25/03/2026."


def site_visit(typed: str, language: str = "hi"):
    with translation.override(language):
        form = AtrForm({**ATR, "site_visit_on": typed})
        form.is_valid()
        errors = form.errors.get("site_visit_on")
        return form.cleaned_data.get("site_visit_on"), errors and [str(e) for e in errors]


@pytest.mark.parametrize(
    "typed",
    [
        "25/03/2026",
        "25-03-2026",
        "25.03.2026",
        " 25/03/2026 ",
        "25/3/2026",
        "25/03/26",
        "२५/०३/२०२६",  # Devanagari digits, as a Hindi keyboard types them
        "2026-03-25",  # a native date picker's value
    ],
)
@pytest.mark.parametrize("language", ["hi", "en"])
def test_a_date_written_day_first_is_read_in_either_language(typed, language):
    assert site_visit(typed, language) == (dt.date(2026, 3, 25), None)


@pytest.mark.parametrize(
    "typed",
    ["03/25/2026", "31/02/2026", "2026/03/25", "25 मार्च", "25/03", "25/03/0026", "kal"],
)
def test_a_bad_date_is_refused_in_the_pages_language(typed):
    assert site_visit(typed, "hi") == (None, [HINDI_ERROR])
    assert site_visit(typed, "en") == (None, [ENGLISH_ERROR])


def test_no_date_is_no_site_visit():
    assert site_visit("") == (None, None)


@pytest.mark.parametrize("language,error", [("hi", HINDI_ERROR), ("en", ENGLISH_ERROR)])
def test_a_report_with_a_bad_date_changes_nothing_and_keeps_what_was_typed(
    client, agent, language, error
):
    complaint = new_complaint(agent)
    signed_in(client, TEHSILDAR)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    url = f"/officer/complaints/{complaint.reference}/atr/"
    atr = {**ATR, "version": complaint.version}
    refused = client.post(url, {**atr, "site_visit_on": "31/02/2026", "persons_met": "प्रधान"})
    assert refused.status_code == 422
    shown = html.unescape(refused.content.decode())
    assert error in shown
    assert 'value="31/02/2026"' in shown and 'aria-invalid="true"' in shown
    assert ATR["report"] in shown and 'value="प्रधान"' in shown
    assert not complaint.events.filter(action=Action.SUBMIT_ATR).exists()

    typed = f"{today():%d/%m/%Y}"
    assert client.post(url, {**atr, "site_visit_on": typed}).status_code == 302
    report = complaint.events.get(action=Action.SUBMIT_ATR)
    assert report.data["site_visit_on"] == today().isoformat()


def test_the_date_input_shows_the_format_in_the_pages_language(client, agent):
    complaint = new_complaint(agent)
    signed_in(client, TEHSILDAR)
    hindi = html.unescape(
        client.get(f"/officer/complaints/{complaint.reference}/").content.decode()
    )
    assert 'placeholder="दिन/माह/वर्ष"' in hindi and "दिन/माह/वर्ष, जैसे 25/03/2026।" in hindi
    assert 'type="date"' not in hindi  # a phone's picker would show its own language's format
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/officer/complaints/{complaint.reference}/").content.decode()
    assert 'placeholder="dd/mm/yyyy"' in english and "Choose photos or PDFs" in english
