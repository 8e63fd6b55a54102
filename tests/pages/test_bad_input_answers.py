"""Bad input in a search box or an admin address gets a clear 4xx, never a 500.

NUL characters cannot be stored or compared by PostgreSQL: the search boxes refuse
them with a message (these tests also run on PostgreSQL, where the database would
have answered with an error). A malformed filter in the admin's CSV address and an
attachment whose file has gone missing are answered like the staff pages answer them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PDF
from tracker.models import Letter

pytestmark = pytest.mark.django_db


def test_the_public_search_refuses_a_nul_character_with_a_message(client: Client) -> None:
    response = client.get("/public/search/", {"q": "\x00abc"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.text


def test_the_public_search_still_finds_nothing_for_ordinary_unknown_words(
    client: Client,
) -> None:
    response = client.get("/public/search/", {"q": "  nothing-like-this  "})
    assert response.status_code == 200
    assert "0 results for “nothing-like-this”" in response.text


def test_the_staff_search_refuses_a_nul_character_with_a_message(
    client: Client, viewer: Any
) -> None:
    client.force_login(viewer)
    response = client.get("/search/", {"q": "abc\x00"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.text


def test_the_admin_csv_export_answers_400_to_a_malformed_filter(
    client: Client, viewer: Any
) -> None:
    client.force_login(viewer)
    response = client.get("/admin/tracker/letter/export.csv", {"sent_on__gte": "garbage"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.text.startswith(
        "Invalid filter: “garbage” value has an invalid date format. It must be in "
        "YYYY-MM-DD format."
    )


def test_the_admin_csv_export_still_answers_a_good_filter(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.get("/admin/tracker/letter/export.csv", {"sent_on__gte": "2010-01-01"})
    assert response.status_code == 200


def test_the_admin_download_of_a_missing_file_is_a_404(
    client: Client, viewer: Any, letter_with_pdf: Letter
) -> None:
    letter_with_pdf.attachment.storage.delete(letter_with_pdf.attachment.name)
    client.force_login(viewer)
    response = client.get(f"/admin/tracker/letter/{letter_with_pdf.pk}/file/attachment/")
    assert response.status_code == 404


def test_the_admin_download_of_a_present_file_still_works(
    client: Client, viewer: Any, letter_with_pdf: Letter
) -> None:
    client.force_login(viewer)
    response = client.get(f"/admin/tracker/letter/{letter_with_pdf.pk}/file/attachment/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
