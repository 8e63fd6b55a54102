"""A letter as a PDF, for printing, faxing or attaching (fpdf2, pure Python)."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

#: Typographic characters the PDF's built-in fonts lack, written with ones they have.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2026": "...",  # ellipsis
        "\u2022": "-",  # bullet
        "\u00a0": " ",  # no-break space
    }
)


def _latin1(text: str) -> str:
    """What the built-in fonts can print: Latin-1, other letters without their accents."""
    text = text.translate(_PLAIN)
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for character in decomposed:
        try:
            character.encode("latin-1")
        except UnicodeEncodeError:
            continue
        kept.append(character)
    return unicodedata.normalize("NFC", "".join(kept))


def letter_pdf(*, subject: str, body: str, sender: str = "") -> bytes:
    """The letter on US Letter paper: the sender's name, the subject, then the body."""
    pdf = FPDF(format="Letter", unit="pt")
    pdf.set_margins(72, 72, 72)
    pdf.set_auto_page_break(auto=True, margin=72)
    pdf.set_title(_latin1(subject))
    pdf.set_creator("Opt-Out Tracker")
    pdf.add_page()
    if sender:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 16, _latin1(sender), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(12)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 15, _latin1(subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("Times", "", 11)
    pdf.multi_cell(0, 15, _latin1(body), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
