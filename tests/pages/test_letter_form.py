"""The letter form of a request's page: quick to fill, bounded at national scale.

Today is the sent date unless changed (a date picker); the required fields are
marked; ICE's program office and the state's SIB come first among the recipients
and one tick sends to both; the recipients stay a short list however many agencies
there are; the form works without a script (its script and style are static files).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from core.dates import DatePrecision, PartialDate
from jurisdictions.domain.selectors import PICKER_LIMIT
from jurisdictions.models import Agency
from tests.factories import AgencyFactory
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sf(record_2010: None) -> OptOutRequest:
    return OptOutRequest.objects.get(reference="san-francisco-2010")


def agency(reference: str) -> Agency:
    return Agency.objects.get(reference=reference)


def letter_form_html(client: Client, optout: OptOutRequest, **params: str) -> str:
    response = client.get(optout.get_absolute_url(), params)
    assert response.status_code == 200
    match = re.search(r'<details id="log-letter".*?</details>', response.text, re.S)
    assert match, "the page has no letter form"
    return match.group(0)


def recipient_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="letter-recipients" value="(\d+)"', html)]


def test_the_sent_date_is_a_date_picker_set_to_today(editor_client: Client, sf: Any) -> None:
    html = letter_form_html(editor_client, sf)
    today = timezone.localdate().isoformat()
    assert re.search(rf'<input type="date" name="letter-sent_on" value="{today}"', html)


def test_required_fields_are_marked_for_eyes_and_for_screen_readers(
    editor_client: Client, sf: Any
) -> None:
    html = letter_form_html(editor_client, sf)
    assert "Fields marked * are required." in html
    # The case page logs letters sent only: what an agency sent goes through the reply form.
    assert 'name="letter-direction"' not in html
    for name in ("sender", "method", "subject"):
        tag = re.search(rf'<(?:input|select)[^>]*name="letter-{name}"[^>]*>', html)
        assert tag, name
        assert 'aria-required="true"' in tag.group(0), name
        # HTML allows ``required`` on a list only when its first choice is empty.
        if name in ("sender", "subject"):
            assert " required" in tag.group(0), name
        assert re.search(rf'<div class="required">\s*<label[^>]*for="id_letter-{name}"', html)
    summary = re.search(r'<textarea[^>]*name="letter-summary"[^>]*>', html)
    assert summary and "required" not in summary.group(0)


def test_the_notice_pair_comes_first_and_is_named(editor_client: Client, sf: Any) -> None:
    html = letter_form_html(editor_client, sf)
    ice, sib = agency("ice-secure-communities"), agency("ca-sib")
    assert recipient_ids(html)[:2] == [ice.pk, sib.pk]
    assert "ICE&#x27;s program office and this state&#x27;s SIB" in html
    assert f'data-agencies="{ice.pk} {sib.pk}"' in html
    assert str(ice) in html and str(sib) in html


def test_one_tick_sends_to_the_program_office_and_the_states_sib(
    editor_client: Client, sf: Any
) -> None:
    response = editor_client.post(
        f"/requests/{sf.pk}/letters/",
        {
            "letter-direction": "outgoing",
            "letter-sender": agency("sf-sheriff").pk,
            "letter-notice_pair": "on",
            "letter-method": "fax",
            "letter-sent_on": "2010-10-12",
            "letter-subject": "Notice to ICE and the SIB",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    letter = Letter.objects.get(subject="Notice to ICE and the SIB")
    assert set(letter.recipients.values_list("reference", flat=True)) == {
        "ice-secure-communities",
        "ca-sib",
    }


def test_the_pair_adds_to_the_recipients_ticked(editor_client: Client, sf: Any) -> None:
    other = agency("sf-sheriff")
    editor_client.post(
        f"/requests/{sf.pk}/letters/",
        {
            "letter-direction": "outgoing",
            "letter-sender": other.pk,
            "letter-notice_pair": "on",
            "letter-recipients": [agency("ca-sib").pk, other.pk],
            "letter-method": "mail",
            "letter-subject": "Copy to the sheriff",
        },
    )
    letter = Letter.objects.get(subject="Copy to the sheriff")
    assert letter.recipients.count() == 3


def test_a_date_known_only_to_the_month_is_kept_so(editor_client: Client, sf: Any) -> None:
    editor_client.post(
        f"/requests/{sf.pk}/letters/",
        {
            "letter-direction": "outgoing",
            "letter-sender": agency("sf-sheriff").pk,
            "letter-method": "mail",
            "letter-sent_on": "2010-09-17",
            "letter-sent_known_to": "month",
            "letter-subject": "Sometime in September",
        },
    )
    letter = Letter.objects.get(subject="Sometime in September")
    assert letter.sent == PartialDate.parse("2010-09")
    assert letter.sent.precision == DatePrecision.MONTH


def test_the_recipients_stay_a_short_list_at_national_scale(editor_client: Client, sf: Any) -> None:
    # Every other state's SIB, and hundreds of local agencies elsewhere.
    states = ["AL", "AK", "AZ", "AR", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN"]
    for state in states:
        AgencyFactory(name=f"{state} SIB", level="state", kind=Agency.Kind.SIB, state=state)
    AgencyFactory.create_batch(300, level="local", kind=Agency.Kind.SHERIFF)
    html = letter_form_html(editor_client, sf)
    offered = recipient_ids(html)
    assert len(offered) <= PICKER_LIMIT
    sibs = set(Agency.objects.filter(kind=Agency.Kind.SIB).values_list("pk", flat=True))
    assert [pk for pk in offered if pk in sibs] == [agency("ca-sib").pk]


def test_without_a_script_the_search_adds_any_other_recipient(
    editor_client: Client, sf: Any
) -> None:
    far = AgencyFactory(name="Office of the Governor of Alaska", kind=Agency.Kind.EXECUTIVE)
    assert far.pk not in recipient_ids(letter_form_html(editor_client, sf))
    assert far.pk in recipient_ids(letter_form_html(editor_client, sf, find_agency="Alaska"))


def test_its_script_and_style_are_static_files_of_the_app(editor_client: Client, sf: Any) -> None:
    page = editor_client.get(sf.get_absolute_url()).text
    for name in ("tracker/letter-form.js", "tracker/letter-form.css"):
        assert f"/static/{name}" in page
        assert finders.find(name), name
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", page.split("<main")[1])


def test_a_viewer_gets_neither_the_form_nor_its_script(viewer_client: Client, sf: Any) -> None:
    page = viewer_client.get(sf.get_absolute_url()).text
    assert "letter-form.js" not in page
    assert "log-letter" not in page


def test_after_an_error_the_pair_is_still_named_and_what_was_ticked_kept(
    editor_client: Client, sf: Any
) -> None:
    response = editor_client.post(
        f"/requests/{sf.pk}/letters/",
        {
            "letter-direction": "outgoing",
            "letter-sender": agency("sf-sheriff").pk,
            "letter-notice_pair": "on",
            "letter-method": "mail",
            "letter-subject": "",
        },
    )
    assert response.status_code == 400
    assert str(agency("ca-sib")) in response.text.split('name="letter-notice_pair"')[0][-600:]
    assert re.search(r'<input type="checkbox" name="letter-notice_pair"[^>]*checked', response.text)
    assert not Letter.objects.filter(subject="").exists()
