"""The staff search over every kind of record and the text of attachments.

Runs on SQLite (substring match) and on PostgreSQL (stored full-text vectors kept by
triggers); the words chosen match the same way on both.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from core.attachments import TEXT_MAX_CHARS, extract_text
from tests.attachment_files import PNG, text_pdf
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.domain import services
from tracker.domain.selectors import SEARCH_PAGE_SIZE, SearchKind, search
from tracker.models import Letter, Statement

pytestmark = pytest.mark.django_db


def test_it_finds_every_kind_of_record() -> None:
    request = RequestFactory(title="Moratorium on activation")
    letter = LetterFactory(request=request, subject="Asking for a moratorium")
    reply = ResponseFactory(request=request, summary="ICE refuses the moratorium.")
    meeting = MeetingFactory(request=request, outcome="A moratorium was discussed.")
    statement = StatementFactory(quote="No moratorium is possible.")
    contact = ContactFactory(name="Ada Moratorium", title="Clerk")
    agency = AgencyFactory(name="Moratorium Coalition")
    jurisdiction = JurisdictionFactory(name="Moratorium County")
    RequestFactory(title="Unrelated")

    found = search("moratorium")

    assert [section.kind for section in found.sections] == list(SearchKind)
    assert [x.pk for x in found.of(SearchKind.REQUESTS)] == [request.pk]
    assert [x.pk for x in found.of(SearchKind.LETTERS)] == [letter.pk]
    assert [x.pk for x in found.of(SearchKind.RESPONSES)] == [reply.pk]
    assert [x.pk for x in found.of(SearchKind.MEETINGS)] == [meeting.pk]
    assert [x.pk for x in found.of(SearchKind.STATEMENTS)] == [statement.pk]
    assert [x.pk for x in found.of(SearchKind.CONTACTS)] == [contact.pk]
    assert agency.pk in [x.pk for x in found.of(SearchKind.AGENCIES)]
    assert jurisdiction.pk in [x.pk for x in found.of(SearchKind.JURISDICTIONS)]


def test_a_contacts_ways_of_reaching_them_are_not_searched() -> None:
    ContactFactory(name="Someone", email="moratorium@example.org", notes="moratorium")
    assert not search("moratorium").of(SearchKind.CONTACTS)


def test_a_pdfs_text_is_read_when_it_is_uploaded_and_found_with_the_words_marked(
    editor: Any,
) -> None:
    letter = services.letter_log(
        request=RequestFactory(),
        by=editor,
        sender=AgencyFactory(),
        subject="Scan of the county's letter",
        attachment=SimpleUploadedFile("scan.pdf", text_pdf("The board votes for a moratorium")),
    )
    letter.refresh_from_db()
    assert letter.attachment_text == "The board votes for a moratorium"
    assert letter.attachment.read().startswith(b"%PDF")  # the file itself is untouched

    [hit] = search("moratorium").letters
    assert hit.pk == letter.pk
    assert "<mark>moratorium</mark>" in hit.snippet


def test_a_text_attachments_text_is_read_and_an_images_is_not(editor: Any) -> None:
    request = RequestFactory()
    reply = services.response_record(
        request=request,
        by=editor,
        agency=AgencyFactory(),
        kind="acknowledged",
        attachment=SimpleUploadedFile("reply.txt", b"Receipt of the moratorium notice."),
    )
    image = services.response_record(
        request=request,
        by=editor,
        agency=AgencyFactory(),
        kind="acknowledged",
        attachment=SimpleUploadedFile("scan.png", PNG),
    )
    reply.refresh_from_db()
    image.refresh_from_db()
    assert reply.attachment_text == "Receipt of the moratorium notice."
    assert image.attachment_text == ""
    assert [x.pk for x in search("moratorium").responses] == [reply.pk]


def test_a_damaged_pdf_is_kept_without_text() -> None:
    upload = SimpleUploadedFile("broken.pdf", b"%PDF-1.4\nnot really a pdf")
    assert extract_text(upload) == ""
    assert upload.tell() == 0


def test_the_text_kept_is_bounded_and_has_no_nul() -> None:
    upload = SimpleUploadedFile("long.txt", ("word  \n" * TEXT_MAX_CHARS).encode())
    text = extract_text(upload)
    assert len(text) == TEXT_MAX_CHARS
    assert text.startswith("word word word")
    # A PDF's text layer can hold NUL, which PostgreSQL's text cannot.
    assert extract_text(SimpleUploadedFile("nul.pdf", text_pdf("a\\000b"))) == "a b"


def test_a_statements_document_is_read_too() -> None:
    statement = StatementFactory(quote="On the record.")
    statement.document = SimpleUploadedFile("memo.pdf", text_pdf("memo on the moratorium"))
    statement.save()
    statement.refresh_from_db()
    assert statement.attachment_text == "memo on the moratorium"
    assert [x.pk for x in search("moratorium").of(SearchKind.STATEMENTS)] == [statement.pk]
    statement.document = None
    statement.save()
    assert Statement.objects.get(pk=statement.pk).attachment_text == ""


def test_files_uploaded_before_the_text_was_kept_are_read_by_the_command(editor: Any) -> None:
    letter = services.letter_log(
        request=RequestFactory(),
        by=editor,
        sender=AgencyFactory(),
        subject="An old scan",
        attachment=SimpleUploadedFile("scan.pdf", text_pdf("moratorium requested in 2010")),
    )
    Letter.objects.filter(pk=letter.pk).update(attachment_text="")
    assert not search("moratorium").letters

    call_command("extract_attachment_text", stdout=io.StringIO())

    assert Letter.objects.get(pk=letter.pk).attachment_text == "moratorium requested in 2010"
    assert [x.pk for x in search("moratorium").letters] == [letter.pk]


def test_a_snippet_is_escaped_but_for_the_marks() -> None:
    LetterFactory(subject="Odd", summary="<script>alert(1)</script> A moratorium: a < b & c here")
    [hit] = search("moratorium").letters
    assert "<script>" not in hit.snippet  # escaped (SQLite) or dropped as a tag (PostgreSQL)
    assert "a &lt; b &amp; c" in hit.snippet
    assert "<mark>moratorium</mark>" in hit.snippet


def test_one_kind_is_paged_and_says_when_more_follow() -> None:
    letters = [LetterFactory(subject=f"Moratorium {n}") for n in range(SEARCH_PAGE_SIZE + 3)]
    first = search("moratorium", kind=SearchKind.LETTERS)
    second = search("moratorium", kind=SearchKind.LETTERS, page=2)
    [one] = first.sections
    [two] = second.sections
    assert len(one.items) == SEARCH_PAGE_SIZE and one.has_more
    assert len(two.items) == 3 and not two.has_more
    assert {x.pk for x in one.items + two.items} == {x.pk for x in letters}


# --- The page -----------------------------------------------------------------------


def test_the_page_shows_each_kind_with_a_link_to_more(client: Client, viewer: Any) -> None:
    for n in range(12):
        LetterFactory(subject=f"Moratorium letter {n}")
    ContactFactory(name="Ada Moratorium")
    client.force_login(viewer)
    response = client.get("/search/", {"q": "moratorium"})
    assert response.status_code == 200
    text = response.text
    assert "Contacts" in text
    assert "Ada Moratorium" in text
    assert "kind=letters" in text
    letters_only = client.get("/search/", {"q": "moratorium", "kind": "letters"})
    assert letters_only.status_code == 200
    assert letters_only.text.count("#letter-") == 12
    assert "Ada Moratorium" not in letters_only.text
    past_the_end = client.get("/search/", {"q": "moratorium", "kind": "letters", "page": "2"})
    assert 'rel="prev"' in past_the_end.text
    assert "#letter-" not in past_the_end.text


@pytest.mark.parametrize("rows", [3, 40])
def test_a_page_of_one_kind_costs_the_same_queries_at_any_size(
    client: Client, viewer: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        LetterFactory(subject=f"Moratorium {n}")
    client.force_login(viewer)
    # Session, user, the user's and the group's permissions, then the letters (with
    # request, jurisdiction and sender, and their snippets) in one query.
    with django_assert_num_queries(5):
        response = client.get("/search/", {"q": "moratorium", "kind": "letters"})
    assert response.text.count("#letter-") == min(rows, SEARCH_PAGE_SIZE)


def test_an_unknown_kind_is_an_error(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    assert client.get("/search/", {"q": "x", "kind": "passwords"}).status_code == 400
