"""The dashboard's summaries equal what the complaint table says, whatever happened (a
property test over random histories), and the drill-down works click by click."""

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.core.errors import ServiceError
from igrs.core.text import csv_cell
from igrs.directory.models import Category, Officer, Post, Posting, Unit
from igrs.directory.selectors import district_of, unit_chain
from igrs.grievances import services
from igrs.grievances.models import Action, Complaint, Event, Status
from igrs.monitoring import selectors as dashboard
from igrs.monitoring.models import (
    LOSES_MARKS,
    STAY_BUCKETS,
    DailyTally,
    LostMark,
    Metric,
    Pendency,
    PlaceTally,
    RollupCursor,
    Stay,
)
from igrs.monitoring.services import rebuild_place_tallies_and_lost_marks, roll_up

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor, real_jpeg
from .exported import csv_parts, sheet_parts

PLACES = [
    LUCKNOW_SADAR,
    "UP-LUCKNOW",
    "UP-AGRA-T-SADAR",
    "UP-KANPUR-NAGAR-T-SADAR",
    "UP-LUCKNOW-PS-KOTWALI",
    "UP-AGRA-T-SADAR-B",
]
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["register", "atr", "satisfied", "unsatisfied", "return", "late", "roll"]),
        st.integers(0, 50),
    ),
    min_size=1,
    max_size=25,
)


def start_of_a_month(day: int) -> None:
    """Move the clock forward to 10:00 IST on a day early in next month."""
    now = timezone.localtime(clock.now())
    target = (now.replace(day=28) + dt.timedelta(days=4)).replace(day=day, hour=10, minute=0)
    clock.advance(target - now)


def expected_pendency() -> tuple[Counter, Counter]:
    """Straight from the complaint table: open complaints by post, and by district with the
    desk."""
    posts, desk = Counter(), Counter()
    for post_id, place_id in Complaint.objects.exclude(status=Status.CLOSED).values_list(
        "current_post_id", "place_id"
    ):
        if post_id:
            posts[post_id] += 1
        else:
            desk[district_of(place_id)] += 1
    return posts, desk


def tehsil_or_thana(place_id: int) -> int:
    return next((u.pk for u in unit_chain(place_id) if u.kind in ("tehsil", "thana")), 0)


def summarised_pendency() -> tuple[Counter, Counter]:
    posts, desk = dashboard._pendency()
    return +posts, +desk  # zero counts dropped, as in the table's


def apply(step: str, pick: int, agent, refs: list[str]) -> None:
    if step == "register":
        place = Unit.objects.get(code=PLACES[pick % len(PLACES)])
        refs.append(
            new_complaint(
                agent,
                mobile=f"98{len(refs):08d}",
                place_id=place.pk,
                category_id=Category.objects.get(code="REV-LAND").pk,
            ).reference
        )
    elif step == "roll":
        roll_up(batch=1 + pick % 7)  # partial rounds: the cursor must carry on correctly
    elif step == "late":
        clock.advance(dt.timedelta(days=8))
        services.sweep()
    elif refs:
        ref = refs[pick % len(refs)]
        complaint = Complaint.objects.get(reference=ref)
        try:
            if step == "atr" and complaint.current_post_id:
                holder = Post.objects.get(pk=complaint.current_post_id)
                services.submit_atr(
                    officer_actor(holder.code),
                    ref,
                    disposal="resolved",
                    report="मौके पर जाकर कार्यवाही पूरी की गई।",
                )
            elif step in ("satisfied", "unsatisfied"):
                services.verify(
                    agent,
                    ref,
                    outcome=step.replace("unsatisfied", "not_satisfied"),
                    note="फ़ोन पर बताया",
                )
            elif step == "return" and complaint.current_post_id:
                holder = Post.objects.get(pk=complaint.current_post_id)
                services.return_misrouted(officer_actor(holder.code), ref, reason="गलत विभाग")
        except ServiceError:
            pass  # a step the rules refuse changes nothing, and must count nothing


@given(steps=STEPS)
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_summaries_equal_the_complaint_table_after_any_history(agent, steps):
    with transaction.atomic():
        refs: list[str] = []
        for step, pick in steps:
            apply(step, pick, agent, refs)
        while roll_up(batch=3):
            pass
        assert summarised_pendency() == expected_pendency()
        received = DailyTally.objects.filter(metric=Metric.RECEIVED)
        assert sum(received.values_list("count", flat=True)) == Complaint.objects.count()
        closed = sum(
            DailyTally.objects.filter(metric=Metric.CLOSED).values_list("count", flat=True)
        )
        assert closed == Complaint.objects.filter(status=Status.CLOSED).count()
        by_day = Counter()
        for created, place in Complaint.objects.values_list("created_at", "place_id"):
            by_day[(timezone.localdate(created), district_of(place))] += 1
        assert by_day == Counter({(t.day, t.district_id): t.count for t in received})
        by_place, closed_by_place = Counter(), Counter()
        for created, place, status in Complaint.objects.values_list(
            "created_at", "place_id", "status"
        ):
            if area := tehsil_or_thana(place):
                by_place[(timezone.localdate(created), area)] += 1
                closed_by_place[area] += status == Status.CLOSED
        assert by_place == Counter(
            {(t.day, t.unit_id): t.count for t in PlaceTally.objects.filter(metric=Metric.RECEIVED)}
        )
        summed = Counter()
        for t in PlaceTally.objects.filter(metric=Metric.CLOSED):
            summed[t.unit_id] += t.count
        assert +closed_by_place == +summed
        transaction.set_rollback(True)
    clock.reset()


def test_rolling_up_twice_counts_nothing_twice(agent):
    new_complaint(agent)
    assert roll_up() == 2  # registered, assigned
    assert roll_up() == 0
    assert sum(Pendency.objects.values_list("count", flat=True)) == 1


@pytest.fixture
def desk_client(client, db):
    user = User.objects.create_user("monitor", password="demo")
    grant_role(user, "desk")
    client.force_login(user)
    return client


def test_drill_down_from_the_state_to_a_complaint(desk_client, agent):
    complaint = new_complaint(agent)
    clock.advance(dt.timedelta(days=9))  # overdue, and the sweep has not run yet
    roll_up()
    state = desk_client.get("/monitoring/", follow=True)
    text = state.content.decode()
    lucknow_division = Unit.objects.get(code="UP-LUCKNOW").parent
    assert lucknow_division.name_hi in text
    division = desk_client.get(f"/monitoring/unit/{lucknow_division.pk}/").content.decode()
    assert "लखनऊ" in division
    district = Unit.objects.get(code="UP-LUCKNOW")
    tehsil = Unit.objects.get(code=LUCKNOW_SADAR)
    assert tehsil.name_hi in desk_client.get(f"/monitoring/unit/{district.pk}/").content.decode()
    at_tehsil = desk_client.get(f"/monitoring/unit/{tehsil.pk}/").content.decode()
    tehsildar = Post.objects.get(code=TEHSILDAR)
    assert f'href="/monitoring/post/{tehsildar.pk}/"' in at_tehsil
    assert 'class="overdue">1<' in at_tehsil
    listed = desk_client.get(f"/monitoring/post/{tehsildar.pk}/").content.decode()
    assert complaint.reference in listed
    shown = desk_client.get(f"/monitoring/complaints/{complaint.reference}/").content.decode()
    assert complaint.description in shown


def test_the_dashboard_is_for_the_monitoring_desk(client, agent):
    user = User.objects.create_user("agent-z")
    grant_role(user, "agent")
    client.force_login(user)
    assert client.get("/monitoring/").status_code == 403


def test_defaulters_are_listed_with_the_officer_of_the_day_and_tables_export(desk_client, agent):
    new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    roll_up()
    page = desk_client.get("/monitoring/defaulters/").content.decode()
    tehsildar = Post.objects.get(code=TEHSILDAR)
    officer = officer_actor(TEHSILDAR)
    name = Officer.objects.get(pk=officer.officer_id).name_hi
    assert tehsildar.title_hi in page and name in page
    exported = desk_client.get("/monitoring/defaulters/", {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    assert csv_parts(exported)[1][1] == [tehsildar.title_hi, name, "1"]
    district = Unit.objects.get(code="UP-LUCKNOW")
    _title, rows = csv_parts(desk_client.get(f"/monitoring/unit/{district.pk}/", {"format": "csv"}))
    assert len(rows) > 1 and any(r[0] == "जिलाधिकारी, लखनऊ" and r[1] == "1" for r in rows)


def test_quality_rates_and_where_stuck_come_from_the_timeline(desk_client, agent):
    jpeg = real_jpeg()
    happy = new_complaint(agent, mobile="9800000101")
    unhappy = new_complaint(agent, mobile="9800000102")
    late = new_complaint(agent, mobile="9800000103")
    tehsildar = officer_actor(TEHSILDAR)
    services.submit_atr(
        tehsildar,
        happy.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
        attachments=[services.Upload("site.jpg", jpeg)],
    )
    services.submit_atr(
        tehsildar, unhappy.reference, disposal="resolved", report="मौके पर जाकर कार्यवाही पूरी की गई।"
    )
    services.verify(agent, happy.reference, outcome="satisfied")
    services.verify(agent, unhappy.reference, outcome="not_satisfied", note="नहीं हुआ")
    clock.advance(dt.timedelta(days=9))
    services.sweep()  # `late` leaves the tehsildar after 9 days
    roll_up()
    lucknow = next(
        r
        for r in dashboard.quality(
            timezone.localdate(clock.now()).replace(day=1) - dt.timedelta(days=40)
        )
        if r.district.code == "UP-LUCKNOW"
    )
    assert (lucknow.satisfaction, lucknow.photo_share) == (50.0, 50.0)
    stuck = dashboard.where_stuck(min_stays=1)
    slowest = stuck["posts"][0]
    assert slowest.post.code == TEHSILDAR and slowest.p90_days == 10  # 9 days: "≤ 10"
    assert late.reference  # the escalated one is what made the 9-day stay
    page = desk_client.get("/monitoring/quality/").content.decode()
    assert ">≤ 10</td>" in page and "राजस्व" in page


@given(
    histograms=st.lists(
        st.dictionaries(st.sampled_from(STAY_BUCKETS), st.integers(1, 40), max_size=6),
        min_size=1,
        max_size=12,
    ),
    own_department=st.booleans(),
)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_where_stuck_reads_the_percentiles_of_the_histograms(db, histograms, own_department):
    """The figures summed in the database equal the histograms' percentiles worked out
    here, by department, by district and for the slowest posts."""
    posts = list(Post.objects.exclude(unit__kind="state").order_by("pk")[::7][: len(histograms)])
    with transaction.atomic():
        Stay.objects.all().delete()
        Stay.objects.bulk_create(
            Stay(post_id=post.pk, days=days, count=n)
            for post, histogram in zip(posts, histograms, strict=False)
            for days, n in histogram.items()
        )
        department = posts[0].department_id
        keep = (lambda _unit, dept: dept == department) if own_department else None
        shown = [p for p in posts if keep is None or keep(p.unit_id, p.department_id)]

        def figures(posts_in: list[Post]) -> tuple[int, int, int]:
            histogram = Counter()
            for post in posts_in:
                histogram.update(histograms[posts.index(post)])
            total = sum(histogram.values())
            return (
                total,
                *(
                    next(
                        b
                        for b in STAY_BUCKETS
                        if sum(histogram[c] for c in STAY_BUCKETS if c <= b) >= share * total
                    )
                    for share in (0.5, 0.9)
                ),
            )

        stuck = dashboard.where_stuck(min_stays=3, slowest=5, keep=keep)
        groups = {
            "departments": lambda p: p.department.name,
            "districts": lambda p: Unit.objects.get(pk=district_of(p.unit_id)).name,
        }
        for table, label in groups.items():
            expected = {}
            for post in shown:
                if sum(histograms[posts.index(post)].values()) and (
                    table == "departments" or district_of(post.unit_id)
                ):
                    expected.setdefault(label(post), []).append(post)
            assert {r.label: (r.held, r.median_days, r.p90_days) for r in stuck[table]} == {
                name: figures(group) for name, group in expected.items()
            }
        ranked = sorted(
            (p for p in shown if sum(histograms[posts.index(p)].values()) >= 3),
            key=lambda p: (-figures([p])[2], -figures([p])[0], p.pk),
        )[:5]
        assert [(r.post, r.held, r.median_days, r.p90_days) for r in stuck["posts"]] == [
            (p, *figures([p])) for p in ranked
        ]
        transaction.set_rollback(True)


def test_the_ranking_follows_the_published_formula_and_shows_what_lost_marks(desk_client, agent):
    jpeg = real_jpeg()
    start_of_a_month(day=2)  # the whole story within one month
    agra_place = Unit.objects.get(code="UP-AGRA-T-SADAR")
    on_time = new_complaint(agent, mobile="9800000201", place_id=agra_place.pk)
    late = new_complaint(agent, mobile="9800000202")
    services.submit_atr(
        officer_actor("REV-L1-UP-AGRA-T-SADAR"),
        on_time.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
        attachments=[services.Upload("site.jpg", jpeg)],
    )
    clock.advance(dt.timedelta(days=8, hours=12))  # past the limit; no sweep has run
    services.submit_atr(
        officer_actor(TEHSILDAR),
        late.reference,
        disposal="resolved",
        report="देर से सही, कार्यवाही पूरी की गई।",
    )
    roll_up()
    month = timezone.localdate(clock.now()).replace(day=1)
    rows = {r.name: r for r in dashboard.ranking("district", month)}
    agra, lucknow = rows["आगरा"], rows["लखनऊ"]
    assert agra.rank < lucknow.rank
    assert (agra.marks["timely"], lucknow.marks["timely"]) == (30.0, 0.0)
    # Formula v2 (decision 0073): photo evidence 5, reports not flagged 10.
    assert (agra.marks["evidence"], lucknow.marks["evidence"]) == (5.0, 0.0)
    assert (agra.marks["unflagged"], lucknow.marks["unflagged"]) == (10.0, 10.0)
    assert lucknow.marks["satisfaction"] is None  # nothing verified yet: left out
    page = desk_client.get("/monitoring/ranking/", {"month": f"{month:%Y-%m}"}).content.decode()
    assert "1" in page and "30" in page
    lost = desk_client.get(
        "/monitoring/ranking/lost/",
        {"level": "district", "key": lucknow.key, "parameter": "timely", "month": f"{month:%Y-%m}"},
    ).content.decode()
    assert late.reference in lost and on_time.reference not in lost


def test_a_step_committed_after_a_later_one_is_still_counted(agent, settings):
    complaint = new_complaint(agent)
    roll_up()
    last = Event.objects.order_by("-pk").first()
    step = {
        "complaint": complaint,
        "at": clock.now(),
        "action": Action.REGISTER,
        "role": "agent",
        "from_status": "",
        "to_status": Status.REGISTERED,
        "level": 1,
    }
    Event.objects.create(pk=last.pk + 2, **step)  # this transaction committed first
    roll_up()
    assert last.pk + 1 in {pk for pk, _seen in RollupCursor.objects.get().gaps}  # awaited
    Event.objects.create(pk=last.pk + 1, **step)  # the slower one commits now
    roll_up()
    received = DailyTally.objects.filter(metric=Metric.RECEIVED)
    assert sum(received.values_list("count", flat=True)) == 3
    Event.objects.create(pk=last.pk + 4, **step)  # id +3 never comes (rolled back)
    roll_up()
    clock.advance(dt.timedelta(seconds=settings.IGRS_SUMMARY_GAP_SECONDS + 1))
    roll_up()
    assert RollupCursor.objects.get().gaps == []


def test_odd_dashboard_input_is_a_not_found_or_this_month(desk_client, db):
    assert desk_client.get("/monitoring/ranking/", {"month": "9999-12"}).status_code == 200
    assert (
        desk_client.get(
            "/monitoring/ranking/lost/", {"key": "999999", "parameter": "timely"}
        ).status_code
        == 404
    )


def test_a_complaint_stuck_at_the_top_still_counts_as_overdue(agent):
    complaint = new_complaint(agent)
    Complaint.objects.filter(pk=complaint.pk).update(defaulted=True)  # marked at the top
    assert dashboard._overdue()[complaint.current_post_id] == 1


def test_equal_marks_share_a_rank_and_formula_cells_stay_text(desk_client, agent):
    agra = Unit.objects.get(code="UP-AGRA-T-SADAR")
    new_complaint(agent, mobile="9800000301", place_id=agra.pk)
    new_complaint(agent, mobile="9800000302")
    roll_up()
    month = timezone.localdate(clock.now()).replace(day=1)
    ranks = {r.name: r.rank for r in dashboard.ranking("district", month)}
    assert ranks["आगरा"] == ranks["लखनऊ"] == 1
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_cell(5) == 5


def test_tables_export_as_excel_with_formula_text_kept_as_text(desk_client, agent):
    new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    roll_up()
    tehsildar = Post.objects.get(code=TEHSILDAR)
    tehsildar.designation_hi = '=HYPERLINK("x")'
    tehsildar.save()  # a title a spreadsheet would run
    exported = desk_client.get("/monitoring/defaulters/", {"format": "xlsx"})
    assert exported["Content-Disposition"].endswith('defaulters.xlsx"')
    header, row = sheet_parts(exported)[1][:2]
    assert [c.value for c in header] == ["पद", "उस समय के अधिकारी", "चूकी समय-सीमाएँ"]
    assert row[0].value.startswith("=HYPERLINK") and row[0].data_type == "s"
    assert row[0].quotePrefix and row[2].value == 1 and row[2].data_type == "n"
    month = timezone.localdate(clock.now()).replace(day=1)
    _title, ranking = sheet_parts(
        desk_client.get("/monitoring/ranking/", {"format": "xlsx", "month": f"{month:%Y-%m}"})
    )
    names = [r[1].value for r in ranking[1:]]
    assert "लखनऊ" in names


def drawn_glyphs(reader: PdfReader, family: str) -> list[tuple[str, str]]:
    """Each glyph the first page draws in the fonts of a family, in order: what it stands for
    (the PDF's ToUnicode map; "" for a glyph that completes a cluster) and its name in the
    embedded font."""
    from fontTools.ttLib import TTFont

    page = reader.pages[0]
    fonts = {}
    for key, ref in page["/Resources"]["/Font"].items():
        font = ref.get_object()
        if family not in font["/BaseFont"]:
            continue
        cmap = font["/ToUnicode"].get_object().get_data().decode()
        meaning = {
            int(cid, 16): bytes.fromhex(text).decode("utf-16-be")
            for cid, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
        }
        cid_font = font["/DescendantFonts"][0].get_object()
        embedded = TTFont(
            io.BytesIO(
                cid_font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            )
        )
        gids = cid_font["/CIDToGIDMap"].get_object().get_data()
        order = embedded.getGlyphOrder()
        fonts[key] = (
            meaning,
            lambda cid, gids=gids, order=order: order[int.from_bytes(gids[2 * cid : 2 * cid + 2])],
        )
    glyphs, current = [], None
    content = page.get_contents().get_data()
    for font_name, text in re.findall(
        rb"(/F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", content, re.S
    ):  # strings of Tj and of TJ arrays alike
        if font_name:
            current = fonts.get(font_name.decode())
        elif current:
            meaning, name_of = current
            raw = re.sub(
                rb"\\(.)",
                lambda m: {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)),
                text,
            )
            cids = [int.from_bytes(raw[i : i + 2]) for i in range(0, len(raw), 2)]
            glyphs += [(meaning.get(cid, ""), name_of(cid)) for cid in cids]
    return glyphs


def test_a_district_month_report_is_a_pdf_with_shaped_hindi(desk_client, agent):
    start_of_a_month(day=2)
    new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    roll_up()
    district = Unit.objects.get(code="UP-LUCKNOW")
    month = timezone.localdate(clock.now()).replace(day=1)
    response = desk_client.get(f"/monitoring/report/{district.pk}/", {"month": f"{month:%Y-%m}"})
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert {"लखनऊ", "प्राप्त", "समय-सीमाएँ"} <= set(reader.pages[0].extract_text().split())
    glyphs = drawn_glyphs(reader, "NotoSansDevanagari")
    text = "".join(meaning for meaning, _name in glyphs)
    tehsildar = Post.objects.get(code=TEHSILDAR)
    for words in ("मासिक रिपोर्ट", "डिफॉल्टर", tehsildar.designation_hi, "सत्यापन में संतुष्ट"):
        assert words in text
    # Shaped: a conjunct is one glyph standing for three letters (प्र of प्राप्त) …
    assert "प्र" in {meaning for meaning, _name in glyphs}
    # … and the ि of रि is drawn before its र (HarfBuzz reorders; a plain character-to-glyph
    # mapping would draw र first, then ि).
    ri = next(i for i, (meaning, _name) in enumerate(glyphs) if meaning == "रि")
    assert glyphs[ri + 1] == ("", "uni0930") and glyphs[ri][1] != "uni0930"
    desk_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = desk_client.get(f"/monitoring/report/{district.pk}/", {"month": f"{month:%Y-%m}"})
    english_text = PdfReader(io.BytesIO(english.content)).pages[0].extract_text()
    assert "Monthly report" in english_text and "Lucknow" in english_text
    assert desk_client.get("/monitoring/report/999999/").status_code == 404


def officer_client(client, post_code: str):
    """A client logged in as the demo officer holding a post."""
    officer = Officer.objects.get(postings__post__code=post_code)
    officer.user = User.objects.create_user(f"officer-{officer.pk}")
    officer.save()
    client.force_login(officer.user)
    return client


def test_a_dm_sees_their_district_only(client, agent):
    lucknow_case = new_complaint(agent, mobile="9800000401")
    agra = Unit.objects.get(code="UP-AGRA")
    agra_case = new_complaint(
        agent, mobile="9800000402", place_id=Unit.objects.get(code="UP-AGRA-T-SADAR").pk
    )
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    roll_up()
    dm = officer_client(client, "REV-L2-UP-LUCKNOW")
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    assert dm.get("/monitoring/")["Location"] == f"/monitoring/unit/{lucknow.pk}/"
    assert dm.get(f"/monitoring/unit/{lucknow.pk}/").status_code == 200
    tehsil = Unit.objects.get(code=LUCKNOW_SADAR)
    at_tehsil = dm.get(f"/monitoring/unit/{tehsil.pk}/").content.decode()
    tehsildar = Post.objects.get(code=TEHSILDAR)
    post_page = dm.get(f"/monitoring/post/{tehsildar.pk}/").content.decode()
    for page in (at_tehsil, post_page):  # no way up out of the district
        assert f'href="/monitoring/unit/{lucknow.pk}/"' in page
        assert f'href="/monitoring/unit/{lucknow.parent_id}/"' not in page
    for elsewhere in (agra, agra.parent, Unit.objects.get(code="UP")):
        assert dm.get(f"/monitoring/unit/{elsewhere.pk}/").status_code == 404
    assert dm.get(f"/monitoring/complaints/{lucknow_case.reference}/").status_code == 200
    assert dm.get(f"/monitoring/complaints/{agra_case.reference}/").status_code == 404
    agra_post = Post.objects.get(code="REV-L1-UP-AGRA-T-SADAR")
    assert dm.get(f"/monitoring/post/{agra_post.pk}/").status_code == 404
    defaulters = dm.get("/monitoring/defaulters/").content.decode()
    assert Post.objects.get(code=TEHSILDAR).title_hi in defaulters
    assert agra_post.title_hi not in defaulters
    month = timezone.localdate(clock.now()).replace(day=1)
    assert dm.get(f"/monitoring/report/{lucknow.pk}/").status_code == 200
    assert dm.get(f"/monitoring/report/{agra.pk}/").status_code == 403
    for key, allowed in ((lucknow.pk, 200), (agra.pk, 403)):
        assert (
            dm.get(
                "/monitoring/ranking/lost/",
                {
                    "level": "district",
                    "key": key,
                    "parameter": "defaulters",
                    "month": f"{month:%Y-%m}",
                },
            ).status_code
            == allowed
        )


def test_a_department_head_sees_their_department_everywhere(client, agent):
    revenue_case = new_complaint(agent, mobile="9800000501")
    police = new_complaint(
        agent,
        mobile="9800000502",
        category_id=Category.objects.get(code="POL-FIR").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW-PS-KOTWALI").pk,
    )
    roll_up()
    head = officer_client(client, "REV-L3")
    state = Unit.objects.get(code="UP")
    page = head.get("/monitoring/", follow=True)
    assert page.status_code == 200 and page.context["page"].unit == state
    assert page.context["page"].pending == 1  # the revenue complaint, not the police one
    assert head.get(f"/monitoring/complaints/{revenue_case.reference}/").status_code == 200
    assert head.get(f"/monitoring/complaints/{police.reference}/").status_code == 404
    thana_post = Post.objects.get(pk=police.current_post_id)
    assert head.get(f"/monitoring/post/{thana_post.pk}/").status_code == 404
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    assert head.get(f"/monitoring/report/{lucknow.pk}/").status_code == 403


def test_no_one_sees_a_complaint_made_against_them(client, agent):
    dm_post = Post.objects.get(code="REV-L2-UP-LUCKNOW")
    against_post = new_complaint(agent, mobile="9800000601", against_post_id=dm_post.pk)
    dm_officer = Officer.objects.get(postings__post=dm_post)
    against_dm = new_complaint(agent, mobile="9800000602", against_officer_id=dm_officer.pk)
    plain = new_complaint(agent, mobile="9800000603")
    dm = officer_client(client, "REV-L2-UP-LUCKNOW")
    assert dm.get(f"/monitoring/complaints/{plain.reference}/").status_code == 200
    for hidden in (against_post, against_dm):
        assert dm.get(f"/monitoring/complaints/{hidden.reference}/").status_code == 404
        holder = dm.get(f"/monitoring/post/{hidden.current_post_id}/").content.decode()
        assert hidden.reference not in holder


def test_a_district_head_of_another_department_sees_only_it(client, agent):
    revenue = new_complaint(agent, mobile="9800000701")
    police = new_complaint(
        agent,
        mobile="9800000702",
        category_id=Category.objects.get(code="POL-FIR").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW-PS-KOTWALI").pk,
    )
    ssp = officer_client(client, "POL-L2-UP-LUCKNOW")
    assert ssp.get(f"/monitoring/complaints/{police.reference}/").status_code == 200
    assert ssp.get(f"/monitoring/complaints/{revenue.reference}/").status_code == 404
    tehsildar = Post.objects.get(code=TEHSILDAR)
    assert ssp.get(f"/monitoring/post/{tehsildar.pk}/").status_code == 404


def test_an_officer_without_a_district_or_state_post_has_no_dashboard(client, agent):
    assert officer_client(client, TEHSILDAR).get("/monitoring/").status_code == 403


def test_defaulter_days_run_from_the_deadline_and_follow_the_officer_holding_the_post(
    desk_client, agent
):
    start_of_a_month(day=2)
    complaint = new_complaint(agent)
    due = Complaint.objects.get(pk=complaint.pk).due_at
    handover = timezone.localdate(due) + dt.timedelta(days=1)  # a transfer while past due
    posting = Posting.objects.get(post__code=TEHSILDAR)
    posting.end = handover
    posting.save()
    successor = Officer.objects.create(
        name_hi="नया तहसीलदार", name_en="New Tehsildar", mobile="+919000099999"
    )
    Posting.objects.create(
        officer=successor, post=posting.post, start=handover + dt.timedelta(days=1)
    )
    clock.advance(due + dt.timedelta(days=3) - clock.now())
    services.sweep()  # marks the missed deadline and moves the complaint up: past due ends
    roll_up()
    changeover = timezone.make_aware(
        dt.datetime.combine(handover + dt.timedelta(days=1), dt.time.min)
    )
    month = timezone.localdate(clock.now()).replace(day=1)
    days = {r.officer.pk: (r.deadlines, r.days) for r in dashboard.defaulter_days(month)}
    assert days[posting.officer_id] == (1, round((changeover - due) / dt.timedelta(days=1), 1))
    assert days[successor.pk] == (
        1,
        round((due + dt.timedelta(days=3) - changeover) / dt.timedelta(days=1), 1),
    )
    page = desk_client.get("/monitoring/defaulters/").content.decode()
    assert "नया तहसीलदार" in page
    _title, sheet = sheet_parts(
        desk_client.get("/monitoring/defaulters/", {"table": "days", "format": "xlsx"})
    )
    assert ["नया तहसीलदार", 1, days[successor.pk][1]] in [[c.value for c in row] for row in sheet]
    clock.advance(dt.timedelta(days=2))  # the days stopped when the complaint moved up
    assert {r.officer.pk: (r.deadlines, r.days) for r in dashboard.defaulter_days(month)} == days
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    clock.advance(timezone.make_aware(dt.datetime.combine(next_month, dt.time(10))) - clock.now())
    assert dashboard.defaulter_days(next_month) == []  # it moved on: nothing carries over


def test_a_tehsil_page_counts_its_own_complaints(desk_client, agent):
    sadar = Unit.objects.get(code=LUCKNOW_SADAR)
    other = Unit.objects.filter(parent=sadar.parent, kind="tehsil").exclude(pk=sadar.pk).first()
    new_complaint(agent, mobile="9800000801")
    new_complaint(agent, mobile="9800000802", place_id=other.pk)
    roll_up()
    tehsil = desk_client.get(f"/monitoring/unit/{sadar.pk}/").context["page"]
    district = desk_client.get(f"/monitoring/unit/{sadar.parent_id}/").context["page"]
    assert (tehsil.periods.today["received"], district.periods.today["received"]) == (1, 2)
    assert tehsil.figures_for == sadar and district.figures_for == sadar.parent


def test_forwarding_down_after_the_deadline_does_not_stop_the_days(agent):
    top = to_the_top(agent)
    mark = top.defaults.get(post__code="REV-L3")
    clock.advance(dt.timedelta(days=2))
    services.forward_down(
        officer_actor("REV-L3"),
        top.reference,
        to_post_id=Post.objects.get(code="REV-L2-UP-LUCKNOW").pk,
    )
    clock.advance(dt.timedelta(days=3))
    month = timezone.localdate(clock.now()).replace(day=1)
    since = max(mark.due_at, timezone.make_aware(dt.datetime.combine(month, dt.time.min)))
    head = Officer.objects.get(postings__post__code="REV-L3")
    days = {r.officer.pk: r.days for r in dashboard.defaulter_days(month)}
    assert days[head.pk] == round((clock.now() - since) / dt.timedelta(days=1), 1)


def to_the_top(agent, mobile: str = "9800000901") -> Complaint:
    """A complaint whose L1, L2 and top post each let the deadline pass."""
    complaint = new_complaint(agent, mobile=mobile)
    for _level in range(3):
        due = Complaint.objects.get(pk=complaint.pk).due_at
        clock.advance(due + dt.timedelta(hours=1) - clock.now())
        services.sweep()
    top = Complaint.objects.get(pk=complaint.pk)
    assert top.defaulted and top.current_post.code == "REV-L3"
    return top


def test_a_delay_at_the_top_counts_in_the_month_it_ends(agent):
    top = to_the_top(agent)
    mark = top.defaults.get(post__code="REV-L3")
    assert mark.ended_at is None  # still waiting at the top
    month = (timezone.localdate(mark.marked_at).replace(day=28) + dt.timedelta(days=4)).replace(
        day=1
    )
    clock.advance(
        timezone.make_aware(dt.datetime.combine(month, dt.time(10)))
        + dt.timedelta(days=4)
        - clock.now()
    )
    services.return_misrouted(
        officer_actor("REV-L3"), top.reference, reason="यह मामला दूसरे विभाग का है।"
    )
    returned = Event.objects.get(complaint=top, action=Action.RETURN).at
    clock.advance(dt.timedelta(days=3))
    mark.refresh_from_db()
    assert mark.ended_at == returned
    head = Officer.objects.get(postings__post__code="REV-L3")
    days = {r.officer.pk: (r.deadlines, r.days) for r in dashboard.defaulter_days(month)}
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    assert days[head.pk] == (1, round((returned - start) / dt.timedelta(days=1), 1))


def test_marks_made_before_the_officer_and_end_were_kept_are_filled_in(agent):
    """The migration that added Defaulter.officer and ended_at fills them for older marks
    as the sweep now writes them."""
    import importlib

    from django.apps import apps

    from igrs.grievances.models import Defaulter

    to_the_top(agent, mobile="9800000902")
    answered = to_the_top(agent, mobile="9800000903")
    clock.advance(dt.timedelta(days=2))
    services.submit_atr(
        officer_actor("REV-L3"),
        answered.reference,
        disposal="resolved",
        report="देर से सही, कार्यवाही पूरी की गई।",
    )
    written = {d.pk: (d.officer_id, d.ended_at) for d in Defaulter.objects.all()}
    assert None in {end for _officer, end in written.values()}
    assert len({end for _officer, end in written.values()}) > 2
    assert None not in {officer for officer, _end in written.values()}
    Defaulter.objects.update(officer=None, ended_at=None)
    migration = importlib.import_module("igrs.grievances.migrations.0018_defaulter_officer_and_end")
    migration.fill_officer_and_end(apps, None)
    assert {d.pk: (d.officer_id, d.ended_at) for d in Defaulter.objects.all()} == written


def test_tehsils_and_thanas_are_ranked_within_a_district(desk_client, agent):
    start_of_a_month(day=2)
    sadar = Unit.objects.get(code=LUCKNOW_SADAR)
    late = new_complaint(agent, mobile="9800000601")
    other = Unit.objects.filter(parent=sadar.parent, kind="tehsil").exclude(pk=sadar.pk).first()
    on_time = new_complaint(agent, mobile="9800000602", place_id=other.pk)
    services.submit_atr(
        officer_actor(f"REV-L1-{other.code}"),
        on_time.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
    )
    clock.advance(dt.timedelta(days=8, hours=12))
    services.submit_atr(
        officer_actor(TEHSILDAR),
        late.reference,
        disposal="resolved",
        report="देर से सही, कार्यवाही पूरी की गई।",
    )
    new_complaint(
        agent, mobile="9800000603", place_id=Unit.objects.get(code="UP-AGRA-T-SADAR").pk
    )  # another district's tehsil: not in Lucknow's list
    roll_up()
    month = timezone.localdate(clock.now()).replace(day=1)
    lucknow = sadar.parent
    rows = {r.key: r for r in dashboard.ranking("tehsil", month, lucknow.pk)}
    assert set(rows) == {sadar.pk, other.pk}
    assert (rows[other.pk].marks["timely"], rows[sadar.pk].marks["timely"]) == (30.0, 0.0)
    assert rows[other.pk].rank < rows[sadar.pk].rank
    page = desk_client.get(
        "/monitoring/ranking/",
        {"level": "tehsil", "district": lucknow.pk, "month": f"{month:%Y-%m}"},
    )
    assert [r.key for r in page.context["rows"]] == [other.pk, sadar.pk]
    lost = desk_client.get(
        "/monitoring/ranking/lost/",
        {"level": "tehsil", "key": sadar.pk, "parameter": "timely", "month": f"{month:%Y-%m}"},
    ).content.decode()
    assert late.reference in lost and on_time.reference not in lost
    assert dashboard.ranking("thana", month, lucknow.pk) == []
    counted = {(t.day, t.unit_id, t.metric): t.count for t in PlaceTally.objects.all()}
    PlaceTally.objects.all().delete()  # as before the upgrade that added them
    assert rebuild_place_tallies_and_lost_marks(batch=3) == Event.objects.count()
    assert {(t.day, t.unit_id, t.metric): t.count for t in PlaceTally.objects.all()} == counted


def listed(response) -> set[str]:
    """The references a lost-marks page lists."""
    return set(re.findall(r'href="/monitoring/complaints/([^/"]+)/"', response.content.decode()))


def test_the_roll_up_keeps_each_lost_mark_where_it_counts_and_the_page_lists_those(
    desk_client, agent
):
    jpeg = real_jpeg()
    report = "मौके पर जाकर कार्यवाही पूरी की गई।"
    start_of_a_month(day=2)  # the whole story within one month
    late = new_complaint(agent, mobile="9800000901")
    escalated = new_complaint(agent, mobile="9800000902")
    special = new_complaint(agent, mobile="9800000903")
    photo = new_complaint(agent, mobile="9800000904")
    police = new_complaint(
        agent,
        mobile="9800000905",
        category_id=Category.objects.get(code="POL-FIR").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW-PS-KOTWALI").pk,
    )
    agra = new_complaint(
        agent, mobile="9800000906", place_id=Unit.objects.get(code="UP-AGRA-T-SADAR").pk
    )
    services.submit_atr(
        officer_actor(TEHSILDAR),
        photo.reference,
        disposal="resolved",
        report=report,
        attachments=[services.Upload("site.jpg", jpeg)],
    )
    services.submit_atr(
        officer_actor(Post.objects.get(pk=police.current_post_id).code),
        police.reference,
        disposal="resolved",
        report=report,
    )
    services.submit_atr(
        officer_actor("REV-L1-UP-AGRA-T-SADAR"), agra.reference, disposal="resolved", report=report
    )
    services.propose_special_closure(
        officer_actor(TEHSILDAR),
        special.reference,
        ground="sub_judice",
        reason="मामला न्यायालय में है।",
    )
    services.decide_special_closure(officer_actor(DM), special.reference, approve=True)
    services.reopen(agent, special.reference, reason="मामला न्यायालय में नहीं है।")
    clock.advance(dt.timedelta(days=8, hours=12))  # past the limit
    services.submit_atr(
        officer_actor(TEHSILDAR), late.reference, disposal="resolved", report=report
    )
    services.verify(agent, late.reference, outcome="not_satisfied", note="काम नहीं हुआ")
    services.sweep()  # `escalated` goes up; `special`, at the top, is marked defaulter
    roll_up()
    lucknow, sadar = Unit.objects.get(code="UP-LUCKNOW"), Unit.objects.get(code=LUCKNOW_SADAR)
    agra_district = Unit.objects.get(code="UP-AGRA")
    kotwali = Unit.objects.get(code="UP-LUCKNOW-PS-KOTWALI")
    revenue = Category.objects.get(code="REV-LAND").department_id
    police_department = Category.objects.get(code="POL-FIR").department_id
    where = {
        late: (lucknow, revenue, sadar),
        escalated: (lucknow, revenue, sadar),
        special: (lucknow, revenue, sadar),
        police: (lucknow, police_department, kotwali),
        agra: (agra_district, revenue, Unit.objects.get(code="UP-AGRA-T-SADAR")),
    }
    lost = {
        "timely": [late],
        "evidence": [late, police, agra],
        "satisfaction": [late],
        "defaulters": [escalated],
        "special_closures": [special],
        "reopens": [special],
        "unflagged": [],  # no report here is flagged (test_disposal_flags.py has those)
    }
    assert set(lost) == set(LOSES_MARKS) == set(dashboard.PARAMETERS)  # each has its page
    assert sorted(
        LostMark.objects.values_list(
            "parameter", "complaint_id", "district_id", "department_id", "area_id"
        )
    ) == sorted(
        (parameter, c.pk, where[c][0].pk, where[c][1], where[c][2].pk)
        for parameter, complaints in lost.items()
        for c in complaints
    )
    month = timezone.localdate(clock.now()).replace(day=1)

    def page(level: str, key: int, parameter: str, when=month) -> set[str]:
        return listed(
            desk_client.get(
                "/monitoring/ranking/lost/",
                {"level": level, "key": key, "parameter": parameter, "month": f"{when:%Y-%m}"},
            )
        )

    for parameter, complaints in lost.items():
        assert page("district", lucknow.pk, parameter) == {
            c.reference for c in complaints if where[c][0] == lucknow
        }
    assert page("district", agra_district.pk, "evidence") == {agra.reference}
    assert page("department", police_department, "evidence") == {police.reference}
    assert page("department", revenue, "evidence") == {late.reference, agra.reference}
    assert page("tehsil", sadar.pk, "evidence") == {late.reference}
    assert page("thana", kotwali.pk, "evidence") == {police.reference}
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    assert page("district", lucknow.pk, "evidence", next_month) == set()


def lost_mark_rows() -> Counter:
    return Counter(
        LostMark.objects.values_list(
            "event_id", "complaint_id", "at", "parameter", "district_id", "department_id", "area_id"
        )
    )


def test_rebuilding_the_lost_marks_gives_the_roll_ups_rows_and_counts_nothing_twice(agent):
    complaint = new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()  # escalated: a lost mark on defaulters
    roll_up()
    last = Event.objects.order_by("-pk").first()
    step = {
        "complaint": complaint,
        "at": clock.now(),
        "action": Action.ESCALATE,
        "role": "system",
        "from_status": Status.ASSIGNED,
        "to_status": Status.ASSIGNED,
        "level": 2,
    }
    Event.objects.create(pk=last.pk + 2, **step)
    roll_up()  # counts +2 and awaits +1, a transaction still open
    Event.objects.create(pk=last.pk + 1, **step)  # which commits now
    counted = lost_mark_rows()
    assert [(row[0], row[3]) for row in counted] == [
        (last.pk, "defaulters"),
        (last.pk + 2, "defaulters"),
    ]
    LostMark.objects.all().delete()  # as before the upgrade that added them
    assert rebuild_place_tallies_and_lost_marks(batch=2) == Event.objects.count() - 1
    assert lost_mark_rows() == counted  # the awaited step is left to the roll-up
    roll_up()
    awaited = next(row for row in counted if row[0] == last.pk + 2)  # the same step but id
    assert lost_mark_rows() == counted + Counter({(last.pk + 1, *awaited[1:]): 1})
    escalations = DailyTally.objects.filter(metric=Metric.ESCALATED)
    assert sum(escalations.values_list("count", flat=True)) == 3


def test_the_lost_marks_leave_out_complaints_made_against_the_viewer(client, agent):
    dm_post = Post.objects.get(code=DM)
    against_post = new_complaint(agent, mobile="9800001001", against_post_id=dm_post.pk)
    against_dm = new_complaint(
        agent,
        mobile="9800001002",
        against_officer_id=Officer.objects.get(postings__post=dm_post).pk,
    )
    plain = new_complaint(agent, mobile="9800001003")
    for complaint in (against_post, against_dm, plain):  # reports without a photo
        holder = Post.objects.get(pk=complaint.current_post_id)
        services.submit_atr(
            officer_actor(holder.code),
            complaint.reference,
            disposal="resolved",
            report="मौके पर जाकर कार्यवाही पूरी की गई।",
        )
    roll_up()
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    month = timezone.localdate(clock.now()).replace(day=1)
    behind = {
        e.complaint.reference
        for e in dashboard.lost_marks("district", lucknow.pk, "evidence", month)
    }
    assert behind == {against_post.reference, against_dm.reference, plain.reference}
    dm = officer_client(client, DM)
    assert listed(
        dm.get(
            "/monitoring/ranking/lost/",
            {
                "level": "district",
                "key": lucknow.pk,
                "parameter": "evidence",
                "month": f"{month:%Y-%m}",
            },
        )
    ) == {plain.reference}


def test_the_unit_page_draws_received_and_disposed_over_30_days(desk_client, agent):
    first = new_complaint(agent, mobile="9800000701")
    clock.advance(dt.timedelta(days=1))
    new_complaint(agent, mobile="9800000702")
    new_complaint(agent, mobile="9800000703")
    services.submit_atr(
        officer_actor(TEHSILDAR),
        first.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
    )
    roll_up()
    district = Unit.objects.get(code="UP-LUCKNOW")
    response = desk_client.get(f"/monitoring/unit/{district.pk}/")
    flow = response.context["page"].flow
    today = timezone.localdate(clock.now())
    assert len(flow) == 30 and flow[0].day == today - dt.timedelta(days=29)
    assert [(d.received, d.disposed) for d in flow[-2:]] == [(1, 0), (2, 1)]
    assert sum(d.received for d in flow) == 3
    html = response.content.decode()
    chart = re.search(r'<svg class="chart line-chart".*?</svg>', html, re.S).group(0)
    received, disposed = re.findall(r'<polyline points="([^"]+)"', chart)
    ys = [float(point.split(",")[1]) for point in received.split()]
    assert ys[-1] < ys[-2] < ys[0]  # two today, one yesterday, none a month ago
    assert "प्राप्त" in chart and "निस्तारित" in chart
    assert f'<th scope="row">{today:%d-%m-%Y}</th><td>2</td><td>1</td>' in html
