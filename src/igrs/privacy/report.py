"""The citizen's download as a readable PDF in the page's language, with the monthly
report's fonts and Devanagari shaping (core.pdf)."""

from django.utils.translation import gettext as _

from igrs.core.pdf import document


def everything_pdf(held: dict) -> bytes:
    pdf = document()
    pdf.set_title(_("Everything IGRS holds about %(mobile)s") % {"mobile": held["mobile"]})
    pdf.add_page()
    _line(pdf, _("Everything IGRS holds about %(mobile)s") % {"mobile": held["mobile"]}, 15)
    _line(pdf, _("Made at %(at)s") % {"at": held["made_at"]})
    _heading(pdf, _("Your complaints"))
    if not held["complaints"]:
        _line(pdf, _("None."))
    for c in held["complaints"]:
        _complaint(pdf, c)
    _heading(pdf, _("SMS sent to you"))
    for sms in held["sms"] or [None]:
        _line(pdf, f"{sms['sent_at']}: {sms['text']}" if sms else _("None."))
    _heading(pdf, _("Your calls"))
    for call in held["calls"] or [None]:
        _line(pdf, f"{call['at']}: {call['number']} ({call['direction']})" if call else _("None."))
    return bytes(pdf.output())


def _complaint(pdf, c: dict) -> None:
    _line(pdf, c["reference"], 12)
    for label, value in (
        (_("Registered"), c["registered_at"]),
        (_("Name"), c["name"]),
        (_("Mobile"), c["mobile"]),
        (_("Address"), c["address"]),
        (_("E-mail"), c["email"]),
        (_("Category"), c["category"]),
        (_("Place"), f"{c['place']} {c['village_or_ward']}".strip()),
        (_("Description"), c["description"]),
        (_("Status"), c["status"]),
    ):
        if value:
            _line(pdf, f"{label}: {value}")
    for step in c["timeline"]:
        _line(
            pdf, f"  {step['at']} — {step['step']}" + (f": {step['note']}" if step["note"] else "")
        )
    pdf.ln(3)


def _heading(pdf, text: str) -> None:
    pdf.ln(4)
    _line(pdf, text, 13)


def _line(pdf, text: str, size: int = 10) -> None:
    pdf.set_font(style="B" if size > 10 else "", size=size)
    pdf.multi_cell(0, 6 if size == 10 else 8, text, new_x="LMARGIN", new_y="NEXT")
