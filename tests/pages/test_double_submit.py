"""A creating form sent twice (a double click, a re-sent form, a second tab) saves once.

Each form the request page and the statements page show carries a one-time token;
the second POST with it lands on the record the first one saved.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from jurisdictions.models import Agency
from tests.conftest import sign_in
from tests.threads import at_once
from tracker.domain import services
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement

pytestmark = pytest.mark.django_db


def _agency(reference: str) -> int:
    return Agency.objects.get(reference=reference).pk


def _letter() -> dict[str, Any]:
    return {
        "letter-direction": "outgoing",
        "letter-sender": _agency("sf-sheriff"),
        "letter-recipients": [_agency("ice-secure-communities"), _agency("ca-sib")],
        "letter-method": "fax",
        "letter-sent_on": "2010-10-12",
        "letter-subject": "Third request not to be activated",
    }


def _response() -> dict[str, Any]:
    return {
        "response-agency": _agency("ice-secure-communities"),
        "response-kind": "acknowledged",
        "response-responded_on": "2010-10-20",
        "response-summary": "Received.",
    }


def _meeting() -> dict[str, Any]:
    return {"meeting-status": "planned", "meeting-place": "San Francisco"}


def _statement() -> dict[str, Any]:
    return {
        "statement-speaker": "ICE spokesperson",
        "statement-agency": _agency("ice-secure-communities"),
        "statement-stated_on": "2010-10-06",
        "statement-medium": "news_report",
        "statement-position": "impossible",
        "statement-quote": "Participation is not optional.",
    }


#: (form prefix, where it is shown, where it posts, its data, what it creates)
FORMS: dict[str, tuple[str, str, Callable[[], dict[str, Any]], type[Any]]] = {
    "letter": ("request", "letters/", _letter, Letter),
    "response": ("request", "replies/", _response, AgencyResponse),
    "meeting": ("request", "meetings/", _meeting, Meeting),
    "statement": ("statements", "", _statement, Statement),
}


@pytest.fixture
def sf(record_2010: None) -> OptOutRequest:
    return OptOutRequest.objects.get(reference="san-francisco-2010")


def _urls(kind: str, sf: OptOutRequest) -> tuple[str, str]:
    page, suffix, _, _ = FORMS[kind]
    if page == "statements":
        return "/statements/", "/statements/"
    return sf.get_absolute_url(), f"/requests/{sf.pk}/{suffix}"


def _token(html: str, kind: str) -> str:
    match = re.search(rf'name="{kind}-submission" value="([0-9a-f]+)"', html)
    assert match, f"the {kind} form carries no submission token"
    return match[1]


def _shown_form(client: Client, kind: str, sf: OptOutRequest) -> tuple[str, dict[str, Any]]:
    page, target = _urls(kind, sf)
    data = FORMS[kind][2]()
    data[f"{kind}-submission"] = _token(client.get(page).content.decode(), kind)
    return target, data


@pytest.mark.parametrize("kind", list(FORMS))
def test_a_form_sent_twice_saves_one_record_and_both_land_on_it(
    editor_client: Client, sf: OptOutRequest, kind: str
) -> None:
    model = FORMS[kind][3]
    before = model.objects.count()
    target, data = _shown_form(editor_client, kind, sf)
    first = editor_client.post(target, data)
    second = editor_client.post(target, data)
    assert model.objects.count() == before + 1
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    said = [str(message) for message in get_messages(second.wsgi_request)]
    assert any("sent more than once; it was saved once" in text for text in said), said


def test_each_showing_of_a_form_has_its_own_token(editor_client: Client, sf: OptOutRequest) -> None:
    page = sf.get_absolute_url()
    tokens = {_token(editor_client.get(page).content.decode(), "letter") for _ in range(3)}
    assert len(tokens) == 3


def test_two_forms_shown_apart_save_two_records(editor_client: Client, sf: OptOutRequest) -> None:
    before = Letter.objects.count()
    for _ in range(2):
        target, data = _shown_form(editor_client, "letter", sf)
        assert editor_client.post(target, data).status_code == 302
    assert Letter.objects.count() == before + 2


def test_a_refused_form_keeps_its_token_usable_once_corrected(
    editor_client: Client, sf: OptOutRequest
) -> None:
    before = Letter.objects.count()
    target, data = _shown_form(editor_client, "letter", sf)
    refused = editor_client.post(target, {**data, "letter-subject": ""})
    assert refused.status_code == 400
    assert editor_client.post(target, data).status_code == 302
    assert editor_client.post(target, data).status_code == 302
    assert Letter.objects.count() == before + 1


def test_the_same_form_sent_again_with_other_values_saves_nothing_and_says_where_the_first_is(
    editor_client: Client, sf: OptOutRequest
) -> None:
    target, data = _shown_form(editor_client, "letter", sf)
    first = editor_client.post(target, data)
    saved = Letter.objects.latest("pk")
    before = Letter.objects.count()
    changed = {**data, "letter-subject": "Another letter altogether"}
    again = editor_client.post(target, changed)
    assert again.status_code == 400
    assert Letter.objects.count() == before
    html = again.content.decode()
    assert "already used to save a record, with other values" in html
    assert f'href="{first["Location"]}"' in html.replace("&amp;", "&")
    assert f"letter-{saved.pk}" in first["Location"]
    # The form comes back with what was typed and a fresh token: sending it saves it.
    renewed = _token(html, "letter")
    assert renewed != data["letter-submission"]
    assert "Another letter altogether" in html
    assert editor_client.post(target, {**changed, "letter-submission": renewed}).status_code == 302
    assert Letter.objects.count() == before + 1


@pytest.mark.parametrize("token", ["not-a-token", "0" * 31, "g" * 32, "\x00" * 32])
def test_a_damaged_token_is_a_form_error_and_saves_nothing(
    editor_client: Client, sf: OptOutRequest, token: str
) -> None:
    before = Letter.objects.count()
    target, data = _shown_form(editor_client, "letter", sf)
    response = editor_client.post(target, {**data, "letter-submission": token})
    assert response.status_code == 400
    assert Letter.objects.count() == before


def test_a_token_is_the_signed_in_persons_own(
    editor_client: Client, sf: OptOutRequest, django_user_model: Any
) -> None:
    """Another editor sending a form with the same token saves their own record."""
    target, data = _shown_form(editor_client, "letter", sf)
    editor_client.post(target, data)
    colleague = django_user_model.objects.get(username="editor")
    colleague.pk = None
    colleague.username = "colleague"
    colleague.save()
    colleague.groups.set(django_user_model.objects.get(username="editor").groups.all())
    other = Client()
    other.force_login(colleague)
    before = Letter.objects.count()
    assert other.post(target, data).status_code == 302
    assert Letter.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_the_same_moment_save_one_record(editor: Any, record_2010: None) -> None:
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    client = Client()
    client.force_login(editor)
    target, data = _shown_form(client, "letter", sf)
    before = Letter.objects.count()

    def send() -> int:
        sender = Client()
        sender.force_login(editor)
        return int(sender.post(target, data).status_code)

    statuses = at_once(send, send)
    assert statuses == [302, 302], statuses
    assert Letter.objects.count() == before + 1


def test_save_clicked_again_while_the_first_click_is_answered_logs_one_letter(
    browser_page: Any, editor: Any, record_2010: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow answer and an impatient second click: the browser sends the form again."""
    page = browser_page
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    log_letter = services.letter_log

    def slowly(**values: Any) -> Letter:
        time.sleep(1.5)
        return log_letter(**values)

    monkeypatch.setattr(services, "letter_log", slowly)
    before = Letter.objects.count()
    sign_in(page, "editor", "pw-editor")
    page.goto(sf.get_absolute_url())
    page.get_by_text("Log a letter").click()
    form = page.locator("#log-letter form")
    form.get_by_label("Subject").fill("Sent with a second click")
    form.get_by_label("Sent", exact=True).fill("2010-10-12")
    save = form.get_by_role("button", name="Save the letter")
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    assert box is not None
    # The mouse itself, as a person clicks: nothing waits for the first answer.
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(500)
    page.mouse.click(x, y)
    # The second click aborts the first navigation; waiting on navigations could catch
    # that abort, so wait for the page the browser ends up on instead.
    deadline = time.monotonic() + 15
    while not re.search(r"new=letter-\d+", page.url):
        assert time.monotonic() < deadline, f"still on {page.url}"
        page.wait_for_timeout(100)
    page.wait_for_load_state()
    time.sleep(2)  # both answers are in
    assert Letter.objects.filter(subject="Sent with a second click").count() == 1
    assert Letter.objects.count() == before + 1
