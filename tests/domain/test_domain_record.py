"""The 2010 record holds every row of the domain's two tables, cited as the tables cite it.

``fixtures/domain_2010.md`` is a verbatim copy of the domain description the record
is built from. Its "Timeline of documents and statements" and "The jurisdictions"
tables are walked row by row against the loaded fixtures: a row added to the tables
without its record in the fixtures (or a record citing other seeds, dated more or
less precisely, or stating what the row marks *inferred*) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jurisdictions.models import Jurisdiction
from tracker.models import Basis, Event, OptOutRequest, PublishableModel, Statement

pytestmark = pytest.mark.django_db

DOMAIN = Path(__file__).resolve().parents[2] / "fixtures" / "domain_2010.md"

MONTHS = {
    month: number
    for number, month in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}

#: The tables' words for a position, as the record stores it ("Unclear or asks").
POSITIONS = {"asks": Statement.Position.UNCLEAR}

#: Timeline rows about events rather than statements: press coverage with no position
#: of its own ("—"), recorded as an event of kind "press" by its publication.
EVENT_ROWS: frozenset[tuple[str, str]] = frozenset(
    {
        # The Washington Independent's finding of a DOJ-DHS contradiction.
        ("6 Oct", "The Washington Independent"),
    }
)


def table(title: str) -> list[dict[str, str]]:
    """The rows of the Markdown table under the heading ``## {title}``."""
    text = DOMAIN.read_text(encoding="utf-8")
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, [cell.strip() for cell in line.strip("|").split("|")], strict=True))
        for line in lines[2:]
    ]


def seeds_of(cell: str) -> set[str]:
    return set(re.findall(r"\b\d{3}\b", cell))


def cited(record: PublishableModel) -> set[str]:
    return {source.seed for source in record.sources.all()}


def date_of(cell: str) -> str | None:
    """The row's date as ``PartialDate.isoformat`` writes it: "27 Jul" is 2010-07-27,
    "Aug (late)" is 2010-08 (a month: "late" is not a day), "between 27 Sep and 2 Oct"
    is 2010-09-27/2010-10-02 (a range of days)."""
    between = re.match(r"between (\d{1,2}) ([A-Z][a-z]{2}) and (\d{1,2}) ([A-Z][a-z]{2})", cell)
    if between:
        first = f"2010-{MONTHS[between[2]]:02d}-{int(between[1]):02d}"
        return f"{first}/2010-{MONTHS[between[4]]:02d}-{int(between[3]):02d}"
    day = re.fullmatch(r"(\d{1,2}) ([A-Z][a-z]{2})", cell)
    if day:
        return f"2010-{MONTHS[day[2]]:02d}-{int(day[1]):02d}"
    month = re.fullmatch(r"([A-Z][a-z]{2})\b.*", cell)
    if month and month[1] in MONTHS:
        return f"2010-{MONTHS[month[1]]:02d}"
    return None


def speaks_for(statement: Statement, who: str) -> bool:
    """The row's "who" names the statement's speaker (by surname) or its agency."""
    surname = statement.speaker.split()[-1]
    agency = statement.agency.abbreviation or statement.agency.name
    return bool(re.search(rf"\b{re.escape(surname)}\b", who)) or bool(
        re.search(rf"\b{re.escape(agency)}\b", who)
    )


def unquote(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


def test_the_tables_are_read() -> None:
    assert len(table("Timeline of documents and statements (2010)")) == 8
    assert len(table("The jurisdictions")) == 4


@pytest.mark.parametrize(
    "row",
    table("Timeline of documents and statements (2010)"),
    ids=lambda row: f"{row['date']}, {row['who']}"[:60],
)
def test_every_timeline_row_has_its_statement(record_2010: None, row: dict[str, str]) -> None:
    key = (row["date"], row["who"])
    expected_date = date_of(row["date"])
    assert expected_date is not None, f"unread date {row['date']!r}"
    if key in EVENT_ROWS:
        coverage = [
            event
            for event in Event.objects.filter(kind=Event.Kind.PRESS, publication=row["who"])
            if event.happened is not None
            and event.happened.isoformat() == expected_date
            and cited(event) == seeds_of(row["seed"])
            and event.is_public
        ]
        assert coverage, f"no press coverage recorded for {row}"
        return
    matches = [
        statement
        for statement in Statement.objects.select_related("agency").prefetch_related("sources")
        if speaks_for(statement, row["who"])
        and statement.position
        == POSITIONS.get(row["position on opt-out"], row["position on opt-out"])
        and cited(statement) == seeds_of(row["seed"])
        and statement.stated is not None
        and statement.stated.isoformat() == expected_date
    ]
    assert matches, f"no statement for {row}"
    assert all(statement.is_public for statement in matches)


@pytest.mark.parametrize("row", table("The jurisdictions"), ids=lambda row: row["jurisdiction"])
def test_every_jurisdiction_row_has_its_request(record_2010: None, row: dict[str, str]) -> None:
    name = re.sub(r"\s*\(.*\)", "", row["jurisdiction"])
    candidates = list(Jurisdiction.objects.filter(state=row["state"]))
    jurisdiction = next(
        (j for j in candidates if j.name == name) if len(candidates) > 1 else iter(candidates)
    )
    request = OptOutRequest.objects.prefetch_related("sources").get(jurisdiction=jurisdiction)
    assert cited(request) == seeds_of(row["seeds"])

    # What the row marks *inferred* is marked inferred on the request or its records,
    # each with its reasoning; nothing else of it is.
    records: list[PublishableModel] = [
        request,
        *request.letters.all(),
        *request.responses.all(),
        *request.meetings.all(),
    ]
    inferred = [record for record in records if record.basis == Basis.INFERRED]
    assert len(inferred) == row["what the seeds say"].count("*inferred*")
    assert all(record.inference.strip() for record in inferred)

    # A vote the seeds report is an event of the jurisdiction; which body voted is
    # inferred (004 says "counties in Virginia" and "Washington DC" voted).
    votes = list(Event.objects.filter(kind=Event.Kind.VOTE, jurisdictions=jurisdiction))
    assert len(votes) == (1 if "voted" in row["what the seeds say"] else 0)
    assert all(vote.basis == Basis.INFERRED and vote.inference.strip() for vote in votes)
    assert all(vote.happened is None for vote in votes)  # no seed dates a vote

    # Every quotation in the row is in the record: the request's or its letters'
    # words, or a statement citing the row's seeds.
    texts = [request.summary, *(letter.summary for letter in request.letters.all())]
    texts += [
        statement.quote
        for statement in Statement.objects.prefetch_related("sources")
        if cited(statement) <= seeds_of(row["seeds"])
    ]
    record_text = unquote(" ".join(texts))
    for quotation in re.findall(r'"([^"]+)"', unquote(row["what the seeds say"])):
        for fragment in quotation.split("\u2026"):
            assert fragment.strip() in record_text, f"{fragment!r} is not in the record"


@pytest.mark.parametrize(
    ("line", "seeds"),
    [
        ("An ICE official confirmed that fingerprints submitted to the FBI", {"001"}),
        ("The ICE website listed steps for communities to opt out.", {"001"}),
    ],
)
def test_the_programs_statements_are_in_the_record(
    record_2010: None, line: str, seeds: set[str]
) -> None:
    assert line in DOMAIN.read_text(encoding="utf-8")
    words = {
        "An ICE official": "without additional consent",
        "The ICE website": "steps for communities to opt out",
    }[line.split(" confirmed")[0].split(" listed")[0]]
    statements = [
        s
        for s in Statement.objects.prefetch_related("sources")
        if words in s.quote and cited(s) == seeds
    ]
    assert statements and statements[0].agency.reference == "ice"
    # The seed gives no date: neither does the record.
    assert statements[0].stated is None


def test_the_fourth_step_is_in_the_record(record_2010: None) -> None:
    assert "telling its local\n   ICE field office" in DOMAIN.read_text(encoding="utf-8")
    letter = Statement.objects.get(reference="2010-09-07-napolitano")
    assert "notify its local ICE field office of suspected criminal aliens" in letter.quote
    assert "000" in cited(letter)
