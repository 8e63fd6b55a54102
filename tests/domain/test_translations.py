"""The Spanish catalogue: complete, compiled, and in step with the code.

The compiled ``django.mo`` is committed, so a fresh machine needs no gettext tools;
these tests make sure it says what ``django.po`` says and that every string the
templates and the Python code mark for translation has a Spanish translation.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from core.dates import DatePrecision, PartialDate

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES"
#: What makemessages reads: the apps, the project, the templates of both (see docs/translations.md).
SOURCES = ("config", "core", "jurisdictions", "tracker", "inbox", "outbox", "manage.py")
MAKEMESSAGES = (
    "makemessages",
    "--locale=es",
    "--extension=html,txt,py",
    "--no-location",
    "--no-obsolete",
)


@dataclass
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    translations: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        """The key Python's gettext gives the message in a compiled catalogue."""
        return self.msgid if self.context is None else f"{self.context}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header, msgid "", left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    flags: set[str] = set()

    def finish() -> None:
        nonlocal entry, flags
        if entry is not None and entry.msgid:
            entries.append(entry)
        entry, flags = None, set()

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert entry is not None, line
            _append(entry, target, ast.literal_eval(line))
        else:
            keyword, text = line.split(" ", 1)
            value = ast.literal_eval(text)
            if entry is None:
                entry = Entry(msgid="", flags=flags)
            if keyword == "msgctxt":
                entry.context, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                entry.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                entry.plural, target = value, ("msgid_plural", 0)
            elif keyword == "msgstr":
                entry.translations[0], target = value, ("msgstr", 0)
            else:  # msgstr[N]
                index = int(keyword[len("msgstr[") : -1])
                entry.translations[index], target = value, ("msgstr", index)
    finish()
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgctxt":
        entry.context = (entry.context or "") + text
    elif name == "msgid":
        entry.msgid += text
    elif name == "msgid_plural":
        entry.plural = (entry.plural or "") + text
    else:
        entry.translations[index] += text


def untranslated(entries: list[Entry]) -> list[str]:
    return [
        entry.msgid
        for entry in entries
        if "fuzzy" in entry.flags or not entry.translations or not all(entry.translations.values())
    ]


def test_spanish_is_a_language_of_the_site_and_english_the_default() -> None:
    assert [code for code, _name in settings.LANGUAGES] == ["en", "es"]
    assert settings.LANGUAGE_CODE == "en-us"
    assert ROOT / "locale" in [Path(p) for p in settings.LOCALE_PATHS]


def test_the_reader_parses_the_catalogue_into_many_translated_messages() -> None:
    entries = read_po(CATALOGUE / "django.po")
    # Hundreds of messages, some with a context and some with plural forms.
    assert len(entries) > 500
    assert any(entry.context for entry in entries)
    assert any(entry.plural for entry in entries)
    dashboard = next(entry for entry in entries if entry.msgid == "Dashboard")
    assert dashboard.translations == {0: "Panel"}


def test_every_message_of_the_catalogue_has_a_spanish_translation() -> None:
    assert untranslated(read_po(CATALOGUE / "django.po")) == []


def test_the_committed_mo_is_compiled_from_the_committed_po() -> None:
    """The .mo the site reads says exactly what the .po says: run `compilemessages`
    (docs/translations.md) after every change to the .po."""
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    expected: dict[object, str] = {}
    for entry in read_po(CATALOGUE / "django.po"):
        if entry.plural is None:
            expected[entry.key] = entry.translations[0]
        else:
            for index, text in entry.translations.items():
                expected[(entry.key, index)] = text
    compiled_messages = {key: text for key, text in catalogue.items() if key != ""}
    assert compiled_messages == expected


def test_every_translatable_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """makemessages, run on a copy of the code with the committed catalogue, finds no
    string without a Spanish translation and no translation nothing uses any more."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        reason = "needs GNU gettext (xgettext, msgmerge): apt-get install gettext (.ci/run does)"
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail(reason)
        pytest.skip(reason)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    environment = {**os.environ, "SECRET_KEY": "catalogue-check", "DEBUG": "false", "ENV_FILE": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    extracted = read_po(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po")
    missing = untranslated(extracted)
    assert missing == [], (
        "Strings without a Spanish translation (add them to locale/es/LC_MESSAGES/django.po, "
        f"see docs/translations.md): {missing}"
    )
    committed = {entry.key for entry in read_po(CATALOGUE / "django.po")}
    assert {entry.key for entry in extracted} == committed, (
        "run makemessages (docs/translations.md)"
    )


@pytest.mark.parametrize(
    ("language", "day", "month"),
    [
        ("en", "7 September 2010", "September 2010"),
        ("es", "7 de septiembre de 2010", "septiembre de 2010"),
    ],
)
def test_a_partial_date_is_written_the_reader_s_way(language: str, day: str, month: str) -> None:
    with translation.override(language):
        assert PartialDate(dt.date(2010, 9, 7)).display() == day
        assert str(PartialDate(dt.date(2010, 9, 7), DatePrecision.MONTH)) == month
        assert PartialDate(dt.date(2010, 9, 7), DatePrecision.YEAR).display() == "2010"


def test_the_date_filters_write_days_and_moments_in_the_reader_s_language() -> None:
    template = Template(
        "{% load local_dates %}{{ day|long_date }} | {{ moment|long_datetime }}"
        " | {{ moment|short_datetime }}"
    )
    context = Context(
        {"day": dt.date(2011, 1, 30), "moment": dt.datetime(2010, 9, 7, 14, 5, tzinfo=dt.UTC)}
    )
    with translation.override("en"):
        # 14:05 UTC is 10:05 in the site's time zone (America/New_York by default).
        assert template.render(context) == (
            "30 January 2011 | 7 September 2010, 10:05 | 7 Sep 2010, 10:05"
        )
    with translation.override("es"):
        assert template.render(context).startswith(
            "30 de enero de 2011 | 7 de septiembre de 2010, 10:05 | 7 "
        )
