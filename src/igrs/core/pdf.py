"""A PDF document in the page's language with the fonts IGRS ships (fonts/, SIL Open Font
License): Devanagari needs shaping (conjuncts, the ि matra drawn before its consonant), which
HarfBuzz does through fpdf2, so no system font is needed. Used by the monitoring reports and
the citizen's personal-data download."""

from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import get_language

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
# Family name → file stem; the page's script first, the other as the fallback.
FAMILIES = {"Deva": "NotoSansDevanagari", "Latin": "NotoSans"}


def document() -> "FPDF":
    # Imported here: fpdf2 (with fontTools) is large, and every web worker would load it for
    # the odd report.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    for family, stem in FAMILIES.items():
        pdf.add_font(family, "", FONTS / f"{stem}-Regular.ttf")
        pdf.add_font(family, "B", FONTS / f"{stem}-Bold.ttf")
    main, other = (
        ("Latin", "Deva") if (get_language() or "hi").startswith("en") else ("Deva", "Latin")
    )
    pdf.set_font(main, size=10)
    pdf.set_fallback_fonts([other])
    pdf.set_text_shaping(True)
    return pdf
