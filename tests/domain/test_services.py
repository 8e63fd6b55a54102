"""The domain operations: the only way status changes and correspondence is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, RequestFactory
from tracker.domain import selectors, services
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def program_office() -> Agency:
    return AgencyFactory(name="Secure Communities", kind=Agency.Kind.PROGRAM_OFFICE)


@pytest.fixture
def sib() -> Agency:
    return AgencyFactory(name="SIB", kind=Agency.Kind.SIB, level=Agency.Level.STATE, state="CA")


@pytest.fixture
def draft(editor: Any) -> OptOutRequest:
    return services.request_open(
        jurisdiction=JurisdictionFactory(),
        title="Opt out",
        by=editor,
        opened_on=PartialDate.parse("2010-09"),
    )


def send_notice(request: OptOutRequest, by: Any, sender: Agency, *to: Agency) -> Letter:
    return services.letter_log(
        request=request,
        by=by,
        sender=sender,
        recipients=to,
        subject="Notice",
        method=Letter.Method.FAX,
        sent_on=PartialDate.parse("2010-09-07"),
    )


def test_opening_a_request_logs_its_creation(draft: OptOutRequest, editor: Any) -> None:
    assert draft.status == State.DRAFT
    assert draft.opened is not None and draft.opened.display() == "September 2010"
    (transition,) = draft.transitions.all()
    assert (transition.from_state, transition.to_state, transition.by) == ("", "draft", editor)


def test_a_notice_needs_a_sent_letter_first(draft: OptOutRequest, editor: Any) -> None:
    with pytest.raises(services.TransitionRefused) as caught:
        services.request_transition(request=draft, to="notice_sent", by=editor)
    assert caught.value.current == State.DRAFT
    assert caught.value.allowed == [State.WITHDRAWN]
    assert "log a letter" in caught.value.message
    assert draft.transitions.count() == 1


def test_a_transition_moves_the_request_and_writes_the_log(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    letter = send_notice(draft, editor, sheriff, program_office)
    version = draft.version
    transition = services.request_transition(
        request=draft, to="notice_sent", by=editor, note="Faxed today", letter=letter
    )
    draft.refresh_from_db()
    assert draft.status == State.NOTICE_SENT
    assert draft.version == version + 1
    assert (transition.from_state, transition.to_state) == ("draft", "notice_sent")
    assert (transition.by, transition.note, transition.letter) == (editor, "Faxed today", letter)


def test_an_unknown_state_is_refused_with_the_list_of_states(
    draft: OptOutRequest, editor: Any
) -> None:
    with pytest.raises(services.TransitionRefused, match="not a state"):
        services.request_transition(request=draft, to="opted_out", by=editor)


def test_the_checklist_follows_the_letters_recipients_and_meetings(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency, sib: Agency
) -> None:
    def done() -> dict[str, bool]:
        return {item.key: item.done for item in selectors.request_checklist(draft)}

    assert done() == {"notice_program_office": False, "notice_sib": False, "meeting_held": False}
    send_notice(draft, editor, sheriff, program_office)
    assert done() == {"notice_program_office": True, "notice_sib": False, "meeting_held": False}
    send_notice(draft, editor, sheriff, sib)
    services.meeting_record(
        request=draft, by=editor, status=Meeting.Status.HELD, held_on=PartialDate.parse("2010-11")
    )
    assert done() == {"notice_program_office": True, "notice_sib": True, "meeting_held": True}


def test_the_whole_documented_process_ends_in_removal(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    letter = send_notice(draft, editor, sheriff, program_office)
    services.request_transition(request=draft, to="notice_sent", by=editor, letter=letter)
    reply = services.response_record(
        request=draft,
        by=editor,
        agency=program_office,
        letter=letter,
        kind=AgencyResponse.Kind.MEETING_REQUESTED,
        responded_on=PartialDate.parse("2010-10-01"),
    )
    services.request_transition(request=draft, to="meeting_requested", by=editor, response=reply)
    services.meeting_record(
        request=draft,
        by=editor,
        status=Meeting.Status.HELD,
        held_on=PartialDate.parse("2010-11-10"),
    )
    services.request_transition(request=draft, to="meeting_held", by=editor)
    services.request_transition(request=draft, to="removed", by=editor)
    draft.refresh_from_db()
    assert draft.status == State.REMOVED
    assert draft.closed_on is not None
    assert list(draft.transitions.values_list("to_state", flat=True)) == [
        "draft",
        "notice_sent",
        "meeting_requested",
        "meeting_held",
        "removed",
    ]


def test_a_denied_request_needs_a_new_letter_to_renew_its_notice(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    send_notice(draft, editor, sheriff, program_office)
    services.request_transition(request=draft, to="notice_sent", by=editor)
    services.response_record(request=draft, by=editor, agency=program_office, kind="denied")
    services.request_transition(request=draft, to="denied", by=editor)
    with pytest.raises(services.TransitionRefused, match="new letter"):
        services.request_transition(request=draft, to="notice_sent", by=editor)
    send_notice(draft, editor, sheriff, program_office)
    services.request_transition(request=draft, to="notice_sent", by=editor)
    draft.refresh_from_db()
    assert draft.status == State.NOTICE_SENT
    assert draft.closed_on is None


def test_reopening_returns_a_closed_request_to_where_it_was(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    send_notice(draft, editor, sheriff, program_office)
    services.request_transition(request=draft, to="notice_sent", by=editor)
    services.request_transition(request=draft, to="withdrawn", by=editor)
    services.request_reopen(request=draft, by=editor, note="Board changed its mind")
    draft.refresh_from_db()
    assert draft.status == State.NOTICE_SENT
    assert draft.closed_on is None
    assert draft.transitions.last().note == "Board changed its mind"


def test_an_open_request_cannot_be_reopened(draft: OptOutRequest, editor: Any) -> None:
    with pytest.raises(services.TransitionRefused, match="Only a closed request"):
        services.request_reopen(request=draft, by=editor)


def test_a_transition_with_a_stale_version_is_refused(draft: OptOutRequest, editor: Any) -> None:
    with pytest.raises(services.StaleRecord):
        services.request_transition(
            request=draft, to="withdrawn", by=editor, expected_version=draft.version - 1
        )
    draft.refresh_from_db()
    assert draft.status == State.DRAFT


def test_a_letter_with_invalid_dates_writes_nothing(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    with pytest.raises(ValidationError):
        services.letter_log(
            request=draft,
            by=editor,
            sender=sheriff,
            recipients=[program_office],
            subject="X",
            sent_on=PartialDate.parse("2010-09-10"),
            received_on=PartialDate.parse("2010-09-01"),
        )
    assert Letter.objects.count() == 0


def test_a_response_to_another_requests_letter_is_refused(
    draft: OptOutRequest, editor: Any, program_office: Agency
) -> None:
    foreign = LetterFactory()
    with pytest.raises(ValidationError, match="another request"):
        services.response_record(
            request=draft, by=editor, agency=program_office, letter=foreign, kind="acknowledged"
        )
    assert AgencyResponse.objects.count() == 0


def test_a_transition_citing_another_requests_letter_is_refused(
    draft: OptOutRequest, editor: Any
) -> None:
    with pytest.raises(ValidationError, match="another request"):
        services.request_transition(
            request=draft, to="withdrawn", by=editor, letter=LetterFactory()
        )
    assert draft.transitions.count() == 1


def test_an_outgoing_letter_gets_a_due_date_with_an_explanation(
    draft: OptOutRequest, editor: Any, sheriff: Agency
) -> None:
    ice = AgencyFactory(reply_window_days=10, reply_window_kind="calendar")
    letter = send_notice(draft, editor, sheriff, ice)
    assert letter.due_on == dt.date(2010, 9, 17)
    deadline = selectors.letter_deadline(letter)
    assert deadline is not None
    assert deadline.explanation == (
        "due 2010-09-17: 10 calendar days after it was sent on 2010-09-07"
    )


def test_a_letter_with_an_attachment_is_stored_under_a_generated_name(
    draft: OptOutRequest, editor: Any, sheriff: Agency
) -> None:
    upload = SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.4\n%test\n", "application/pdf")
    letter = services.letter_log(
        request=draft, by=editor, sender=sheriff, subject="With PDF", attachment=upload
    )
    name = letter.attachment.name or ""
    assert name.startswith("attachments/letter/")
    assert name.endswith(".pdf")
    assert "passwd" not in name


def test_an_attachment_of_a_forbidden_type_is_refused(
    draft: OptOutRequest, editor: Any, sheriff: Agency
) -> None:
    upload = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00" * 10)
    with pytest.raises(ValidationError, match="not accepted"):
        services.letter_log(
            request=draft, by=editor, sender=sheriff, subject="Exe", attachment=upload
        )
    assert Letter.objects.count() == 0


def test_an_attachment_over_the_limit_is_refused(
    draft: OptOutRequest, editor: Any, sheriff: Agency, settings: Any
) -> None:
    settings.TRACKER_ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.txt", b"x" * 11)
    with pytest.raises(ValidationError, match="at most"):
        services.letter_log(
            request=draft, by=editor, sender=sheriff, subject="Big", attachment=upload
        )


def test_a_stale_edit_is_refused_and_says_what_changed(editor: Any, viewer: Any) -> None:
    agency = AgencyFactory(name="ICE")
    mine = type(agency).objects.get(pk=agency.pk)
    theirs = type(agency).objects.get(pk=agency.pk)
    theirs.name = "U.S. Immigration and Customs Enforcement"
    services.record_save(theirs, by=viewer, expected_version=1)
    mine.abbreviation = "ICE"
    with pytest.raises(services.StaleRecord) as caught:
        services.record_save(mine, by=editor, expected_version=1)
    assert "U.S. Immigration and Customs Enforcement" in caught.value.message
    assert [c.field for c in caught.value.changes] == ["name"]
    agency.refresh_from_db()
    assert agency.abbreviation == ""


def test_a_fresh_edit_is_saved_with_its_author_in_the_history(editor: Any) -> None:
    agency = AgencyFactory(name="ICE")
    agency.abbreviation = "ICE"
    services.record_save(agency, by=editor, expected_version=1)
    latest = agency.history.latest()
    assert (latest.abbreviation, latest.history_user, latest.version) == ("ICE", editor, 2)


def test_history_records_who_moved_a_request(draft: OptOutRequest, editor: Any) -> None:
    services.request_transition(request=draft, to="withdrawn", by=editor)
    latest = draft.history.latest()
    assert (latest.status, latest.history_user) == ("withdrawn", editor)


def test_deleting_keeps_the_history(editor: Any, admin_user: Any) -> None:
    agency = AgencyFactory(name="Gone")
    pk = agency.pk
    services.record_delete(agency, by=admin_user, expected_version=1)
    assert not Agency.objects.filter(pk=pk).exists()
    deleted = Agency.history.get(id=pk, history_type="-")
    assert (deleted.name, deleted.history_user) == ("Gone", admin_user)


def test_transition_list_shows_next_steps_without_extra_queries(
    django_assert_num_queries: Any, editor: Any
) -> None:
    for _ in range(5):
        RequestFactory()
    with django_assert_num_queries(1):
        steps = [
            selectors.request_next_steps(r)
            for r in selectors.with_facts(OptOutRequest.objects.all())
        ]
    assert all([e.target for e in s] == [State.WITHDRAWN] for s in steps)
    assert Transition.objects.count() == 5  # each opening only: reading the steps writes nothing


def test_a_reply_ends_the_wait_and_only_late_letters_are_overdue(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    letter = send_notice(draft, editor, sheriff, program_office)  # sent 2010-09-07, due 10-07
    other = send_notice(draft, editor, sheriff, program_office)
    letters = Letter.objects.all()
    assert set(selectors.letters_with_flag(letters, "awaiting_reply")) == {letter, other}
    assert set(selectors.letters_with_flag(letters, "overdue", today=dt.date(2010, 10, 7))) == set()
    overdue = selectors.letters_with_flag(letters, "overdue", today=dt.date(2010, 10, 8))
    assert set(overdue) == {letter, other}
    services.response_record(
        request=draft, by=editor, agency=program_office, letter=letter, kind="acknowledged"
    )
    services.letter_log(
        request=draft,
        by=editor,
        sender=program_office,
        subject="Reply",
        direction=Letter.Direction.INCOMING,
        in_reply_to=other,
    )
    assert not selectors.letters_with_flag(letters, "awaiting_reply").exists()
    assert selectors.days_waiting(letter.sent, today=dt.date(2010, 9, 17)) == 10


def test_deleting_a_request_takes_its_answered_letters_and_keeps_their_history(
    draft: OptOutRequest, editor: Any, admin_user: Any, sheriff: Agency, program_office: Agency
) -> None:
    letter = send_notice(draft, editor, sheriff, program_office)
    services.response_record(
        request=draft, by=editor, agency=program_office, letter=letter, kind="acknowledged"
    )
    letter_pk = letter.pk
    services.record_delete(draft, by=admin_user, expected_version=draft.version)
    assert not Letter.objects.filter(pk=letter_pk).exists()
    assert Letter.history.filter(id=letter_pk, history_type="-").exists()


def test_a_letter_with_replies_cannot_be_deleted_on_its_own(
    draft: OptOutRequest, editor: Any, admin_user: Any, sheriff: Agency, program_office: Agency
) -> None:
    from django.db.models import RestrictedError

    letter = send_notice(draft, editor, sheriff, program_office)
    services.response_record(
        request=draft, by=editor, agency=program_office, letter=letter, kind="acknowledged"
    )
    with pytest.raises(RestrictedError):
        services.record_delete(letter, by=admin_user, expected_version=letter.version)
    assert Letter.objects.filter(pk=letter.pk).exists()


def test_the_stored_extension_follows_the_content_not_the_name_sent(
    draft: OptOutRequest, editor: Any, sheriff: Agency
) -> None:
    upload = SimpleUploadedFile("letter.pdf", b"<html><script>alert(1)</script></html>")
    letter = services.letter_log(
        request=draft, by=editor, sender=sheriff, subject="Disguised", attachment=upload
    )
    assert (letter.attachment.name or "").endswith(".txt")


def test_a_plain_text_letter_in_windows_1252_is_accepted(
    draft: OptOutRequest, editor: Any, sheriff: Agency
) -> None:
    text = "Sheriff\u2019s letter \u2014 caf\u00e9, na\u00efve\r\n".encode("cp1252")
    upload = SimpleUploadedFile("letter.txt", text)
    letter = services.letter_log(
        request=draft, by=editor, sender=sheriff, subject="Old text", attachment=upload
    )
    assert (letter.attachment.name or "").endswith(".txt")


def test_dates_outside_the_plausible_range_are_refused_with_a_message(
    draft: OptOutRequest, editor: Any, sheriff: Agency
) -> None:
    with pytest.raises(ValueError, match="out of range"):
        PartialDate.parse("9999-12-31")
    with pytest.raises(ValidationError, match="out of range"):
        services.letter_log(
            request=draft,
            by=editor,
            sender=sheriff,
            subject="Far",
            sent_on=PartialDate(dt.date(9999, 12, 31)),
        )
    assert not Letter.objects.filter(subject="Far").exists()


def test_moving_an_answered_letter_after_its_reply_is_explained(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    letter = send_notice(draft, editor, sheriff, program_office)  # sent 2010-09-07
    services.response_record(
        request=draft,
        by=editor,
        agency=program_office,
        letter=letter,
        kind="acknowledged",
        responded_on=PartialDate.parse("2010-09"),
    )
    letter.sent_on = dt.date(2010, 10, 5)
    with pytest.raises(ValidationError, match="cannot have been sent later"):
        services.record_save(letter, by=editor, expected_version=letter.version)
    letter.refresh_from_db()
    assert letter.sent_on == dt.date(2010, 9, 7)


def test_the_database_refuses_a_reply_known_only_to_the_year_before_its_letter(
    draft: OptOutRequest, editor: Any, sheriff: Agency, program_office: Agency
) -> None:
    from django.db import IntegrityError, transaction

    letter = send_notice(draft, editor, sheriff, program_office)
    reply = services.response_record(
        request=draft,
        by=editor,
        agency=program_office,
        letter=letter,
        kind="acknowledged",
        responded_on=PartialDate.parse("2011"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(sent_on=dt.date(2012, 5, 5))
    # Within the reply's year is still possible.
    Letter.objects.filter(pk=letter.pk).update(sent_on=dt.date(2011, 12, 31))
    assert reply.pk is not None
