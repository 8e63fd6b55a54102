"""The morning digest: each owner gets one email listing their overdue letters.

Run it from cron as often as you like (``python manage.py send_reminders``, or
the ``tracker.domain.tasks.send_reminders_task`` task): a letter is mentioned in at
most one reminder a day. That promise is kept by the database, not by this
code: :class:`~tracker.models.ReminderLog` is unique on (letter, day), and a
letter is claimed (its log row inserted) in the same transaction that sends
the email, so a second run, even one running at the same moment, finds the
claim and skips the letter; a failed send rolls its claims back so the next
run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tracker.domain import selectors
from tracker.models import Letter, ReminderLog

logger = logging.getLogger("tracker.domain.reminders")


@dataclass(frozen=True)
class OverdueLine:
    """One overdue letter as the reminder shows it."""

    letter: Letter
    explanation: str
    days_overdue: int
    very_overdue: bool


@dataclass
class ReminderRun:
    """What one run did, for the command's output and the task's result."""

    today: dt.date
    sent: list[tuple[str, list[str]]] = field(default_factory=list)  # (address, letter refs)
    already_reminded: list[str] = field(default_factory=list)  # letter references
    owners_without_email: list[str] = field(default_factory=list)  # usernames
    letters_without_owner: list[str] = field(default_factory=list)  # letter references

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "sent": [{"to": to, "letters": refs} for to, refs in self.sent],
            "already_reminded": self.already_reminded,
            "owners_without_email": self.owners_without_email,
            "letters_without_owner": self.letters_without_owner,
        }

    def summary_lines(self) -> list[str]:
        lines = [
            f"{self.today.isoformat()}: sent {len(self.sent)} reminder(s) "
            f"about {sum(len(refs) for _to, refs in self.sent)} overdue letter(s)."
        ]
        lines += [f"  to {to}: {', '.join(refs)}" for to, refs in self.sent]
        if self.already_reminded:
            lines.append(
                "Already reminded today (not sent again): " + ", ".join(self.already_reminded)
            )
        if self.owners_without_email:
            lines.append(
                "Owners with no email address (nothing sent; add one in their account): "
                + ", ".join(self.owners_without_email)
            )
        if self.letters_without_owner:
            lines.append(
                "Overdue letters whose request has no owner: "
                + ", ".join(self.letters_without_owner)
            )
        return lines


def overdue_by_owner(today: dt.date) -> tuple[dict[Any, list[OverdueLine]], list[Letter]]:
    """Overdue letters grouped by their request's owner, and those with no owner.

    Three queries whatever the number of letters: the letters (with request,
    jurisdiction and owner), their recipients, and the holiday list.
    """
    overdue = selectors.letters_with_flag(Letter.objects.all(), "overdue", today=today)
    letters = (
        selectors.with_letter_flags(overdue, today=today)
        .select_related("request__jurisdiction", "request__owner")
        .prefetch_related("recipients")
        .order_by("due_on", "pk")
    )
    grouped: dict[Any, list[OverdueLine]] = defaultdict(list)
    unowned: list[Letter] = []
    for letter in selectors.with_deadlines(letters):
        owner = letter.request.owner
        if owner is None:
            unowned.append(letter)
            continue
        deadline = selectors.deadline_of(letter)
        days_late = selectors.days_overdue(letter, today=today)
        assert deadline is not None and days_late is not None  # overdue: outgoing and due
        grouped[owner].append(
            OverdueLine(
                letter=letter,
                explanation=deadline.explanation,
                days_overdue=days_late,
                very_overdue=selectors.flag_of(letter, "very_overdue"),
            )
        )
    return grouped, unowned


def _claim(line: OverdueLine, owner: Any, today: dt.date) -> bool:
    """Insert the (letter, day) log row; False when a reminder for it exists already."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                letter=line.letter, date=today, recipient=owner, email=owner.email
            )
    except IntegrityError:
        return False
    return True


def reminded_on(today: dt.date, letter_ids: list[int]) -> set[int]:
    """Which of these letters a reminder already went out for today."""
    return set(
        ReminderLog.objects.filter(date=today, letter_id__in=letter_ids).values_list(
            "letter_id", flat=True
        )
    )


def _claim_all(lines: list[OverdueLine], owner: Any, today: dt.date) -> list[OverdueLine]:
    """Claim every letter not yet reminded today, in one INSERT when no other run
    races us; letter by letter (each refused claim skipped) when one does."""
    done = reminded_on(today, [line.letter.pk for line in lines])
    fresh = [line for line in lines if line.letter.pk not in done]
    if not fresh:
        return []
    try:
        with transaction.atomic():
            ReminderLog.objects.bulk_create(
                [
                    ReminderLog(letter=line.letter, date=today, recipient=owner, email=owner.email)
                    for line in fresh
                ],
                batch_size=500,
            )
    except IntegrityError:
        # Another run claimed some of them since we looked: take the rest one by one.
        return [line for line in fresh if _claim(line, owner, today)]
    return fresh


def _message(owner: Any, lines: list[OverdueLine], today: dt.date) -> EmailMultiAlternatives:
    context = {"owner": owner, "lines": lines, "today": today}
    subject = render_to_string("tracker/email/reminder_subject.txt", context).strip()
    body = render_to_string("tracker/email/reminder.txt", context)
    return EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[owner.email],
    )


def send_reminders(today: dt.date | None = None, language: str | None = None) -> ReminderRun:
    """Email each owner one digest of their overdue letters not yet reminded today,
    written in ``language`` (one of LANGUAGES; the site's LANGUAGE_CODE by default),
    whatever language the calling thread last served a page in."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _send_reminders(today or timezone.localdate())


def _send_reminders(today: dt.date) -> ReminderRun:
    run = ReminderRun(today=today)
    grouped, unowned = overdue_by_owner(today)
    run.letters_without_owner = [letter.reference for letter in unowned]
    for owner, lines in sorted(grouped.items(), key=lambda item: item[0].get_username()):
        if not owner.email:
            run.owners_without_email.append(owner.get_username())
            logger.warning(
                "No reminder for %s: no email address (%d overdue letter(s))",
                owner.get_username(),
                len(lines),
            )
            continue
        with transaction.atomic():
            claimed = _claim_all(lines, owner, today)
            run.already_reminded += [line.letter.reference for line in lines if line not in claimed]
            if not claimed:
                continue
            # Sent inside the transaction: if the mail server refuses, the claims
            # roll back and the next run tries again.
            _message(owner, claimed, today).send(using="default")
        references = [line.letter.reference for line in claimed]
        run.sent.append((owner.email, references))
        logger.info("Reminder sent to %s about %s", owner.email, ", ".join(references))
    return run
