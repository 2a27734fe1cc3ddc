"""A district's monthly report as PDF, in the page's language. Devanagari needs shaping
(conjuncts, the ि matra drawn before its consonant): HarfBuzz does it through fpdf2. The
fonts ship with the project (core/fonts/, SIL Open Font License), so no system font is needed."""

from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from igrs.core.pdf import document

from . import exports, labels
from .selectors import DistrictMonth

if TYPE_CHECKING:
    from fpdf import FPDF


def district_month_pdf(report: DistrictMonth) -> bytes:
    pdf = document()
    pdf.set_title(_title(report))
    pdf.add_page()
    _title_block(pdf, report)
    _summary(pdf, report)
    _departments(pdf, report)
    _quality_and_rank(pdf, report)
    _defaulters(pdf, report)
    return bytes(pdf.output())


def _title(report: DistrictMonth) -> str:
    return _("Monthly report: %(district)s, %(month)s") % {
        "district": report.district.name,
        "month": formats.date_format(report.month, "m-Y"),
    }  # as the pages write it


def _title_block(pdf: "FPDF", report: DistrictMonth) -> None:
    """The title, the filters that made the report and when it was made, as the CSV and
    Excel files have them."""
    heading = exports.Heading(
        _title(report),
        [exports.place(report.district), exports.month(report.month), exports.department(None)],
    )
    (title,), *lines = heading.lines()
    pdf.set_font(style="B", size=15)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)
    for label, value in lines:
        pdf.multi_cell(0, 6, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: "FPDF", text: str) -> None:
    pdf.ln(4)
    pdf.set_font(style="B", size=12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(style="", size=10)


def _table(pdf: "FPDF", header: list[str], rows: list[list]) -> None:
    with pdf.table(first_row_as_headings=True, line_height=6) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell("—" if value is None else str(value))


def _summary(pdf: "FPDF", report: DistrictMonth) -> None:
    total = report.total
    _heading(pdf, _("The month at a glance"))
    _table(
        pdf,
        [
            _("Received"),
            _("Disposed"),
            _("Pending with officers now"),
            _("Past the time limit now"),
            _("With the monitoring desk now"),
        ],
        [[total.received, total.disposed, total.pending, total.overdue, report.with_desk]],
    )


def _departments(pdf: "FPDF", report: DistrictMonth) -> None:
    _heading(pdf, _("By department"))
    _table(
        pdf,
        [_("Department"), _("Received"), _("Disposed"), _("Pending now"), _("Overdue now")],
        [[d.name, d.received, d.disposed, d.pending, d.overdue] for d in report.departments]
        or [[_("Nothing this month."), "", "", "", ""]],
    )


def _quality_and_rank(pdf: "FPDF", report: DistrictMonth) -> None:
    _heading(pdf, _("Quality of disposal (per cent)"))
    q = report.quality
    _table(
        pdf,
        [
            _("Satisfied on verification"),
            _("Re-opened"),
            _("Special closures"),
            _("Graded C"),
            _("Reports with a photo"),
            _("Reports flagged"),
        ],
        [
            [
                q.satisfaction,
                q.reopen_rate,
                q.special_rate,
                q.c_grade_rate,
                q.photo_share,
                q.flag_rate,
            ]
            if q
            else [None] * 6
        ],
    )
    _heading(pdf, _("Ranking among districts"))
    if report.rank is None:
        pdf.cell(0, 7, _("Not ranked this month."), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.cell(
        0,
        7,
        _("Rank %(rank)s of %(count)s, %(marks)s marks out of 100.")
        % {"rank": report.rank.rank, "count": report.ranked, "marks": report.rank.total},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _table(
        pdf,
        [_("Parameter"), _("Marks")],
        [[labels.parameter_name(name), marks] for name, marks in report.rank.marks.items()],
    )


def _defaulters(pdf: "FPDF", report: DistrictMonth) -> None:
    _heading(pdf, _("Defaulters"))
    _table(
        pdf,
        [_("Post"), _("Officer then"), _("Deadlines missed")],
        [[r.post.title, r.officer_name or "—", r.defaults] for r in report.defaulters]
        or [[_("No deadline was missed this month."), "", ""]],
    )
