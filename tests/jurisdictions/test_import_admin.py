"""The admin's jurisdiction import: upload, preview, confirm; same rules as the command."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jurisdictions.domain.importer import COLUMNS
from jurisdictions.models import Jurisdiction
from tests.factories import JurisdictionFactory

pytestmark = pytest.mark.django_db

URL = "/admin/jurisdictions/jurisdiction/import/"
HEADER = ",".join(COLUMNS)


def upload(client: Client, text: str, **extra: Any) -> Any:
    file = SimpleUploadedFile("counties.csv", text.encode(), content_type="text/csv")
    return client.post(URL, {"file": file, **extra})


def confirmation(response: Any) -> dict[str, str]:
    """The hidden fields of the preview's confirm form, as the browser would send them."""
    html = response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return {**fields, "confirm": "Import"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_previews_then_confirms_an_import(editor: Any) -> None:
    JurisdictionFactory(name="Alpha County", fips="06001")
    client = signed_in(editor)
    text = f"{HEADER}\nAlpha County,county,CA,06001,,activated,,\nBeta County,county,CA,06003,,,,\n"

    preview = upload(client, text)

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Would create 1, update 1, leave 0 unchanged." in page
    assert "Secure Communities deployment: unknown → activated" in page
    assert "Beta County" in page
    assert Jurisdiction.objects.count() == 1  # the preview wrote nothing

    done = client.post(URL, confirmation(preview), follow=True)

    assert done.redirect_chain[-1][0] == reverse("admin:jurisdictions_jurisdiction_changelist")
    assert "Created 1, updated 1, left 0 unchanged." in done.content.decode()
    alpha = Jurisdiction.objects.get(fips="06001")
    assert alpha.deployment_status == "activated"
    assert alpha.history.latest("history_date").history_user == editor
    assert Jurisdiction.objects.filter(fips="06003").exists()


def test_the_preview_lists_every_invalid_row_and_offers_no_import(editor: Any) -> None:
    client = signed_in(editor)
    text = f"{HEADER}\nBeta County,county,ZZ,06003,,,,\nGamma County,county,CA,06005,,maybe,,\n"

    preview = upload(client, text)

    page = preview.content.decode()
    assert "2 rows cannot be imported" in page
    assert "unknown state “ZZ”" in page
    assert "unknown deployment status “maybe”" in page
    assert 'name="confirm"' not in page
    assert not Jurisdiction.objects.exists()


def test_a_file_that_is_not_csv_gets_an_error_next_to_the_field(editor: Any) -> None:
    client = signed_in(editor)
    file = SimpleUploadedFile("counties.xlsx", b"PK\x03\x04rest", content_type="application/zip")

    response = client.post(URL, {"file": file})

    assert response.status_code == 200
    assert "spreadsheet workbook (.xlsx)" in response.context["form"].errors["file"][0]


def test_a_stale_preview_is_shown_again_instead_of_being_applied(editor: Any) -> None:
    alpha = JurisdictionFactory(name="Alpha County", fips="06001")
    client = signed_in(editor)
    preview = upload(client, f"{HEADER}\nAlpha County,county,CA,06001,,activated,2010-06-01,\n")
    alpha.notes = "An editor saved this in the meantime"
    alpha.save()

    response = client.post(URL, confirmation(preview))

    assert response.status_code == 200
    assert "changed since this file was checked" in response.content.decode()
    alpha.refresh_from_db()
    assert alpha.deployment_status == "unknown"


def test_only_people_who_may_add_and_change_jurisdictions_may_import(viewer: Any) -> None:
    client = signed_in(viewer)

    assert client.get(URL).status_code == 403
    assert upload(client, f"{HEADER}\nBeta County,county,CA,06003,,,,\n").status_code == 403
    assert not Jurisdiction.objects.exists()


def test_the_jurisdictions_list_shows_the_import_button_to_editors_only(
    editor: Any, viewer: Any
) -> None:
    changelist = reverse("admin:jurisdictions_jurisdiction_changelist")

    assert URL in signed_in(editor).get(changelist).content.decode()
    assert URL not in signed_in(viewer).get(changelist).content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_the_preview_takes_the_same_queries_at_5_and_50_rows(
    rows: int, editor: Any, django_assert_num_queries: Any
) -> None:
    for i in range(1, rows + 1, 2):
        JurisdictionFactory(name=f"County {i}", fips=f"06{i:03d}")
    text = HEADER + "".join(
        f"\nCounty {i},county,CA,06{i:03d},,activated,," for i in range(1, rows + 1)
    )
    client = signed_in(editor)

    # Expect 5 queries: session, user, the user's own permissions, their groups'
    # permissions, and every jurisdiction, read once for the plan.
    with django_assert_num_queries(5):
        response = upload(client, text)

    assert response.context["plan"].summary().startswith(f"Would create {rows // 2}")
