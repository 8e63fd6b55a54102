"""Merge fields: letter templates rendered in a sandbox.

A template is Django template language, run by an engine of its own: no template
loaders (``include`` and ``extends`` find nothing), no tag libraries to ``load``, and a
context of plain values (strings, lists and dictionaries of strings) built here, so a
template can read the merge fields below and nothing else: no record, no method, no
setting. A template that does not parse, or that names a merge field not in
:data:`MERGE_FIELDS`, is refused with a message saying where.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.template import (
    Context,
    Engine,
    Library,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.dates import PartialDate, format_day

#: The merge fields a template may use, with what each holds (shown to editors).
MERGE_FIELDS: dict[str, Any] = {
    "jurisdiction": _("the jurisdiction: .name, .state"),
    "request": _(
        "the request: .title, .reference (e.g. [OOT-12]), .seeks, .opened, .reply_address"
    ),
    "sender": _("the agency the letter is from (the requesting agency): .name"),
    "signatory": _("who signs (the request's contact): .name, .title"),
    "recipient": _("the agency written to: .name, .abbreviation"),
    "contacts": _("the people written to, each with .name and .title"),
    "contact_names": _("the people written to, as one line (“A and B”)"),
    "today": _("today's date, written out"),
    "process_steps": _("the opt-out steps quoted from the government's own documents"),
    "process_source": _("where those steps are quoted from"),
    "first_notice": _("the first notice to this agency: .subject, .sent, .days_waiting"),
}

#: The documented process, quoted from the government's own documents (2010).
PROCESS_STEPS = [
    "If a jurisdiction does not wish to activate on its scheduled date in the Secure "
    "Communities deployment plan, it must formally notify its state identification "
    "bureau and ICE in writing (email, letter or facsimile).",
    "Upon receipt of that information, ICE will request a meeting with federal partners, "
    "the jurisdiction, and the state to discuss any issues and come to a resolution, "
    "which may include adjusting the jurisdiction's activation date in or removing the "
    "jurisdiction from the deployment plan.",
]
PROCESS_SOURCE = (
    "ICE, “Setting the Record Straight” (August 2010); confirmed by Secretary Napolitano's "
    "letter of 7 September 2010 and Assistant Attorney General Weich's of 8 September 2010"
)

#: Built-in tags a letter has no use for, or that reach beyond its merge fields.
_LEFT_OUT_TAGS = frozenset({"url", "debug", "load", "csrf_token", "lorem"})


def _sandbox() -> Engine:
    """An engine with the built-in filters and the built-in tags but those above: no
    ``include``/``extends`` (no loader either), nothing to ``load``."""
    engine = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=False)
    tags = Library()
    tags.tags = {
        name: tag for name, tag in defaulttags.register.tags.items() if name not in _LEFT_OUT_TAGS
    }
    tags.filters = dict(defaultfilters.register.filters)
    engine.template_builtins = [tags]
    return engine


#: The engine every template runs in.
_ENGINE = _sandbox()


def _parse(source: str) -> Template:
    try:
        return _ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError(
            gettext("The template does not read: %(error)s"),
            code="template_syntax",
            params={"error": error},
        ) from None


def _names_used(template: Template) -> set[str]:
    """The first part of every variable printed or looped over, less those a ``for`` or a
    ``with`` defines."""
    defined = {"forloop"}
    used: set[str] = set()
    loop: Any
    for loop in template.nodelist.get_nodes_by_type(ForNode):
        defined.update(loop.loopvars)
        used.update(_expression_names(loop.sequence))
    block: Any
    for block in template.nodelist.get_nodes_by_type(WithNode):
        defined.update(block.extra_context)
        for expression in block.extra_context.values():
            used.update(_expression_names(expression))
    printed: Any
    for printed in template.nodelist.get_nodes_by_type(VariableNode):
        used.update(_expression_names(printed.filter_expression))
    return used - defined


def _expression_names(expression: Any) -> set[str]:
    variable = getattr(expression, "var", None)
    lookups = getattr(variable, "lookups", None)
    return {lookups[0]} if lookups else set()


def check_template(source: str) -> None:
    """Raise ``ValidationError`` unless ``source`` parses and names only merge fields."""
    template = _parse(source)
    unknown = sorted(_names_used(template) - set(MERGE_FIELDS))
    if unknown:
        raise ValidationError(
            gettext("Unknown merge field(s): %(names)s. Available: %(available)s."),
            code="unknown_merge_field",
            params={"names": ", ".join(unknown), "available": ", ".join(MERGE_FIELDS)},
        )


def render(source: str, context: dict[str, Any]) -> str:
    """``source`` rendered with ``context`` (from :func:`merge_context`)."""
    check_template(source)
    try:
        return _parse(source).render(Context(context, autoescape=False))
    except Exception as error:  # a filter given a value it cannot take, e.g. |add:"x"
        raise ValidationError(
            gettext("The template could not be filled in: %(error)s"),
            code="template_render",
            params={"error": error},
        ) from None


@dataclass(frozen=True)
class Person:
    name: str
    title: str


def _and_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return gettext("%(first)s and %(last)s") % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }


def merge_context(
    *,
    request: Any,
    recipient: Any,
    contacts: list[Any],
    reply_address: str,
    reference: str,
    today: dt.date,
    first_notice: Any = None,
) -> dict[str, Any]:
    """The merge fields for a letter on ``request`` to ``recipient``: plain values only.

    ``first_notice`` is the first letter sent to that agency on the request (for a
    follow-up), or None.
    """
    jurisdiction = request.jurisdiction
    sender = request.requesting_agency
    signatory = request.requested_by
    opened: PartialDate | None = request.opened
    notice: dict[str, str] = {}
    if first_notice is not None:
        sent: PartialDate | None = first_notice.sent
        notice = {
            "subject": first_notice.subject,
            "sent": sent.display() if sent else gettext("date unknown"),
            "days_waiting": str((today - sent.latest).days) if sent else "",
        }
    people = [{"name": c.name, "title": c.title} for c in contacts]
    return {
        "jurisdiction": {"name": jurisdiction.name, "state": jurisdiction.state},
        "request": {
            "title": request.title,
            "reference": reference,
            "seeks": str(request.get_seeks_display()),
            "opened": opened.display() if opened else "",
            "reply_address": reply_address,
        },
        "sender": {"name": sender.name if sender else jurisdiction.name},
        "signatory": {
            "name": signatory.name if signatory else "",
            "title": signatory.title if signatory else "",
        },
        "recipient": {"name": recipient.name, "abbreviation": recipient.abbreviation},
        "contacts": people,
        "contact_names": _and_list([p["name"] for p in people]),
        "today": format_day(today),
        "process_steps": list(PROCESS_STEPS),
        "process_source": PROCESS_SOURCE,
        "first_notice": notice,
    }
