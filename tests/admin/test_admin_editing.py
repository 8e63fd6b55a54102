"""Editing in the admin: no lost edits, and bad input refused next to the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jurisdictions.models import Agency, Jurisdiction
from tests.admin.helpers import add_url, change_url, post_data
from tests.conftest import PDF
from tests.factories import (
    AgencyFactory,
    JurisdictionFactory,
    LetterFactory,
    RequestFactory,
    ResponseFactory,
)
from tracker.domain import services
from tracker.models import AgencyResponse, Letter, OptOutRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_editor(django_user_model: Any) -> Any:
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="second", password="pw-second", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# --- No lost edits ------------------------------------------------------------------------


def test_the_second_of_two_editors_saving_the_same_request_is_refused_and_told_what_changed(
    editor_client: Client, second_editor: Any
) -> None:
    request: OptOutRequest = RequestFactory(title="Arlington opt-out")
    other = Client()
    other.force_login(second_editor)
    mine = post_data(editor_client.get(change_url(request)))
    theirs = post_data(other.get(change_url(request)))

    theirs["title"] = "Arlington County: removal from Secure Communities"
    assert other.post(change_url(request), theirs).status_code == 302

    mine["outcome"] = "Removed from the plan"
    response = editor_client.post(change_url(request), mine)

    assert response.status_code == 200  # the form again, with the refusal
    page = response.content.decode()
    assert "changed by someone else" in page
    assert "Arlington County: removal from Secure Communities" in page
    assert "second" in page  # who changed it
    request.refresh_from_db()
    assert request.title == "Arlington County: removal from Secure Communities"
    assert request.outcome == ""


def test_a_save_from_a_fresh_page_goes_through_and_bumps_the_version(
    editor_client: Client,
) -> None:
    request: OptOutRequest = RequestFactory()
    version = request.version
    data = post_data(editor_client.get(change_url(request)))
    data["outcome"] = "Removed from the plan"
    assert editor_client.post(change_url(request), data).status_code == 302
    request.refresh_from_db()
    assert (request.outcome, request.version) == ("Removed from the plan", version + 1)


def test_a_stale_letter_row_on_the_request_page_is_refused(editor_client: Client) -> None:
    letter: Letter = LetterFactory(subject="Notice to ICE")
    data = post_data(editor_client.get(change_url(letter.request)))
    letter.subject = "Notice to ICE and the SIB"
    services.record_save(letter, by=None)

    row = next(key for key, value in data.items() if value == "Notice to ICE")
    data[row] = "Notice (faxed)"
    response = editor_client.post(change_url(letter.request), data)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    letter.refresh_from_db()
    assert letter.subject == "Notice to ICE and the SIB"


def test_a_letter_changed_elsewhere_in_a_field_not_on_the_request_page_does_not_block_it(
    editor_client: Client,
) -> None:
    letter: Letter = LetterFactory(subject="Notice to ICE")
    data = post_data(editor_client.get(change_url(letter.request)))
    letter.summary = "Faxed and mailed"  # not one of the columns of the letters table
    services.record_save(letter, by=None)

    data["outcome"] = "Pending"
    assert editor_client.post(change_url(letter.request), data).status_code == 302
    letter.refresh_from_db()
    assert letter.summary == "Faxed and mailed"


def test_the_request_page_never_writes_back_an_old_copy_of_a_letter_someone_changed(
    editor_client: Client,
) -> None:
    letter: Letter = LetterFactory(subject="Notice to ICE")
    data = post_data(editor_client.get(change_url(letter.request)))
    letter.subject = "Notice to ICE and the SIB"
    services.record_save(letter, by=None)

    data["outcome"] = "Pending"  # the letter row is sent back as it was first shown
    response = editor_client.post(change_url(letter.request), data)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    letter.refresh_from_db()
    assert letter.subject == "Notice to ICE and the SIB"


def test_a_save_that_loses_the_race_after_the_form_check_is_refused_and_rolled_back(
    editor_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    request: OptOutRequest = RequestFactory(title="Before")
    data = post_data(editor_client.get(change_url(request)))
    data["title"] = "Mine"
    # Someone saves between the form's check and the locked save.
    monkeypatch.setattr(services, "record_check_version", lambda *a, **k: None)
    OptOutRequest.objects.filter(pk=request.pk).update(version=request.version + 1)

    response = editor_client.post(change_url(request), data, follow=True)

    assert "changed by someone else" in response.content.decode()
    request.refresh_from_db()
    assert request.title == "Before"


# --- Adding through the request's page -------------------------------------------------------


def test_a_letter_with_a_pdf_logged_on_the_request_page_gets_its_due_date(
    editor_client: Client,
) -> None:
    request: OptOutRequest = RequestFactory()
    sender: Agency = AgencyFactory(kind=Agency.Kind.LEGISLATURE)
    ice: Agency = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE, reply_window_days=30)
    data = post_data(editor_client.get(change_url(request)))
    prefix = "letters-2"  # the blank "log a letter" rows follow the existing letters
    data.update(
        {
            f"{prefix}-0-direction": "outgoing",
            f"{prefix}-0-sender": str(sender.pk),
            f"{prefix}-0-recipients": [str(ice.pk)],
            f"{prefix}-0-method": "fax",
            f"{prefix}-0-sent_on": "2010-09-07",
            f"{prefix}-0-sent_on_precision": "day",
            f"{prefix}-0-received_on_precision": "day",
            f"{prefix}-0-subject": "Notice of intent to opt out",
            f"{prefix}-0-attachment": SimpleUploadedFile(
                "notice.pdf", PDF, content_type="application/pdf"
            ),
        }
    )
    response = editor_client.post(change_url(request), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    letter = Letter.objects.get(subject="Notice of intent to opt out")
    assert letter.request == request
    assert list(letter.recipients.all()) == [ice]
    assert letter.due_on == dt.date(2010, 10, 7)
    assert letter.attachment.name.endswith(".pdf")
    assert letter.history.latest().history_user.username == "editor"


# --- Bad input ------------------------------------------------------------------------------


def errors_of(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: list(errors) for name, errors in form.errors.items()}


def test_a_letter_received_before_it_was_sent_is_refused_next_to_the_field(
    editor_client: Client,
) -> None:
    letter: Letter = LetterFactory(sent_on=dt.date(2010, 9, 10))
    data = post_data(editor_client.get(change_url(letter)))
    data["received_on"] = "2010-09-01"
    response = editor_client.post(change_url(letter), data)
    assert response.status_code == 200
    assert "cannot be received" in " ".join(errors_of(response)["received_on"])


def test_an_impossible_date_is_refused_next_to_the_field(editor_client: Client) -> None:
    letter: Letter = LetterFactory()
    data = post_data(editor_client.get(change_url(letter)))
    data["sent_on"] = "2010-02-30"
    response = editor_client.post(change_url(letter), data)
    assert response.status_code == 200
    assert "sent_on" in errors_of(response)


def test_a_response_to_a_letter_of_another_request_is_refused(editor_client: Client) -> None:
    response_record = ResponseFactory()
    elsewhere = LetterFactory()
    data = post_data(editor_client.get(change_url(response_record)))
    data["letter"] = str(elsewhere.pk)
    response = editor_client.post(change_url(response_record), data)
    assert response.status_code == 200
    assert "another request" in " ".join(errors_of(response)["letter"])
    assert AgencyResponse.objects.get().letter is None


def test_a_duplicate_jurisdiction_is_refused(editor_client: Client) -> None:
    JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    response = editor_client.post(
        add_url(Jurisdiction),
        {
            "name": "Arlington County",
            "kind": "county",
            "state": "VA",
            "deployment_status": "unknown",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Jurisdiction.objects.count() == 1


def _letter_with_upload(client: Client, upload: SimpleUploadedFile) -> Any:
    letter: Letter = LetterFactory()
    data = post_data(client.get(change_url(letter)))
    data["attachment"] = upload
    return letter, client.post(change_url(letter), data)


def test_an_attachment_of_a_type_not_on_the_allowlist_is_refused(editor_client: Client) -> None:
    upload = SimpleUploadedFile("run.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
    letter, response = _letter_with_upload(editor_client, upload)
    assert response.status_code == 200
    assert "not accepted" in " ".join(errors_of(response)["attachment"])
    letter.refresh_from_db()
    assert not letter.attachment


def test_an_attachment_over_the_size_limit_is_refused(editor_client: Client, settings: Any) -> None:
    settings.TRACKER_ATTACHMENT_MAX_BYTES = 50
    upload = SimpleUploadedFile("notice.pdf", PDF)
    letter, response = _letter_with_upload(editor_client, upload)
    assert response.status_code == 200
    assert "at most" in " ".join(errors_of(response)["attachment"])
    letter.refresh_from_db()
    assert not letter.attachment


def test_an_attachment_is_downloaded_only_by_people_who_may_read_it(
    editor_client: Client, client: Client
) -> None:
    letter, response = _letter_with_upload(editor_client, SimpleUploadedFile("n.pdf", PDF))
    assert response.status_code == 302
    letter.refresh_from_db()
    url = reverse("admin:tracker_letter_attachment", args=[letter.pk, "attachment"])
    download = editor_client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert url in editor_client.get(change_url(letter)).content.decode()
    anonymous = Client()
    assert anonymous.get(url).status_code == 302  # to the login page
    assert (
        editor_client.get(
            reverse("admin:tracker_letter_attachment", args=[letter.pk, "notes"])
        ).status_code
        == 404
    )


def test_a_change_posted_without_the_version_it_was_opened_at_is_refused(
    editor_client: Client,
) -> None:
    request: OptOutRequest = RequestFactory(title="Before")
    data = post_data(editor_client.get(change_url(request)))
    del data["expected_version"]
    data["title"] = "After"
    response = editor_client.post(change_url(request), data)
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    request.refresh_from_db()
    assert request.title == "Before"
