"""A national coalition's data, for measuring the tracker at national scale.

Usage (from the project folder)::

    .venv/bin/python benchmarks/national_dataset.py \\
        --database-url postgres://postgres@127.0.0.1:5432/opt_out_tracker_national
    .venv/bin/python benchmarks/national_dataset.py \\
        --database-url sqlite:////tmp/national.sqlite3 --scale 0.1

It migrates the database it is given (which must hold no opt-out requests yet),
loads the 2010 record, imports every U.S. county and county-equivalent, and
then adds, at ``--scale 1`` (the default):

- a sheriff's office and a county board for every county, and a State
  Identification Bureau for every state that has none (about 6,500 agencies);
- 20 staff members who own the cases;
- 20,000 opt-out requests, each with a status log (about 61,000 moves) that
  ends in the request's status, closed ones with their close date;
- 200,000 letters with 324,000 recipients: notices to ICE's program office and
  the state's SIB, and letters received from them; each outgoing letter has the
  due dates the services would give it (the same deadline arithmetic);
- 60,000 replies, each answering an outgoing letter, and 7,000 meetings;
- 5,000 events around the cases (votes, press coverage, court steps), each
  concerning one or two jurisdictions and one request, half of them citing a seed;
- each request's workflow facts and flag dates, stored as the services store them.

About a third of the letters end up overdue (sent, unanswered, past their due
date). Everything is written with bulk inserts that respect the database's
constraints and triggers; the history tables stay empty (a restored database
has no history of data it was never edited through). The same ``--seed`` gives
the same data. On PostgreSQL it finishes with ``VACUUM ANALYZE``, as a database that
has been running for a while would have fresh planner statistics.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Records at scale 1, from a national coalition's tracker.
REQUESTS = 20_000
LETTERS = 200_000
REPLIES = 60_000
MEETINGS = 7_000
EVENTS = 5_000
STAFF = 20
BATCH = 5_000
#: Letters are dated between the program's start and today.
FIRST_DAY = dt.date(2008, 10, 27)


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
    os.environ.setdefault("DEBUG", "false")
    os.environ["ENV_FILE"] = ""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Case:
    """One opt-out request as it is built, before it is written."""

    index: int
    jurisdiction_id: int
    state: str
    board_id: int
    sib_id: int
    status: str = "draft"
    pk: int = 0


#: Statements at scale 1 (federal and state officials on opting out).
STATEMENTS = 2_000
FIRST_NAMES = ["Ana", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hector", "Ines", "John"]
LAST_NAMES = ["Adams", "Baker", "Cruz", "Diaz", "Evans", "Flores", "Garcia", "Hughes", "Ito"]
QUOTES = [
    "Jurisdictions may opt out by writing to the program office.",
    "Participation is mandatory once the state signs the agreement.",
    "A county that does not wish to take part should notify the SIB.",
    "We are reviewing the requests to be removed from the deployment plan.",
]
#: The sentences a scanned letter's text is made of (one page: about 300 words).
SCAN_SENTENCES = [
    "The board of supervisors met in open session and voted on the resolution.",
    "We ask that the county be removed from the deployment schedule.",
    "Fingerprints submitted at booking are shared with the state bureau.",
    "Please confirm in writing that the request has been received.",
    "The sheriff has expressed concerns about community trust.",
    "A copy of this letter has been sent to the state identification bureau.",
]


def _scan_text(rng: random.Random, number: int) -> str:
    """The text read from a one-page scan: a letter's usual sentences, a number."""
    sentences = [rng.choice(SCAN_SENTENCES) for _ in range(24)]
    return " ".join(sentences) + f" Reference {number + 1}."


def _random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _precision(rng: random.Random) -> str:
    roll = rng.random()
    return "day" if roll < 0.9 else "month" if roll < 0.98 else "year"


def build(*, scale: float, seed: int, today: dt.date) -> dict[str, int]:
    """Write the dataset into the configured database; returns what was written."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.dates import DatePrecision, PartialDate, truncate
    from jurisdictions.data.counties import DATASET
    from jurisdictions.domain.importer import import_csv
    from jurisdictions.models import Agency, Contact, Jurisdiction
    from tracker.domain import selectors, services
    from tracker.domain.deadlines import compute_deadline
    from tracker.domain.workflow import CLOSED_STATES, State
    from tracker.models import (
        AgencyResponse,
        Event,
        Letter,
        Meeting,
        OptOutRequest,
        Source,
        Statement,
        Transition,
    )

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    if OptOutRequest.objects.exclude(reference__in=_record_references()).exists():
        raise SystemExit("This database already holds opt-out requests: give a fresh one.")
    call_command("load_record", verbosity=0)
    import_csv(DATASET.read_bytes(), reason="national benchmark dataset")

    counts: dict[str, int] = {}
    with transaction.atomic():
        program_office = Agency.objects.get(kind=Agency.Kind.PROGRAM_OFFICE)
        sibs = {a.state: a.pk for a in Agency.objects.filter(kind=Agency.Kind.SIB)}
        states = sorted(set(Jurisdiction.objects.values_list("state", flat=True)))
        Agency.objects.bulk_create(
            [
                Agency(
                    name=f"State Identification Bureau ({state})",
                    level=Agency.Level.STATE,
                    kind=Agency.Kind.SIB,
                    state=state,
                    reference=f"national-sib-{state.lower()}",
                )
                for state in states
                if state not in sibs
            ]
        )
        sibs = {a.state: a.pk for a in Agency.objects.filter(kind=Agency.Kind.SIB)}
        served = Agency.objects.filter(jurisdiction__isnull=False).values("jurisdiction_id")
        counties = list(
            Jurisdiction.objects.exclude(pk__in=served)
            .order_by("pk")
            .values_list("pk", "name", "state")
        )
        local: list[Agency] = []
        for pk, name, state in counties:
            for kind, title in (
                (Agency.Kind.SHERIFF, "Sheriff"),
                (Agency.Kind.LEGISLATURE, "Board"),
            ):
                local.append(
                    Agency(
                        name=f"{name} {title}",
                        level=Agency.Level.LOCAL,
                        kind=kind,
                        jurisdiction_id=pk,
                        state=state,
                        reference=f"national-{kind}-{pk}",
                    )
                )
        for chunk in _chunks(local):
            Agency.objects.bulk_create(chunk)
        boards = dict(
            Agency.objects.filter(
                kind=Agency.Kind.LEGISLATURE, jurisdiction__isnull=False
            ).values_list("jurisdiction_id", "pk")
        )
        counts["agencies"] = Agency.objects.count()

        users = get_user_model()
        staff = [
            users.objects.create_user(username=f"staff{number:02d}", password=None, is_staff=True)
            for number in range(1, STAFF + 1)
        ]

        jurisdictions = [(pk, state) for pk, _name, state in counties if pk in boards]
        cases: list[Case] = []
        for index in range(round(REQUESTS * scale)):
            pk, state = rng.choice(jurisdictions)
            cases.append(
                Case(index, pk, state, boards[pk], sibs.get(state, sibs[next(iter(sibs))]))
            )

        # The status log: each request follows the documented process as far as it got.
        paths: list[list[str]] = [
            ["draft"],
            ["draft", "notice_sent"],
            ["draft", "notice_sent", "acknowledged"],
            ["draft", "notice_sent", "acknowledged", "meeting_requested"],
            ["draft", "notice_sent", "denied"],
            ["draft", "notice_sent", "acknowledged", "meeting_requested", "meeting_held"],
            ["draft", "notice_sent", "escalated"],
            ["draft", "withdrawn"],
            ["draft", "notice_sent", "meeting_requested", "meeting_held", "removed"],
        ]
        weights = [1, 26, 28, 18, 10, 7, 6, 2, 2]
        case_paths = rng.choices(paths, weights=weights, k=len(cases))
        requests: list[OptOutRequest] = []
        for case, path in zip(cases, case_paths, strict=True):
            case.status = path[-1]
            opened = _random_day(rng, FIRST_DAY, today - dt.timedelta(days=120))
            closed = State(case.status) in CLOSED_STATES
            requests.append(
                OptOutRequest(
                    jurisdiction_id=case.jurisdiction_id,
                    title=f"Opt-out request {case.index + 1}",
                    status=case.status,
                    requesting_agency_id=case.board_id,
                    owner=rng.choice(staff) if rng.random() < 0.8 else None,
                    summary="Asks to be removed from the deployment plan.",
                    opened_on=opened,
                    opened_on_precision="day",
                    closed_on=_random_day(rng, opened, today) if closed else None,
                    is_public=rng.random() < 0.3,
                    reference=f"national-request-{case.index + 1}",
                )
            )
        for chunk in _chunks(requests):
            OptOutRequest.objects.bulk_create(chunk)
        ids = dict(
            OptOutRequest.objects.filter(reference__startswith="national-request-").values_list(
                "reference", "pk"
            )
        )
        for case in cases:
            case.pk = ids[f"national-request-{case.index + 1}"]
        counts["requests"] = len(cases)

        moves = [
            Transition(
                request_id=case.pk,
                from_state=path[step - 1] if step else "",
                to_state=path[step],
                note="Request opened." if step == 0 else "",
            )
            for case, path in zip(cases, case_paths, strict=True)
            for step in range(len(path))
        ]
        for chunk in _chunks(moves):
            Transition.objects.bulk_create(chunk)
        counts["moves"] = len(moves)

        default_window = _default_window()

        @cache
        def deadline(sent: PartialDate) -> tuple[dt.date, dt.date]:
            found = compute_deadline(sent, default_window[0], default_window[1], frozenset())
            return found.due_on, found.very_overdue_on

        # Letters: about 62% notices sent to the program office and the SIB, the
        # rest received from one of them; replies answer some of the notices.
        letter_count = round(LETTERS * scale)
        letters: list[Letter] = []
        letter_case: list[Case] = []
        for number in range(letter_count):
            case = cases[number % len(cases)]
            outgoing = rng.random() < 0.62
            precision = _precision(rng)
            sent_day = truncate(_random_day(rng, FIRST_DAY, today), precision)
            sent = PartialDate(sent_day, DatePrecision(precision))
            due_on, very_overdue_on = deadline(sent) if outgoing else (None, None)
            letters.append(
                Letter(
                    request_id=case.pk,
                    direction="outgoing" if outgoing else "incoming",
                    sender_id=case.board_id if outgoing else program_office.pk,
                    method=rng.choice(["mail", "fax", "email"]),
                    sent_on=sent_day,
                    sent_on_precision=precision,
                    subject=f"Letter {number + 1} on opt-out request {case.index + 1}",
                    summary="Notice of the jurisdiction's wish to opt out."
                    if outgoing
                    else "Reply on the jurisdiction's request.",
                    due_on=due_on,
                    very_overdue_on=very_overdue_on,
                    is_public=rng.random() < 0.3,
                    reference=f"national-letter-{number + 1}",
                    # A tenth of the letters have a scan whose text was read (a page).
                    attachment_text=_scan_text(rng, number) if number % 10 == 0 else "",
                )
            )
            letter_case.append(case)
        for chunk in _chunks(letters):
            Letter.objects.bulk_create(chunk)
        letter_ids = dict(
            Letter.objects.filter(reference__startswith="national-letter-").values_list(
                "reference", "pk"
            )
        )
        through = Letter.recipients.through
        links: list[Any] = []
        for number, letter in enumerate(letters):
            pk = letter_ids[f"national-letter-{number + 1}"]
            letter.pk = pk
            case = letter_case[number]
            if letter.direction == "outgoing":
                links.append(through(letter_id=pk, agency_id=program_office.pk))
                links.append(through(letter_id=pk, agency_id=case.sib_id))
            else:
                links.append(through(letter_id=pk, agency_id=case.board_id))
        for chunk in _chunks(links):
            through.objects.bulk_create(chunk)
        counts["letters"] = len(letters)
        counts["recipients"] = len(links)

        # Replies answer outgoing letters; the unanswered ones past their due date
        # are the overdue third.
        outgoing_letters = [x for x in letters if x.direction == "outgoing"]
        answered = rng.sample(outgoing_letters, min(round(REPLIES * scale), len(outgoing_letters)))
        replies = []
        for number, letter in enumerate(answered):
            letter_sent = letter.sent
            assert letter_sent is not None
            sent_latest = letter_sent.latest
            responded = min(today, sent_latest + dt.timedelta(days=rng.randrange(1, 60)))
            replies.append(
                AgencyResponse(
                    request_id=letter.request_id,
                    letter_id=letter.pk,
                    agency_id=program_office.pk,
                    responded_on=max(responded, sent_latest),
                    responded_on_precision="day",
                    kind=rng.choice(["acknowledged", "meeting_requested", "denied"]),
                    summary="The program office answered.",
                    is_public=rng.random() < 0.3,
                    reference=f"national-reply-{number + 1}",
                )
            )
        for chunk in _chunks(replies):
            AgencyResponse.objects.bulk_create(chunk)
        counts["replies"] = len(replies)
        _fresh_statistics()
        # Bulk inserts bypass the services: store which letters still await a reply.
        services.letters_recompute_awaiting()

        meetings = []
        for number in range(round(MEETINGS * scale)):
            case = rng.choice(cases)
            status = rng.choice(["planned", "held", "held", "cancelled"])
            meetings.append(
                Meeting(
                    request_id=case.pk,
                    status=status,
                    held_on=_random_day(rng, FIRST_DAY, today) if status == "held" else None,
                    held_on_precision="day",
                    place="ICE field office",
                    reference=f"national-meeting-{number + 1}",
                )
            )
        for chunk in _chunks(meetings):
            Meeting.objects.bulk_create(chunk)
        counts["meetings"] = len(meetings)

        # A contact at every sheriff's office, and statements by the federal agencies.
        contacts = [
            Contact(
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                title="Sheriff",
                agency_id=pk,
                reference=f"national-contact-{pk}",
            )
            for pk in Agency.objects.filter(
                kind=Agency.Kind.SHERIFF, reference__startswith="national-"
            ).values_list("pk", flat=True)
        ]
        for chunk in _chunks(contacts):
            Contact.objects.bulk_create(chunk)
        counts["contacts"] = len(contacts)
        speakers = [program_office.pk, *(a for a in sibs.values())]
        statements = [
            Statement(
                speaker=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                agency_id=rng.choice(speakers),
                stated_on=_random_day(rng, FIRST_DAY, today),
                stated_on_precision="day",
                medium=rng.choice(["letter", "interview", "news_report"]),
                quote=rng.choice(QUOTES),
                position=rng.choice(["possible", "impossible", "conditional", "unclear"]),
                is_public=rng.random() < 0.5,
                attachment_text=_scan_text(rng, number) if number % 4 == 0 else "",
                reference=f"national-statement-{number + 1}",
            )
            for number in range(round(STATEMENTS * scale))
        ]
        for chunk in _chunks(statements):
            Statement.objects.bulk_create(chunk)
        counts["statements"] = len(statements)
        # Events around the cases: each names a jurisdiction of a request and bears on it.
        bearing_on = list(OptOutRequest.objects.values_list("pk", "jurisdiction_id"))
        seeds = list(Source.objects.filter(seed__gt="").values_list("pk", flat=True))
        events = []
        for number in range(round(EVENTS * scale)):
            day = _random_day(rng, FIRST_DAY, today)
            precision = _precision(rng)
            events.append(
                Event(
                    kind=rng.choice(["vote", "press", "court_step", "hearing", "other"]),
                    title=f"{rng.choice(LAST_NAMES)} County: {rng.choice(QUOTES)[:80]}",
                    summary=_scan_text(rng, number) if number % 4 == 0 else "",
                    happened_on=truncate(day, precision),
                    happened_on_precision=precision,
                    is_public=rng.random() < 0.5,
                    reference=f"national-event-{number + 1}",
                )
            )
        for chunk in _chunks(events):
            Event.objects.bulk_create(chunk)
        links_j, links_r, links_s = [], [], []
        for event in Event.objects.filter(reference__startswith="national-event-").only("pk"):
            request_id, jurisdiction_id = rng.choice(bearing_on)
            links_r.append(Event.requests.through(event_id=event.pk, optoutrequest_id=request_id))
            links_j.append(
                Event.jurisdictions.through(event_id=event.pk, jurisdiction_id=jurisdiction_id)
            )
            if seeds and rng.random() < 0.5:
                links_s.append(
                    Event.sources.through(event_id=event.pk, source_id=rng.choice(seeds))
                )
        for links in (links_r, links_j, links_s):
            for chunk in _chunks(links):
                type(chunk[0]).objects.bulk_create(chunk)
        counts["events"] = len(events)
        _fresh_statistics()
        # ... and each request's workflow facts and flag dates, from all of the above.
        services.requests_recompute_facts()

    overdue = selectors.letters_with_flag(Letter.objects.all(), "overdue", today=today)
    counts["overdue letters"] = overdue.count()
    if connection.vendor == "postgresql":
        # Fresh planner statistics, and (outside a transaction, where VACUUM may run) a
        # visibility map: without it an index cannot answer a count by itself, and a
        # server with autovacuum off would never build one.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return counts


def _fresh_statistics() -> None:
    """On PostgreSQL, planner statistics for the rows this transaction has just written.

    The tables were analysed while nearly empty (the migrations analyse them; the 2010
    record holds two letters), and autovacuum never sees a transaction's own rows:
    without this, PostgreSQL planned the recomputes over 200,000 letters for a few
    dozen (nested loops that look the letters up again for each letter), and the first
    of them had not finished after six minutes. ``ANALYZE`` inside the transaction
    samples the transaction's own new rows; with it, they are hash joins.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _record_references() -> list[str]:
    """The 2010 record's requests, which a database that ran ``make run`` already holds."""
    import json

    fixture = json.loads((ROOT / "fixtures" / "secure_communities_2010.json").read_text())
    return [
        item["fields"]["reference"] for item in fixture if item["model"] == "tracker.optoutrequest"
    ]


def _default_window() -> tuple[int, str]:
    from django.conf import settings

    return settings.TRACKER_DEFAULT_REPLY_WINDOW_DAYS, settings.TRACKER_DEFAULT_REPLY_WINDOW_KIND


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the database to fill")
    parser.add_argument("--scale", type=float, default=1.0, help="1 is 20,000 requests")
    parser.add_argument("--seed", type=int, default=2010, help="the same seed, the same data")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD; default today"
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 5:
        parser.error("--scale runs from just above 0 to 5")
    _setup(args.database_url)
    from django.utils import timezone

    started = time.perf_counter()
    counts = build(scale=args.scale, seed=args.seed, today=args.today or timezone.localdate())
    elapsed = time.perf_counter() - started
    for name, count in counts.items():
        print(f"{name:>16}: {count:>9,}")
    print(f"{'took':>16}: {elapsed:>8.1f} s")


if __name__ == "__main__":
    main()
