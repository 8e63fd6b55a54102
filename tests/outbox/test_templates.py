"""Letter templates: merge fields filled in, in a sandbox; bad templates refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from outbox import merge, services
from outbox.models import LetterTemplate
from tests.factories import LetterFactory
from tests.outbox.conftest import Case
from tracker.domain.mail_identity import reply_address, subject_reference

pytestmark = pytest.mark.django_db


def test_the_two_notices_are_drafted_in_one_step_one_per_agency(case: Case, editor: Any) -> None:
    drafts = services.drafts_create_notices(
        request=case.request, by=editor, today=dt.date(2010, 10, 20)
    )

    assert [d.recipient_agency for d in drafts] == [case.program_office, case.sib]
    assert [list(d.recipient_contacts.all()) for d in drafts] == [
        [case.venturella],
        [case.sib_desk],
    ]
    to_ice, to_sib = drafts
    assert to_ice.template is not None
    assert to_ice.template.kind == LetterTemplate.Kind.NOTICE_PROGRAM_OFFICE
    assert to_sib.template is not None
    assert to_sib.template.kind == LetterTemplate.Kind.NOTICE_SIB
    assert to_ice.subject.startswith(subject_reference(case.request.pk))
    assert "San Francisco, CA" in to_ice.subject
    assert "20 October 2010" in to_ice.body
    assert "Dear David Venturella," in to_ice.body
    assert "must formally notify its state identification bureau and ICE" in to_ice.body
    assert reply_address(case.request.pk) in to_ice.body
    assert "Michael Hennessey" in to_ice.body
    assert "California Department of Justice" in to_sib.body


def test_a_follow_up_cites_the_first_notice_and_how_long_it_has_waited(
    case: Case, editor: Any
) -> None:
    LetterFactory(
        request=case.request,
        recipients=[case.program_office],
        subject="Please do not activate San Francisco",
        sent_on=dt.date(2010, 5, 18),
    )
    follow_up = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    draft = services.draft_create(
        request=case.request,
        by=editor,
        recipient_agency=case.program_office,
        template=follow_up,
        today=dt.date(2010, 10, 20),
    )
    assert "no reply since 18 May 2010" in draft.subject
    assert "Please do not activate San Francisco" in draft.body
    assert "155 days ago" in draft.body


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% if %}", "does not read"),
        ("{{ jurisdiction.name|no_such_filter }}", "does not read"),
        ("{% url 'dashboard' %}", "does not read"),
        ("{% load static %}", "does not read"),
        ("{% include 'tracker/base.html' %}", "does not read"),
        ("{{ settings.SECRET_KEY }}", "Unknown merge field(s): settings"),
        ("{% for x in secrets %}{{ x }}{% endfor %}", "Unknown merge field(s): secrets"),
    ],
)
def test_a_template_that_does_not_parse_or_reaches_beyond_the_merge_fields_is_refused(
    source: str, message: str
) -> None:
    template = LetterTemplate(name="Bad", subject="Fine", body=source)
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert message in " ".join(refused.value.message_dict["body"])


def test_loop_variables_and_the_listed_fields_are_accepted() -> None:
    merge.check_template(
        "{% for step in process_steps %}{{ forloop.counter }}. {{ step }}{% endfor %}"
        "{% with who=recipient.name %}{{ who|upper }}{% endwith %}"
    )


def test_a_template_sees_plain_values_never_the_records(case: Case) -> None:
    context = merge.merge_context(
        request=case.request,
        recipient=case.program_office,
        contacts=[case.venturella],
        reply_address="r@example.org",
        reference="[OOT-1]",
        today=dt.date(2010, 10, 20),
    )

    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, str)

    assert set(context) == set(merge.MERGE_FIELDS)
    assert plain(context)


def test_a_draft_with_neither_template_nor_text_is_refused(case: Case, editor: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.draft_create(request=case.request, by=editor, recipient_agency=case.sib)
    assert "template" in refused.value.message_dict
