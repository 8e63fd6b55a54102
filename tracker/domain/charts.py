"""Reads for the charts: reply times per agency, cases by status over time, letters
awaiting a reply by age.

Each function counts in the database (grouped and conditional aggregates) and
returns a few rows, whatever the number of letters or requests: a national record
of 200,000 letters costs the same number of queries as the 2010 record. Each
takes an :class:`~tracker.domain.selectors.Audience`: the public's charts count
only what is published (the rule of :func:`tracker.domain.selectors.published`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from core.dates import DatePrecision
from jurisdictions.models import Agency
from tracker.domain import selectors
from tracker.domain.selectors import Audience
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, OptOutRequest, Transition

# --- Reply times per agency ------------------------------------------------------------

#: Reply-time bands, in days: (key, label, fewest, most); None is open-ended.
REPLY_BANDS: tuple[tuple[str, StrOrPromise, int, int | None], ...] = (
    ("within_30", _("30 days or fewer"), 0, 30),
    ("within_90", _("31 to 90 days"), 31, 90),
    ("within_180", _("91 to 180 days"), 91, 180),
    ("within_365", _("181 to 365 days"), 181, 365),
    ("over_365", _("over a year"), 366, None),
)
#: The other parts of an agency's letters: answered on a date not known to the day,
#: still within the reply window, past the due date with no answer.
REPLY_OTHERS: tuple[tuple[str, StrOrPromise], ...] = (
    ("imprecise", _("answered, date not known to the day")),
    ("waiting", _("not answered, not yet due")),
    ("never_answered", _("never answered (past due)")),
)


@dataclass(frozen=True)
class AgencyReplies:
    """How one agency answered the letters sent to it: counts per band and the rest."""

    agency: Agency
    letters: int
    bands: dict[str, int]
    median_days: float | None

    @property
    def never_answered(self) -> int:
        return self.bands["never_answered"]

    @property
    def share_never_answered(self) -> float | None:
        """Of the letters whose reply is due or came, the share never answered."""
        decided = self.letters - self.bands["waiting"]
        return self.never_answered / decided if decided else None


# Every (letter, recipient) pair of a dated outgoing letter, with the agency's first
# reply to it (a response, or an incoming letter in reply): the rules of
# milestones.agency_reply_times, counted in bands here. The pairs are counted per
# agency (and past their due date or not), the answered ones (an inner join with the
# first replies) measured apart, and those not answered are the difference: grouped
# counts instead of sorting every pair for an outer join with its replies (a quarter
# less time on the national dataset's 250,000 pairs, for the staff and the public).
_REPLIES_SQL = """
WITH pairs AS (
    SELECT letter.id AS letter_id, recipient.agency_id, letter.sent_on,
           letter.sent_on_precision, letter.due_on
    FROM {letter} letter
    JOIN {recipients} recipient ON recipient.letter_id = letter.id
    {published_request}
    WHERE letter.direction = %(outgoing)s AND letter.sent_on IS NOT NULL {published_letter}
), totals AS (
    SELECT agency_id, COUNT(*) AS letters,
           SUM(CASE WHEN due_on < %(today)s THEN 1 ELSE 0 END) AS past_due
    FROM pairs GROUP BY agency_id
), replies AS (
    SELECT letter_id, agency_id, responded_on AS replied_on,
           responded_on_precision AS precision
    FROM {response} response WHERE letter_id IS NOT NULL {published_response}
    UNION ALL
    SELECT in_reply_to_id, sender_id, COALESCE(sent_on, received_on),
           CASE WHEN sent_on IS NOT NULL THEN sent_on_precision
                ELSE received_on_precision END
    FROM {letter} incoming
    WHERE direction = %(incoming)s AND in_reply_to_id IS NOT NULL {published_incoming}
), first_replies AS (
    SELECT letter_id, agency_id, MIN(replied_on) AS first_on,
           MIN(CASE WHEN precision = %(day)s THEN replied_on END) AS first_day_on
    FROM replies GROUP BY letter_id, agency_id
), measured AS (
    SELECT pair.agency_id, pair.due_on,
           CASE WHEN pair.sent_on_precision = %(day)s AND reply.first_day_on = reply.first_on
                THEN {days} END AS days
    FROM pairs pair JOIN first_replies reply
      ON reply.letter_id = pair.letter_id AND reply.agency_id = pair.agency_id
), answers AS (
    SELECT agency_id, COUNT(*) AS answered,
           SUM(CASE WHEN due_on < %(today)s THEN 1 ELSE 0 END) AS answered_past_due,
           {bands},
           SUM(CASE WHEN days IS NULL THEN 1 ELSE 0 END) AS imprecise,
           {median} AS median
    FROM measured GROUP BY agency_id
)
SELECT totals.agency_id, totals.letters,
       {band_columns},
       COALESCE(answers.imprecise, 0),
       (totals.letters - totals.past_due)
           - (COALESCE(answers.answered, 0) - COALESCE(answers.answered_past_due, 0)),
       totals.past_due - COALESCE(answers.answered_past_due, 0),
       answers.median
FROM totals LEFT JOIN answers ON answers.agency_id = totals.agency_id
"""

_MEDIAN = {
    "postgresql": "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days)",
    "sqlite": "GROUP_CONCAT(days)",
}
_DAYS = {
    "postgresql": "GREATEST(0, reply.first_on - pair.sent_on)",
    "sqlite": "MAX(0, CAST(julianday(reply.first_on) - julianday(pair.sent_on) AS INTEGER))",
}


def _band_sql(index: int, fewest: int, most: int | None) -> str:
    upper = "" if most is None else f" AND days <= {int(most)}"
    return f"SUM(CASE WHEN days >= {int(fewest)}{upper} THEN 1 ELSE 0 END) AS band_{index}"


def _median(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if connection.vendor == "postgresql":
        return float(value)
    return float(statistics.median(int(text) for text in str(value).split(",")))


def agency_replies(*, audience: Audience, today: dt.date | None = None) -> list[AgencyReplies]:
    """Every agency sent a dated letter, most letters first, in two queries (the
    counts, the agencies)."""
    today = today or timezone.localdate()
    vendor = connection.vendor if connection.vendor in _MEDIAN else "sqlite"
    public = audience is Audience.PUBLIC
    quote = connection.ops.quote_name
    sql = _REPLIES_SQL.format(
        letter=quote(Letter._meta.db_table),
        recipients=quote(Letter.recipients.through._meta.db_table),
        response=quote(AgencyResponse._meta.db_table),
        # The staff count every letter: no need to read the requests at all.
        published_request=(
            f"JOIN {quote(OptOutRequest._meta.db_table)} request "
            "ON request.id = letter.request_id AND request.is_public = %(yes)s"
            if public
            else ""
        ),
        published_letter="AND letter.is_public = %(yes)s" if public else "",
        # A reply belongs to the letter's own request (a database rule), so the
        # request's mark was already checked with the letter's.
        published_response="AND response.is_public = %(yes)s" if public else "",
        published_incoming="AND incoming.is_public = %(yes)s" if public else "",
        days=_DAYS[vendor],
        bands=", ".join(
            _band_sql(index, fewest, most)
            for index, (_key, _label, fewest, most) in enumerate(REPLY_BANDS)
        ),
        band_columns=", ".join(
            f"COALESCE(answers.band_{index}, 0)" for index in range(len(REPLY_BANDS))
        ),
        median=_MEDIAN[vendor],
    )
    params: dict[str, Any] = {
        "outgoing": Letter.Direction.OUTGOING.value,
        "incoming": Letter.Direction.INCOMING.value,
        "day": DatePrecision.DAY.value,
        "today": today,
        "yes": True,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    agencies = Agency.objects.order_by().in_bulk([row[0] for row in rows])
    keys = [key for key, *_rest in REPLY_BANDS] + [key for key, _label in REPLY_OTHERS]
    found = [
        AgencyReplies(
            agency=agencies[row[0]],
            letters=row[1],
            bands=dict(zip(keys, (int(n or 0) for n in row[2:-1]), strict=True)),
            median_days=_median(row[-1]),
        )
        for row in rows
    ]
    return sorted(found, key=lambda a: (-a.letters, a.agency.name, a.agency.pk))


# --- Cases by status over time ---------------------------------------------------------


@dataclass(frozen=True)
class StatusMonth:
    """How many requests were in each state at the end of a month."""

    month: dt.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _transitions(audience: Audience) -> QuerySet[Transition]:
    moves = Transition.objects.order_by()
    return selectors.published(moves) if audience is Audience.PUBLIC else moves


def _month_after(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def cases_by_status(*, audience: Audience, today: dt.date | None = None) -> list[StatusMonth]:
    """Requests in each state at the end of every month from the first status move to
    this month, from the status log (each move is dated by when it happened):
    moves into and out of each state are counted per month in the database, and added
    up month by month here. Three queries.

    A request with no status log at all (one loaded from a record whose statuses were
    set directly, like the 2010 fixtures) counts in its present state from the month
    it was opened: the only dated fact there is about it.
    """
    today = today or timezone.localdate()
    moves = _transitions(audience)
    requests = OptOutRequest.objects.order_by()
    if audience is Audience.PUBLIC:
        requests = selectors.published(requests)
    unlogged = (
        requests.filter(~Exists(Transition.objects.filter(request=OuterRef("pk"))))
        .exclude(opened_on=None)
        .annotate(month=TruncMonth("opened_on"))
        .values("month", "status")
        .annotate(n=Count("pk"))
    )
    change: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Each move counts in the month it happened (its effective date), not when entered.
    month = TruncMonth("happened_on")
    entered = moves.annotate(month=month).values("month", "to_state").annotate(n=Count("pk"))
    for into in entered:
        change[_day(into["month"])][into["to_state"]] += into["n"]
    left = moves.exclude(from_state="").annotate(month=month)
    for out in left.values("month", "from_state").annotate(n=Count("pk")):
        change[_day(out["month"])][out["from_state"]] -= out["n"]
    for opened in unlogged:
        change[_day(opened["month"])][opened["status"]] += opened["n"]
    if not change:
        return []
    current = min(change)
    last = max(max(change), dt.date(today.year, today.month, 1))
    running = dict.fromkeys(State.values, 0)
    months = []
    while current <= last:
        for state, n in change.get(current, {}).items():
            running[state] = running.get(state, 0) + n
        months.append(StatusMonth(current, dict(running)))
        current = _month_after(current)
    return months


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# --- Letters awaiting a reply by age ---------------------------------------------------

#: Age bands of a letter awaiting a reply, in days since the latest day it may have
#: been sent (as the staff pages count days waiting): (key, label, at least).
AGE_BANDS: tuple[tuple[str, StrOrPromise, int], ...] = (
    ("under_30", _("under 30 days"), 0),
    ("30_to_89", _("30 to 89 days"), 30),
    ("90_to_179", _("90 to 179 days"), 90),
    ("180_to_364", _("180 to 364 days"), 180),
    ("1_to_2_years", _("1 to 2 years"), 365),
    ("over_2_years", _("over 2 years"), 730),
)


@dataclass(frozen=True)
class AgeBand:
    key: str
    label: StrOrPromise
    overdue: int
    not_yet_due: int

    @property
    def total(self) -> int:
        return self.overdue + self.not_yet_due


def _sent_by(day: dt.date) -> Q:
    """Letters whose latest possible sending day is ``day`` or earlier (a letter sent
    "September 2010" may have been sent on the 30th, one sent "between 27 September
    and 2 October 2010" on the 2nd), on the stored latest day."""
    return Q(sent_on_until__lte=day)


def awaiting_by_age(*, audience: Audience, today: dt.date | None = None) -> list[AgeBand]:
    """Letters awaiting a reply (the stored flag), by how long they have waited and
    whether they are overdue, in one query of conditional counts."""
    today = today or timezone.localdate()
    letters = Letter.objects.filter(awaiting_reply=True, sent_on__isnull=False)
    if audience is Audience.PUBLIC:
        letters = selectors.published(letters)
    overdue = Q(due_on__lt=today)
    aggregates: dict[str, Any] = {}
    bounds = [fewest for _key, _label, fewest in AGE_BANDS] + [None]
    for (key, _label, fewest), most in zip(AGE_BANDS, bounds[1:], strict=True):
        band = _sent_by(today - dt.timedelta(days=fewest))
        if most is not None:
            band &= ~_sent_by(today - dt.timedelta(days=most))
        aggregates[f"{key}__overdue"] = Count("pk", filter=band & overdue)
        aggregates[f"{key}__waiting"] = Count("pk", filter=band & ~overdue)
    counts = letters.aggregate(**aggregates)
    return [
        AgeBand(key, label, counts[f"{key}__overdue"], counts[f"{key}__waiting"])
        for key, label, _fewest in AGE_BANDS
    ]
