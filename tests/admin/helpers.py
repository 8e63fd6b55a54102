"""Helpers for the admin's tests: its addresses, and the form data a browser sends back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse


def changelist_url(model: type[models.Model]) -> str:
    """The admin list of ``model``."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj: Any) -> str:
    """The admin page of one record."""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def add_url(model: Any) -> str:
    """The admin page that adds a ``model``."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def _add_form(data: dict[str, Any], form: Any) -> None:
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None or isinstance(value, FieldFile):
            continue
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            data[bound.html_name] = value.isoformat()
        else:
            data[bound.html_name] = str(value)


def post_data(response: Any) -> dict[str, Any]:
    """What the browser would send back for an admin add or change page left as it is."""
    data: dict[str, Any] = {}
    _add_form(data, response.context["adminform"].form)
    try:
        inlines = response.context["inline_admin_formsets"]
    except KeyError:  # the page that restores an old version has no inlines
        inlines = []
    for inline in inlines:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        for form in formset.forms:
            _add_form(data, form)
    return data
