"""Hostile input on every surface: never a server error, always a clear refusal, nothing
written.

The corpus (:mod:`tests.hostile_corpus`) holds wrong values by the kind of field they
are aimed at. These tests find the surfaces themselves, so a new endpoint, form or
page is covered without being listed here:

- every API resource from the router (create and update of every writable field,
  bodies of the wrong shape, hostile ids in every address, hostile values in every
  filter of every list);
- every staff form on the pages (each field in turn);
- every admin add and change form (each field in turn), and the admin's addresses
  and list filters;
- every other named address of the site, with hostile ids in its path.

Each field gets a few of its kind's values, picked so that over the whole run every
value is sent. The expected answers: a 400 whose ``errors`` names the field (API), a
4xx page showing a form error (staff pages), the admin's form with the field's error,
a 404 for an id no row can have, and the same row counts before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import quote

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from rest_framework import serializers
from rest_framework.test import APIClient

from core.dates import validate_not_future
from core.forms import PartialDateField as FormPartialDateField
from tests import hostile_corpus as corpus
from tests.admin.helpers import post_data
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    EventFactory,
    HolidayFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    SourceFactory,
    StatementFactory,
)
from tracker.api.fields import PartialDateField as ApiPartialDateField
from tracker.api.urls import router
from tracker.domain import services
from tracker.models import Letter, OptOutRequest

#: Dates of things that have happened: refused in the future on every surface.
HAPPENED = {
    "sent_on",
    "received_on",
    "responded_on",
    "stated_on",
    "opened_on",
    "held_on",
    "happened_on",
    "published_on",
}
#: Values of each kind sent to each field (the corpus rotates which).
PER_FIELD = 3
#: Apps whose rows must not change when input is refused.
COUNTED_APPS = ("tracker", "jurisdictions", "core", "auth")


@pytest.fixture
def world(admin_user: Any, editor: Any) -> dict[str, Any]:
    """One record of every kind, each with what the others refer to."""
    jurisdiction = JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    sheriff = AgencyFactory(name="Sheriff", level="local", kind="sheriff")
    contact = ContactFactory(agency=sheriff)
    request = RequestFactory(jurisdiction=jurisdiction)
    letter = LetterFactory(request=request, sender=sheriff)
    response = ResponseFactory(request=request, agency=sheriff, letter=letter)
    meeting = MeetingFactory(request=request)
    statement = StatementFactory(agency=sheriff)
    holiday = HolidayFactory()
    event = EventFactory(jurisdictions=[jurisdiction], requests=[request])
    services.calendar_token_create(user=editor)
    thread = services.thread_open(by=editor, title="Lofgren", requests=[cast(Any, request)])
    thread_letter = services.thread_letter_log(
        by=editor, thread=thread, sender="Rep. Lofgren", recipients="DHS", subject="S"
    )
    return {
        "thread": thread,
        "thread-letter": thread_letter,
        "jurisdiction": jurisdiction,
        "agency": sheriff,
        "contact": contact,
        "request": request,
        "letter": letter,
        "response": response,
        "meeting": meeting,
        "statement": statement,
        "holiday": holiday,
        "event": event,
        "source": SourceFactory(),
        "transition": request.transitions.first(),
    }


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in COUNTED_APPS
        for model in apps.get_app_config(label).get_models()
    }


def no_server_error(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


# --- The API ---------------------------------------------------------------------------


def _api_kind(field: serializers.Field) -> str | None:  # type: ignore[type-arg]
    if isinstance(field, serializers.ManyRelatedField):
        return "ids"
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return "id"
    if isinstance(field, serializers.BooleanField):
        return "bool"
    if isinstance(field, serializers.IntegerField):
        return "int"
    if isinstance(field, ApiPartialDateField | serializers.DateField):
        return "date"
    if isinstance(field, serializers.FileField):
        return "file"
    if isinstance(field, serializers.URLField):
        return "url"
    if isinstance(field, serializers.ChoiceField):
        return "choice"
    if isinstance(field, serializers.CharField | serializers.SlugRelatedField):
        return "text"
    return None


def _base_bodies(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A valid body to create each resource: only the field under test is wrong."""
    agency = world["agency"].pk
    request = world["request"].pk
    return {
        "jurisdiction": {"name": "Hostile County", "kind": "county", "state": "VA"},
        "agency": {"name": "Hostile Agency", "level": "local", "kind": "sheriff"},
        "contact": {"name": "Pat Doe", "agency": agency},
        "request": {"jurisdiction": world["jurisdiction"].pk, "title": "Hostile request"},
        "letter": {"request": request, "sender": agency, "subject": "S", "sent_on": "2010-09-07"},
        "response": {"request": request, "agency": agency, "kind": "acknowledged"},
        "meeting": {"request": request, "status": "held", "held_on": "2010-10-01"},
        "statement": {
            "speaker": "An official",
            "agency": agency,
            "medium": "letter",
            "quote": "Q",
            "position": "possible",
        },
        "thread": {"title": "Hostile thread", "requests": [request]},
        "thread-letter": {
            "thread": world["thread"].pk,
            "sender": "Rep. Lofgren",
            "recipients": "DHS",
            "subject": "S",
        },
        "event": {"kind": "vote", "title": "A council's vote"},
        "source": {"title": "Napolitano Confirms There Is No Opt-Out Option"},
    }


def _writable_resources() -> Iterator[tuple[str, Any]]:
    for _prefix, viewset, basename in router.registry:
        # API tokens and webhooks are not records (one owner, no history), and drafts are
        # written through actions, not edited: their own tests refuse bad input
        # (tests/api/test_api_tokens.py, test_api_webhooks.py, tests/outbox/test_api.py).
        if basename in ("token", "webhook", "draft"):
            continue
        if "create" in dir(viewset) and hasattr(viewset, "serializer_class"):
            yield basename, viewset


def _refused_naming(response: Any, field: str, what: str) -> None:
    no_server_error(response, what)
    assert response.status_code == 400, f"{what}: {response.status_code} {response.content[:300]!r}"
    body = response.json()
    assert field in body["errors"], f"{what}: {body}"


def test_api_writes_refuse_every_hostile_value_by_field_name(
    api: APIClient, world: dict[str, Any]
) -> None:
    before = row_counts()
    bodies = _base_bodies(world)
    covered = set()
    for basename, viewset in _writable_resources():
        covered.add(basename)
        base = bodies[basename]
        fields = viewset.serializer_class(context={"request": None}).fields
        record = world[basename]
        url = reverse(f"api:{basename}-list")
        detail = reverse(f"api:{basename}-detail", kwargs={"pk": record.pk})
        etag = api.get(detail)["ETag"]
        for index, (name, field) in enumerate(fields.items()):
            kind = _api_kind(field)
            if field.read_only or kind is None:
                continue
            values = corpus.json_values(
                kind, max_length=getattr(field, "max_length", None), happened=name in HAPPENED
            )
            for value in corpus.pick(values, index, PER_FIELD + 1):
                what = f"POST {url} {name}={value!r:.60}"
                _refused_naming(api.post(url, {**base, name: value}, format="json"), name, what)
            for value in corpus.pick(values, index + 1, 1):
                what = f"PATCH {detail} {name}={value!r:.60}"
                response = api.patch(detail, {name: value}, format="json", HTTP_IF_MATCH=etag)
                _refused_naming(response, name, what)
    assert covered == set(bodies), "a resource has no base body here"
    assert row_counts() == before


def test_api_bodies_of_the_wrong_shape_are_a_400(api: APIClient, world: dict[str, Any]) -> None:
    before = row_counts()
    targets: list[tuple[str, str]] = []
    for basename, _viewset in _writable_resources():
        targets.append(("post", reverse(f"api:{basename}-list")))
        detail = reverse(f"api:{basename}-detail", kwargs={"pk": world[basename].pk})
        targets += [("patch", detail), ("put", detail)]
    request = world["request"].pk
    targets += [
        ("post", url.replace("/987654321/", f"/{request}/"))
        for method, url in _api_routes()
        if method == "post"
    ]
    for index, (method, url) in enumerate(targets):
        for body in corpus.pick(corpus.WRONG_BODIES, index, 3):
            response = getattr(api, method)(
                url, body, content_type="application/json", HTTP_IF_MATCH='"1"'
            )
            no_server_error(response, f"{method} {url} {body[:40]!r}")
            assert 400 <= response.status_code < 500, (method, url, body[:40])
            assert response.json()["code"], response.content
    assert row_counts() == before


def test_api_moves_refuse_hostile_values(api: APIClient, world: dict[str, Any]) -> None:
    before = row_counts()
    url = reverse("api:request-transition", kwargs={"pk": world["request"].pk})
    cases = {
        "to": corpus.JSON_CHOICE,
        "note": (*corpus.JSON_TEXT, corpus.overlong(5000)),
        "letter": corpus.JSON_ID,
        "response": corpus.JSON_ID,
    }
    for name, values in cases.items():
        for value in values:
            body = {"to": "notice_sent", name: value}
            response = api.post(url, body, format="json", HTTP_IF_MATCH='"1"')
            _refused_naming(response, name, f"move {name}={value!r:.40}")
    assert row_counts() == before


def _api_routes() -> Iterator[tuple[str, str]]:
    """Every route of the API with an id in its address, reversed with a marker id."""
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            methods = router.get_method_map(viewset, route.mapping)
            if "{lookup}" not in route.url or not methods:
                continue
            name = route.name.format(basename=basename)
            for method in sorted(methods):
                yield method, reverse(f"api:{name}", kwargs={"pk": 987654321})


def test_api_addresses_with_ids_no_row_can_have_are_a_404(
    api: APIClient, world: dict[str, Any]
) -> None:
    before = row_counts()
    routes = list(_api_routes())
    assert len(routes) > 20
    for index, (method, url) in enumerate(routes):
        for bad in corpus.pick(corpus.ADDRESS_IDS, index, 3):
            address = url.replace("/987654321/", f"/{bad}/")
            response = getattr(api, method)(address, {}, format="json", HTTP_IF_MATCH='"1"')
            no_server_error(response, f"{method} {address}")
            assert response.status_code in {400, 403, 404, 405}, (method, address, response)
    assert row_counts() == before


def test_api_list_filters_refuse_or_ignore_hostile_values(
    api: APIClient, client: Client, world: dict[str, Any]
) -> None:
    seen = 0
    for _prefix, viewset, basename in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        names = list(filterset.base_filters) if filterset else []
        names += ["page", "page_size", "cursor", "ordering", "format"]
        for route in router.get_routes(viewset):
            methods = router.get_method_map(viewset, route.mapping)
            if "{lookup}" in route.url or "get" not in methods:
                continue
            url = reverse(f"api:{route.name.format(basename=basename)}")
            for index, name in enumerate(names):
                for value in corpus.pick(corpus.QUERY_VALUES, index + seen, 2):
                    seen += 1
                    query = f"?{name}={quote(value, safe='')}"
                    no_server_error(api.get(url + query), f"GET {url}{query[:80]}")
                    if seen % 5 == 0:  # the anonymous reader's answers too
                        no_server_error(client.get(url + query), f"anonymous GET {url}{query}")
    assert seen > 100


def test_api_disguised_uploads(api: APIClient, world: dict[str, Any]) -> None:
    before = row_counts()
    base = _base_bodies(world)
    for basename, field in (("letter", "attachment"), ("response", "attachment")):
        url = reverse(f"api:{basename}-list")
        for upload in (corpus.exe_named_pdf(), corpus.empty_pdf()):
            body = {key: value for key, value in base[basename].items()}
            response = api.post(url, {**body, field: upload}, format="multipart")
            _refused_naming(response, field, f"{url} {upload.name}")
    url = reverse("api:statement-list")
    response = api.post(url, {**base["statement"], "document": corpus.exe_named_pdf()})
    _refused_naming(response, "document", "statement document")
    assert row_counts() == before
    # HTML that says it is a PDF is text: kept as plain text, never served as HTML.
    url = reverse("api:letter-list")
    response = api.post(url, {**base["letter"], "attachment": corpus.html_sent_as_pdf()})
    assert response.status_code == 201, response.content
    letter = Letter.objects.get(pk=response.json()["id"])
    assert (letter.attachment.name or "").endswith(".txt")
    download = api.get(reverse("api:letter-attachment", kwargs={"pk": letter.pk}))
    assert download["Content-Type"].startswith("text/plain")


# --- The staff pages -------------------------------------------------------------------


def _form_kind(field: forms.Field) -> str | None:
    if isinstance(field, forms.ModelMultipleChoiceField):
        return "ids"
    if isinstance(field, forms.ModelChoiceField):
        return "id"
    if isinstance(field, FormPartialDateField | forms.DateField):
        return "date"
    if isinstance(field, forms.IntegerField):
        return "int"
    if isinstance(field, forms.FileField):
        return "file"
    if isinstance(field, forms.URLField):
        return "url"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    if isinstance(field, forms.CharField):
        return "text"
    return None


def _hostile_form_values(
    name: str, field: forms.Field, seed: int, count: int, *, happened: bool | None = None
) -> list[Any]:
    """Values ``field`` must refuse; a date in the future only where the date has happened."""
    kind = _form_kind(field)
    if kind is None:
        return []
    if kind == "file":
        return [corpus.exe_named_pdf()]
    max_length = getattr(field, "max_length", None)
    if kind == "text" and max_length is None:
        return [corpus.NUL]  # no limit to pass (a password, a search)
    happened = name in HAPPENED if happened is None else happened
    values = corpus.form_values(kind, max_length=max_length, happened=happened)
    return corpus.pick(values, seed, count)


def _errors_shown(response: Any) -> set[str]:
    """The fields of every form on the page that show an error."""
    named: set[str] = set()
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, forms.BaseForm) and value.is_bound:
                named |= set(value.errors)
    return named


def _staff_forms(world: dict[str, Any]) -> list[tuple[str, type[forms.Form], dict[str, Any]]]:
    from tracker.pages import forms as page_forms

    request: OptOutRequest = world["request"]
    agency = str(world["agency"].pk)
    pk = {"pk": request.pk}
    return [
        (
            reverse("request-letter-create", kwargs=pk),
            page_forms.OutgoingLetterForm,
            {"sender": agency, "method": "mail", "subject": "S"},
        ),
        (
            reverse("request-response-create", kwargs=pk),
            page_forms.IncomingForm,
            {"agency": agency, "kind": "acknowledged"},
        ),
        (
            reverse("record-edit", kwargs={"kind": "letter", "pk": world["letter"].pk}),
            page_forms.LetterEditForm,
            {
                "direction": "outgoing",
                "sender": agency,
                "method": "mail",
                "subject": "S",
                "version": str(world["letter"].version),
            },
        ),
        (
            reverse("request-meeting-create", kwargs=pk),
            page_forms.MeetingForm,
            {"status": "held", "held_on": "2010-10-01"},
        ),
        (
            reverse("request-move", kwargs=pk),
            page_forms.TransitionForm,
            {"to": "notice_sent", "version": str(request.version)},
        ),
        (
            reverse("statements"),
            page_forms.StatementForm,
            {
                "speaker": "An official",
                "agency": agency,
                "medium": "letter",
                "position": "possible",
                "quote": "Q",
            },
        ),
        (reverse("threads"), page_forms.ThreadForm, {"title": "Lofgren"}),
        (
            reverse("thread-detail", kwargs={"pk": world["thread"].pk}),
            page_forms.ThreadLetterForm,
            {
                "sender": "Rep. Lofgren",
                "recipients": "DHS",
                "subject": "S",
                "sender_agency": agency,
            },
        ),
    ]


def test_staff_forms_show_an_error_for_every_hostile_value(
    editor_client: Client, world: dict[str, Any]
) -> None:
    before = row_counts()
    for url, form_class, base in _staff_forms(world):
        prefix = form_class.prefix
        assert prefix is not None
        for index, (name, field) in enumerate(form_class.base_fields.items()):
            for value in _hostile_form_values(name, field, index, PER_FIELD):
                data = {f"{prefix}-{key}": item for key, item in {**base, name: value}.items()}
                response = editor_client.post(url, data)
                what = f"POST {url} {name}={value!r:.60}"
                no_server_error(response, what)
                assert 400 <= response.status_code < 500, what
                if field.widget.is_hidden:  # no box to mark: the page says what was wrong
                    assert b'class="errorlist' in response.content, what
                else:
                    assert name in _errors_shown(response), what
    assert row_counts() == before


def test_staff_actions_with_hostile_values(editor_client: Client, world: dict[str, Any]) -> None:
    before = row_counts()
    for kind in ("request", "letter", "statement"):
        url = reverse("record-publish", kwargs={"kind": kind, "pk": world[kind].pk})
        for value in (*corpus.FORM_INT, corpus.NUL):
            for data in ({"public": "true", "version": value}, {"public": value, "version": "1"}):
                response = editor_client.post(url, data)
                no_server_error(response, f"publish {kind} {data}")
                assert 400 <= response.status_code < 500, (kind, data)
                assert b"errorlist" in response.content
    for value in (corpus.NUL, "x" * 5000, "create\x00"):
        response = editor_client.post(reverse("calendar"), {"action": value})
        assert response.status_code == 400, value
    reopen = reverse("request-reopen", kwargs={"pk": world["request"].pk})
    for value in corpus.FORM_INT:
        response = editor_client.post(reopen, {"move-version": value, "move-note": "n"})
        assert 400 <= response.status_code < 500, value
    assert row_counts() == before


def test_staff_disguised_uploads(editor_client: Client, world: dict[str, Any]) -> None:
    before = row_counts()
    url = reverse("request-letter-create", kwargs={"pk": world["request"].pk})
    data = {
        "letter-direction": "outgoing",
        "letter-sender": str(world["agency"].pk),
        "letter-method": "mail",
        "letter-subject": "S",
    }
    for upload in (corpus.exe_named_pdf(), corpus.empty_pdf()):
        response = editor_client.post(url, {**data, "letter-attachment": upload})
        assert response.status_code == 400
        assert "attachment" in _errors_shown(response)
    assert row_counts() == before


# --- The admin -------------------------------------------------------------------------


def _admin_record(model: type[Any], world: dict[str, Any], admin_user: Any) -> Any:
    for record in world.values():
        if isinstance(record, model):
            return record
    return model._default_manager.order_by("pk").first()


def test_admin_forms_show_an_error_for_every_hostile_value(
    admin_user: Any, world: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(admin_user)
    before = row_counts()
    checked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        record = _admin_record(model, world, admin_user)
        pages = []
        if model_admin.has_add_permission(_request_as(admin_user)):
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        if record is not None:
            pages.append(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
            )
        # A meeting's date may be planned, so only columns that refuse the future get one.
        happened_columns = {
            field.name for field in opts.fields if validate_not_future in field.validators
        }
        for page_index, url in enumerate(pages):
            page = client.get(url)
            assert page.status_code == 200, url
            if "adminform" not in page.context:
                continue
            form = page.context["adminform"].form
            base = post_data(page)
            for index, (name, field) in enumerate(form.fields.items()):
                if field.disabled:
                    continue
                for value in _hostile_form_values(
                    name, field, index + page_index, 1, happened=name in happened_columns
                ):
                    response = client.post(url, {**base, form[name].html_name: value})
                    what = f"POST {url} {name}={value!r:.60}"
                    no_server_error(response, what)
                    assert response.status_code == 200, f"{what}: {response.status_code}"
                    errors = response.context["adminform"].form.errors
                    if field.widget.is_hidden:  # the form says it at its top
                        assert errors, what
                    else:
                        assert name in errors, f"{what}: {errors}"
                    checked += 1
    assert checked > 60
    assert row_counts() == before


def _request_as(user: Any) -> Any:
    from django.test import RequestFactory as HttpRequestFactory

    request = HttpRequestFactory().get("/")
    request.user = user
    return request


def test_admin_addresses_and_filters_with_hostile_values(
    admin_user: Any, viewer_client: Client, world: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(admin_user)
    before = row_counts()
    for index, (model, model_admin) in enumerate(admin.site._registry.items()):
        opts = model._meta
        prefix = f"/admin/{opts.app_label}/{opts.model_name}/"
        for bad in corpus.pick(corpus.ADDRESS_IDS, index, 4):
            for tail in ("change/", "history/", "delete/", "history/1/", "file/attachment/"):
                for who in (client, viewer_client):
                    response = who.get(f"{prefix}{bad}/{tail}")
                    no_server_error(response, f"{prefix}{bad}/{tail}")
                    assert response.status_code in {302, 403, 404}, (prefix, bad, tail)
        changelist = model_admin.get_changelist_instance(_request_as(admin_user))
        names = ["q", "o", "p", "e", "_to_field", "all"]
        names += [key for spec in changelist.filter_specs for key in spec.expected_parameters()]
        for name_index, name in enumerate(names):
            for value in corpus.pick(corpus.QUERY_VALUES, index + name_index, 2):
                query = f"?{quote(name)}={quote(value, safe='')}"
                response = client.get(prefix + query)
                no_server_error(response, prefix + query[:80])
                if model_admin.csv_spec if hasattr(model_admin, "csv_spec") else False:
                    export = client.get(f"{prefix}export.csv{query}")
                    no_server_error(export, f"{prefix}export.csv{query[:80]}")
    assert row_counts() == before


def test_admin_disguised_uploads(admin_user: Any, world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(admin_user)
    before = row_counts()
    letter = world["letter"]
    url = reverse("admin:tracker_letter_change", args=[letter.pk])
    base = post_data(client.get(url))
    for upload in (corpus.exe_named_pdf(), corpus.empty_pdf()):
        response = client.post(url, {**base, "attachment": upload})
        assert response.status_code == 200
        assert "attachment" in response.context["adminform"].form.errors
    letter.refresh_from_db()
    assert not letter.attachment
    assert row_counts() == before


# --- Every other address ---------------------------------------------------------------


def _named_routes(
    resolver: URLResolver | None = None, namespace: str = "", params: frozenset[str] = frozenset()
) -> Iterator[tuple[str, frozenset[str]]]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        names = frozenset(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_routes(pattern, inner, params | names)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, params | names


def _hostile_addresses() -> Iterator[tuple[str, str]]:
    """Every named address outside the admin and the API (walked above) whose path
    takes a value, reversed with a marker in each place, as (name, address)."""
    marker = "987654321"
    for name, params in sorted(set(_named_routes())):
        if name.startswith(("admin:", "api:")) or not params or "format" in params:
            continue
        try:
            url = reverse(name, kwargs={param: marker for param in params})
        except NoReverseMatch:
            url = reverse(name, kwargs={param: "request" for param in params})
        yield name, url


def test_every_address_with_a_value_no_row_can_have_is_a_404(
    editor_client: Client, client: Client, world: dict[str, Any]
) -> None:
    before = row_counts()
    addresses = list(_hostile_addresses())
    assert len(addresses) >= 10, addresses
    for index, (name, url) in enumerate(addresses):
        for bad in corpus.pick(corpus.ADDRESS_IDS, index, 4):
            address = url.replace("987654321", bad)
            for who in (editor_client, Client()):
                response = who.get(address)
                no_server_error(response, f"{name} {address}")
                assert response.status_code in {302, 400, 404, 405}, (name, address, response)
    for url in ("/calendar/%00.ics", "/calendar/x%00y.ics", "/public/jurisdictions/%00/"):
        assert client.get(url).status_code == 404, url
    assert row_counts() == before


def test_page_queries_with_hostile_values(editor_client: Client, world: dict[str, Any]) -> None:
    pages = [
        reverse("dashboard"),
        reverse("requests"),
        reverse("letters"),
        reverse("statements"),
        reverse("search"),
        reverse("milestones"),
        reverse("request-detail", kwargs={"pk": world["request"].pk}),
        reverse("jurisdiction-detail", kwargs={"pk": world["jurisdiction"].pk}),
        reverse("public-index"),
        reverse("public-search"),
        reverse("public-statements"),
    ]
    names = ["q", "page", "status", "jurisdiction", "agency", "state", "sent_after", "order"]
    names += ["find_agency", "public", "overdue", "days_past", "days_ahead", "mine", "sort"]
    for index, url in enumerate(pages):
        for name_index, name in enumerate(names):
            for value in corpus.pick(corpus.QUERY_VALUES, index + name_index, 2):
                query = f"?{name}={quote(value, safe='')}"
                response = editor_client.get(url + query)
                no_server_error(response, url + query[:80])


def test_a_far_future_date_is_refused_on_every_surface(
    api: APIClient, editor_client: Client, admin_user: Any, world: dict[str, Any]
) -> None:
    """The one rule (core.dates.validate_not_future) reaches the API, the staff form,
    the admin and the services the importers use."""
    future = corpus.far_future()
    before = row_counts()
    response = api.post(
        reverse("api:letter-list"), {**_base_bodies(world)["letter"], "sent_on": future}
    )
    _refused_naming(response, "sent_on", "API")
    page = editor_client.post(
        reverse("request-letter-create", kwargs={"pk": world["request"].pk}),
        {
            "letter-direction": "outgoing",
            "letter-sender": str(world["agency"].pk),
            "letter-method": "mail",
            "letter-subject": "S",
            "letter-sent_on": future,
        },
    )
    assert "sent_on" in _errors_shown(page)
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:tracker_letter_change", args=[world["letter"].pk])
    response = client.post(url, {**post_data(client.get(url)), "sent_on": future})
    assert "sent_on" in response.context["adminform"].form.errors
    from django.core.exceptions import ValidationError

    from core.dates import PartialDate

    with pytest.raises(ValidationError) as refused:
        services.letter_log(
            request=world["request"],
            by=admin_user,
            sender=world["agency"],
            subject="S",
            sent_on=PartialDate(dt.date.fromisoformat(future)),
        )
    assert "sent_on" in refused.value.message_dict
    assert row_counts() == before
