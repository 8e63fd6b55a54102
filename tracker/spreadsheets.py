"""Keeping CSV files safe to open in a spreadsheet, and reading them back.

A cell that starts with "=", "+", "-" or "@" runs as a formula when the file is
opened in a spreadsheet ("=HYPERLINK(...)" typed into a note would run on the
reader's machine). Exports prefix such cells with an apostrophe, which
spreadsheets show as plain text; imports remove that one apostrophe again, so
an export can be edited and imported back unchanged.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unescape_formula(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
