"""The API's quick reads and JSON give exactly what DRF's own loop and encoder give."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import serializers as drf
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.dates import DatePrecision, PartialDate
from jurisdictions.models import Agency, Contact, Jurisdiction
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.api import reading, serializers, views
from tracker.api.renderers import OrjsonRenderer
from tracker.domain import selectors, services
from tracker.models import AgencyResponse, Letter, Meeting, Statement, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(editor: Any, letter_with_pdf: Letter) -> None:
    """Records with every kind of value the representations show: empty and missing
    values, dates of each precision, files, links to other records, owners."""
    office = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE, reply_window_days=10)
    parent = AgencyFactory(name="DHS")
    office.parent = parent
    office.save()
    contact = ContactFactory(agency=office, email="a@example.org", phone="555")
    ContactFactory(agency=None, jurisdiction=JurisdictionFactory())
    optout = services.request_open(
        jurisdiction=JurisdictionFactory(fips=None), title="Ünïcode “quotes”", by=editor
    )
    optout.owner = editor
    optout.save()
    sent = LetterFactory(
        request=optout,
        recipients=[office, parent],
        sent_on=PartialDate(dt.date(2010, 9, 1), DatePrecision.MONTH),
        summary="Line\u2028separator",
    )
    sent.recipient_contacts.set([contact])
    LetterFactory(
        request=optout,
        direction=Letter.Direction.INCOMING,
        sender=office,
        in_reply_to=sent,
        sent_on=None,
        received_on=PartialDate(dt.date(2010, 1, 1), DatePrecision.YEAR),
    )
    ResponseFactory(request=optout, letter=sent, agency=office)
    ResponseFactory(responded_on=None)
    meeting = MeetingFactory(
        request=optout, status=Meeting.Status.HELD, held_on=dt.date(2010, 11, 2)
    )
    meeting.agencies.set([office, parent])
    meeting.attendees.set([contact])
    MeetingFactory()
    StatementFactory(stated_on=None, agency=parent)
    StatementFactory(agency=office, speaker_contact=contact)
    services.request_transition(request=optout, to="notice_sent", by=editor)


def _context() -> dict[str, Any]:
    """What a list view gives its serializer: the request (for absolute links)."""
    return {"request": Request(APIRequestFactory().get("/api/v1/"), authenticators=[])}


CASES: list[tuple[type[drf.ModelSerializer[Any]], Callable[[], QuerySet[Any]]]] = [
    (serializers.JurisdictionSerializer, Jurisdiction.objects.all),
    (serializers.AgencySerializer, Agency.objects.all),
    (serializers.ContactSerializer, Contact.objects.all),
    (serializers.RequestSerializer, views.request_queryset),
    (serializers.LetterSerializer, views.letter_queryset),
    (serializers.ResponseSerializer, AgencyResponse.objects.all),
    (serializers.MeetingSerializer, Meeting.objects.all),
    (serializers.StatementSerializer, Statement.objects.all),
    (serializers.TransitionSerializer, Transition.objects.select_related("by").all),
]


@pytest.mark.parametrize(("serializer_class", "rows"), CASES, ids=[c[0].__name__ for c in CASES])
def test_every_record_reads_as_drfs_own_loop_reads_it(
    records: None,
    serializer_class: type[drf.ModelSerializer[Any]],
    rows: Callable[[], QuerySet[Any]],
) -> None:
    listed = serializer_class(list(rows()), many=True, context=_context())
    child: Any = listed.child
    instances = (
        list(selectors.with_deadlines(rows()))
        if serializer_class is serializers.LetterSerializer
        else list(rows())
    )
    assert len(instances) >= 2
    for instance in instances:
        quick = reading.FastRepresentation.to_representation(child, instance)
        drfs = drf.ModelSerializer.to_representation(child, instance)
        assert quick == drfs
        assert list(quick) == list(drfs)  # the same keys in the same order


@pytest.mark.parametrize("serializer_class", [case[0] for case in CASES])
def test_the_fields_kept_per_class_are_the_fields_drf_works_out(
    serializer_class: type[drf.ModelSerializer[Any]],
) -> None:
    kept = serializer_class().get_fields()
    worked_out = drf.ModelSerializer.get_fields(serializer_class())
    assert repr(kept) == repr(worked_out)
    assert kept is not serializer_class().get_fields()


def test_each_serializer_changes_only_its_own_copy_of_the_fields(editor: Any) -> None:
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    optout.owner = editor
    editor.is_staff = False  # has left the staff: still the owner this request may keep
    keeping: Any = serializers.RequestSerializer(optout).fields["owner"]
    fresh: Any = serializers.RequestSerializer().fields["owner"]
    assert keeping.queryset is not fresh.queryset
    assert str(keeping.queryset.query) != str(fresh.queryset.query)


def test_a_field_that_skips_itself_is_left_out_as_drf_leaves_it_out(editor: Any) -> None:
    class Skipping(reading.FastRepresentation, drf.ModelSerializer[Agency]):
        missing = drf.CharField(source="no_such_attribute", required=False)

        class Meta:
            model = Agency
            fields = ["id", "missing"]

    agency = AgencyFactory()
    assert (
        Skipping(agency).data
        == {"id": agency.pk}
        == dict(drf.ModelSerializer.to_representation(Skipping(), agency))
    )


# --- JSON --------------------------------------------------------------------------------


def _awkward_values() -> dict[Any, Any]:
    return {
        "text": 'Ünïcode “quotes” \u2028 \u2029 \x00 \x1f \x7f \t\n"\\ / </script>',
        "numbers": [0, -1, 2**53, 1.5, 0.1, True, False, None],
        "when": timezone.make_aware(dt.datetime(2010, 9, 7, 12, 30, 15, 123456), dt.UTC),
        "local": timezone.localtime(timezone.make_aware(dt.datetime(2010, 9, 7, 12, 0), dt.UTC)),
        "naive": dt.datetime(2010, 9, 7, 12, 0),
        "day": dt.date(2010, 9, 7),
        "hour": dt.time(9, 30),
        "span": dt.timedelta(days=2),
        "decimal": decimal.Decimal("1.10"),
        "uuid": uuid.UUID(int=2010),
        "lazy": gettext_lazy("Letters"),
        "nested": {"tuple": (1, "two"), "empty": [], "none": {}},
        7: "an integer key",
        "errors": drf.ValidationError({"name": ["Required."]}).detail,
    }


def test_the_json_is_drfs_json_byte_for_byte() -> None:
    data = _awkward_values()
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_json_asked_for_indented_is_indented_as_drf_indents_it() -> None:
    data = {"a": [1, {"b": "c"}]}
    media_type = "application/json; indent=4"
    indented = OrjsonRenderer().render(data, media_type)
    assert indented == JSONRenderer().render(data, media_type)
    assert b"\n    " in indented


def test_nothing_renders_as_no_body() -> None:
    assert OrjsonRenderer().render(None) == b""


def test_a_number_beyond_64_bits_is_still_encoded() -> None:
    data = {"big": 2**70}
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_a_list_answer_is_the_json_drfs_renderer_gives(reader: Any, records: None) -> None:
    answer = reader.get("/api/v1/letters/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer.content == JSONRenderer().render(answer.json())


def test_the_browsable_api_still_answers_a_browser(reader: Any, records: None) -> None:
    page = reader.get("/api/v1/letters/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "&quot;count&quot;: " in page.content.decode()
