"""The admin's date drill-down that never reads a whole table (see
:func:`core.admin.bounded_date_hierarchy`)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template.base import Parser, Token

from core.admin import bounded_date_hierarchy

register = template.Library()


@register.tag(name="bounded_date_hierarchy")
def bounded_date_hierarchy_tag(parser: Parser, token: Token) -> InclusionAdminNode:
    return InclusionAdminNode(
        "bounded_date_hierarchy",
        parser,
        token,
        func=bounded_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
