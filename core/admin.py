"""What every editors' admin page shares: saves that never overwrite someone else's
edit, history with reverts for admins, CSV export and attachment downloads.

Every save goes through :func:`core.records.record_save` and every delete
through :func:`core.records.record_delete`, so the admin follows the same
rules (validation, optimistic locking, due dates) as the API and the staff pages.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import (
    AdminFileWidget,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Max, Min, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange, ModelDelta, to_historic
from simple_history.template_utils import HistoricalRecordContextHelper

from core import idempotency, records, submissions
from core.dates import DatePrecision, PartialDateField, partial_date_stored_in
from core.downloads import attachment_response
from core.forms import IdCheckedModelMultipleChoiceField, is_id_text
from core.inputs import MAX_ID, holds_nul
from core.models import (
    ScheduledRun,
    TaskRetry,
    TrackedModel,
    WebhookDelivery,
    WebhookSubscription,
    WorkerHeartbeat,
)
from core.permissions import may_add, may_change, may_delete, may_restore_version, may_view
from core.spreadsheets import CsvSpec, csv_response

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


VERSION_FIELD = "expected_version"
#: The hidden fields of every record form, placed by TrackedAdmin.get_fieldsets.
HIDDEN = (VERSION_FIELD, submissions.FIELD)
#: The changelist template of every list: Django's, with a date drill-down that never
#: reads the table to find which years, months or days have rows.
CHANGE_LIST_TEMPLATE = "admin/core/change_list.html"
#: Bookkeeping columns left out of the history page's "what changed" column.
HISTORY_HIDDEN_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})


def partial_date_column(
    date: PartialDateField, *, description: StrOrPromise
) -> Callable[[Any, Any], str]:
    """A change-list column showing a partial date ("September 2010", "—" when unknown),
    sorted by the day it is stored as."""

    @admin.display(description=description, ordering=date.column)
    def column(model_admin: Any, obj: Any) -> str:
        return date.display(obj, unknown="—")

    return column


def current_version(instance: TrackedModel) -> int:
    """The version an edit of ``instance`` starts from.

    An instance restored from history carries its old version; a revert starts
    from the record as it is now.
    """
    if to_historic(instance) is not None:
        stored = type(instance).objects.filter(pk=instance.pk).values_list("version", flat=True)
        return stored.first() or instance.version
    return instance.version


class VersionedForm(submissions.SubmittedOnceForm, forms.ModelForm):  # type: ignore[type-arg]
    """A model form that remembers which version of the record the editor opened,
    and, when it adds one, carries the token that saves it once."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk is not None and not instance._state.adding:
            self.fields[VERSION_FIELD].initial = current_version(instance)
        if self.is_inline or not instance._state.adding:
            # Only the page's own add form carries the token: on a row or an edit it
            # would only make an untouched form look changed.
            del self.fields[submissions.FIELD]

    @cached_property
    def changed_data(self) -> list[str]:
        # The version is bookkeeping: a row nobody touched is not "changed" just
        # because someone else saved it in the meantime.
        return [name for name in super().changed_data if name != VERSION_FIELD]

    @property
    def is_inline(self) -> bool:
        return getattr(self, "_is_inline", False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        expected = cleaned.get(VERSION_FIELD)
        instance = self.instance
        is_edit = instance.pk is not None and not instance._state.adding
        if is_edit and (self.has_changed() or not self.is_inline):
            if expected is None:
                raise ValidationError(
                    "This form does not say which version of the record it was opened "
                    "at, so it cannot be saved safely. Reload the page and apply your "
                    "edits again.",
                    code="version_missing",
                )
            try:
                records.record_check_version(instance, expected_version=expected)
            except records.StaleRecord as error:
                raise ValidationError(error.message, code=error.code) from None
        return cleaned


class VersionedInlineForm(VersionedForm):
    _is_inline = True


def m2m_values(form: forms.ModelForm) -> dict[str, Sequence[models.Model]]:  # type: ignore[type-arg]
    """The many-to-many choices of a form, for :func:`records.record_save` to set."""
    return {
        field.name: list(form.cleaned_data[field.name])
        for field in form.instance._meta.many_to_many
        if field.name in form.cleaned_data
    }


class _AttachmentLink:
    """A stored file as the file widget shows it: linked to the permission-checked download."""

    def __init__(self, file: FieldFile, url: str) -> None:
        self.file = file
        self.url = url

    def __str__(self) -> str:
        return PurePath(self.file.name or "").name

    def __bool__(self) -> bool:
        return bool(self.file)


class AttachmentWidget(AdminFileWidget):
    """The file input, with the current file linked to the admin's download view
    (attachments are never served from a public URL)."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        instance = getattr(value, "instance", None)
        if isinstance(value, FieldFile) and value and instance is not None and instance.pk:
            opts = instance._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_attachment",
                args=[instance.pk, value.field.name],
            )
            context["widget"]["value"] = _AttachmentLink(value, url)
        return context


class CheckedAutocompleteMixin:
    """An autocomplete box that leaves out chosen values no row can have when it
    shows the form again: Django looks them up in the database as they are, and a NUL
    byte or an id past 64 bits fails there (a 500) instead of showing the form's error."""

    field: Any

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        target = self.field.remote_field.get_related_field()
        if isinstance(target, models.IntegerField | models.AutoField):
            value = [item for item in value if item == "" or is_id_text(item)]
        return super().optgroups(name, value, attr)  # type: ignore[misc]


class CheckedAutocompleteSelect(CheckedAutocompleteMixin, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(CheckedAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class CheckedIdsMixin:
    """Pickers of related records that refuse ids no row can have with a form error
    (see :class:`core.forms.IdCheckedModelMultipleChoiceField`)."""

    admin_site: Any

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("form_class", IdCheckedModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class VersionedInline(CheckedIdsMixin, admin.TabularInline):  # type: ignore[type-arg]
    """An inline whose rows carry their version; the parent admin saves them."""

    form = VersionedInlineForm
    extra = 0

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: Any, **kwargs: Any
    ) -> Any:
        if isinstance(db_field, models.FileField):
            kwargs["widget"] = AttachmentWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [f for f in super().get_fields(request, obj) if f != VERSION_FIELD]
        if self.has_change_permission(request, obj):
            fields.append(VERSION_FIELD)
        return fields


class NewRecordInline(VersionedInline):
    """Rows for logging new records on the parent's page; existing ones are listed
    by a sibling inline. Shown only to people who may add."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).none()

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 1

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for f in super().get_fields(request, obj) if f != VERSION_FIELD]


class ExistingRecordInline(VersionedInline):
    """The records already logged on the parent, each linked to its own page."""

    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TypedFilter(admin.ListFilter):
    """A filter to type into, instead of one link per related record.

    A list of links is fine for a status or a state; over the country's jurisdictions
    or agencies it is thousands of links on every page. The editor types a name (or
    a code) instead, and :meth:`condition` says which rows match it.
    """

    template = "admin/core/typed_filter.html"
    #: The query-string parameter holding the typed text.
    parameter_name: str = ""
    #: What to type, shown under the box.
    help_text: str = ""

    def __init__(
        self, request: HttpRequest, params: dict[str, list[str]], model: Any, model_admin: Any
    ) -> None:
        super().__init__(request, params, model, model_admin)
        if not self.parameter_name:
            raise ImproperlyConfigured(f"{type(self).__name__} does not set parameter_name.")
        if self.parameter_name in params:
            value = params.pop(self.parameter_name)
            self.used_parameters[self.parameter_name] = value[-1]

    def value(self) -> str:
        return str(self.used_parameters.get(self.parameter_name, "")).strip()

    def condition(self, text: str) -> models.Q:
        """The rows matching ``text`` (never empty)."""
        raise NotImplementedError

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return [self.parameter_name]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        text = self.value()
        return queryset.filter(self.condition(text)) if text else queryset

    def choices(self, changelist: Any) -> Any:
        # One "choice": the box itself, with the rest of the query string kept as hidden
        # fields so typing here keeps the other filters, the search and the sort.
        kept = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        ]
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value(),
            "help_text": self.help_text,
            "kept": kept,
            # {name: None} drops exactly this parameter ("remove" would drop every one
            # starting with the name, such as jurisdiction__state__exact).
            "clear_query_string": changelist.get_query_string({self.parameter_name: None}),
        }


def bounded_date_hierarchy(changelist: Any) -> dict[str, Any]:
    """The date drill-down above a changelist, without reading which dates have rows.

    Django's own asks the database for the distinct years (or months, or days) of the
    filtered rows, which reads every row of a large table. Here the years run from the
    earliest to the latest date in the table (two index lookups where the date is
    indexed), a year offers its twelve months and a month its days; a period with no
    rows simply lists nothing.
    """
    field_name = changelist.date_hierarchy
    field = get_fields_from_path(changelist.model, field_name)[-1]
    year_field, month_field, day_field = (
        f"{field_name}__year",
        f"{field_name}__month",
        f"{field_name}__day",
    )
    params = changelist.params
    year, month, day = params.get(year_field), params.get(month_field), params.get(day_field)
    # A date known only to the year (or the month) is stored as the period's first
    # day: it is offered under its year (or month), not as 1 January.
    partial = partial_date_stored_in(changelist.model, field_name)
    precision_field = f"{partial.precision_column}__exact" if partial else None
    resets = [f"{field_name}__", *([precision_field] if precision_field else [])]

    def link(filters: dict[str, Any]) -> str:
        return str(changelist.get_query_string(filters, resets))

    def only_known_to(precision: str, filters: dict[str, Any], title: str) -> list[dict[str, Any]]:
        if precision_field is None:
            return []
        return [{"link": link({**filters, precision_field: precision}), "title": title}]

    try:
        chosen = dt.date(int(year or 1), int(month or 1), int(day or 1))
    except ValueError:  # the changelist itself has refused the filter
        return {"show": False}
    context: dict[str, Any] = {"show": True, "field_name": field.verbose_name}
    if year and month and day:
        context["back"] = {
            "link": link({year_field: year, month_field: month}),
            "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
        }
        context["choices"] = [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}]
    elif year and month:
        days_in_month = calendar.monthrange(chosen.year, chosen.month)[1]
        context["back"] = {"link": link({year_field: year}), "title": str(chosen.year)}
        month_title = capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT"))
        context["choices"] = only_known_to(
            DatePrecision.MONTH,
            {year_field: year, month_field: month},
            gettext("%(month)s, day unknown") % {"month": month_title},
        ) + [
            {
                "link": link({year_field: year, month_field: month, day_field: d}),
                "title": capfirst(formats.date_format(chosen.replace(day=d), "MONTH_DAY_FORMAT")),
            }
            for d in range(1, days_in_month + 1)
        ]
    elif year:
        context["back"] = {"link": link({}), "title": gettext("All dates")}
        context["choices"] = only_known_to(
            DatePrecision.YEAR,
            {year_field: year},
            gettext("%(year)s, month unknown") % {"year": chosen.year},
        ) + [
            {
                "link": link({year_field: year, month_field: m}),
                "title": capfirst(
                    formats.date_format(chosen.replace(month=m), "YEAR_MONTH_FORMAT")
                ),
            }
            for m in range(1, 13)
        ]
    else:
        # The whole table's first and last dates, not the filtered rows': with a search
        # or a filter those would be a scan, where these are two index lookups.
        bounds = changelist.root_queryset.aggregate(first=Min(field_name), last=Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return {"show": False}
        if isinstance(field, models.DateTimeField) and timezone.is_aware(first):
            first, last = timezone.localtime(first), timezone.localtime(last)
        context["back"] = None
        context["choices"] = [
            {"link": link({year_field: str(y)}), "title": str(y)}
            for y in range(first.year, last.year + 1)
        ]
    return context


def flag_text(flag: bool, word: str) -> str:
    """A flag column's cell: the flag's word when it is raised, a dash when not.

    Django's boolean columns draw a green tick for "true", which on a flag such as
    "overdue" reads as "fine" when it means the opposite.
    """
    return word if flag else "—"


class HistoryChangesContext(HistoricalRecordContextHelper):
    """The history's "before → after" cells: an empty value reads "(empty)", not
    "None", and a foreign key that was empty not "Deleted contact (pk=None)"."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
            return gettext("(empty)")
        return super().prepare_delta_change_value(change, value)


class InputCheckingChangeList(ChangeList):
    """A changelist that refuses a NUL byte in its filters as Django's admin refuses a
    filter it cannot use (the list shows again with "?e=1", the CSV export answers
    400): PostgreSQL cannot compare text holding one, so the query would fail."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        if bad := holds_nul(request.GET):
            raise IncorrectLookupParameters(
                f"A NUL character is never valid in a filter ({', '.join(bad)})."
            )
        rows = super().get_queryset(request, exclude_parameters)
        return self._without_vaguer_dates(rows)

    def _without_vaguer_dates(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        """A month of the date drill-down lists no date known only to its year, a day
        none known only to its month: those are stored as the period's first day, and
        are listed under their year or month instead (:func:`bounded_date_hierarchy`)."""
        field_name = self.date_hierarchy
        partial = partial_date_stored_in(self.model, field_name) if field_name else None
        if partial is None:
            return rows
        vaguer = []
        if self.params.get(f"{field_name}__month"):
            vaguer.append(DatePrecision.YEAR)
        if self.params.get(f"{field_name}__day"):
            # A range of days is stored as its first day, which it may not be.
            vaguer += [DatePrecision.MONTH, DatePrecision.RANGE]
        if not vaguer:
            return rows
        return rows.exclude(**{f"{partial.precision_column}__in": vaguer})


class PageAnnotatingChangeList(InputCheckingChangeList):
    """A changelist that works out its per-row columns for the rows of the page only.

    The page is read (filtered, sorted, cut) without them, then one more query reads
    the admin's ``page_annotations`` for those rows by primary key, when the page is
    first shown (a CSV export of the list never asks). Annotated on the whole list
    instead, the database may work them out for every row of a large table before it
    keeps one page of it.
    """

    _page: Any = ()
    _shown: list[Any] | None = None

    @property
    def result_list(self) -> list[Any]:
        if self._shown is None:
            self._shown = self._with_page_annotations(list(self._page))
        return self._shown

    @result_list.setter
    def result_list(self, rows: Any) -> None:
        self._page, self._shown = rows, None

    def _with_page_annotations(self, rows: list[Any]) -> list[Any]:
        annotate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = getattr(
            self.model_admin, "page_annotations", None
        )
        if annotate is None or not rows:
            return rows
        page = annotate(self.model._default_manager.filter(pk__in=[row.pk for row in rows]))
        names = list(page.query.annotations)
        values = {found["pk"]: found for found in page.order_by().values("pk", *names)}
        for row in rows:
            # A row deleted between the two reads keeps its place, with empty columns.
            found = values.get(row.pk, {})
            for name in names:
                setattr(row, name, found.get(name))
        return rows


class BoundedChangelist:
    """What every list of the admin shares so that a page costs the same on a national
    dataset as on a county's: one count (not a second one of the whole table), no
    per-choice counts in the filters, the date drill-down of
    :func:`bounded_date_hierarchy`, and per-row columns worked out for the page only
    (:class:`PageAnnotatingChangeList`, when the admin has ``page_annotations``)."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    change_list_template = CHANGE_LIST_TEMPLATE
    #: Rows a page, as on the staff pages and in the API: rendering the admin's rows is
    #: most of a page's time once its queries are bounded.
    list_per_page = 50

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PageAnnotatingChangeList


class TrackedAdmin(CheckedIdsMixin, BoundedChangelist, SimpleHistoryAdmin):
    """Saves through the services with optimistic locking; history for everyone who
    may read the record, reverts for admins; CSV export where a spec exists."""

    form = VersionedForm

    class Media:
        # Hides the timezone warning Django's admin puts next to date-only fields.
        css = {"all": ("core/admin.css",)}

    #: The model's file fields that get a download link (attachments, documents).
    file_fields: tuple[str, ...] = ()
    #: The columns of the changelist's CSV export; no export without one.
    csv_spec: CsvSpec | None = None

    # --- Who may do what ---------------------------------------------------------

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # As Django's admin: whoever may change a record may also look at it.
        user = request.user
        return may_view(user, self.model) or may_change(user, self.model)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_add(request.user, self.model)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_change(request.user, self.model)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_delete(request.user, self.model)

    # --- Forms ----------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in HIDDEN]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        can_write = self.has_change_permission(request, obj) if obj else True
        if can_write and fieldsets:
            first_name, first_options = fieldsets[0]
            hidden = [VERSION_FIELD] if obj else [VERSION_FIELD, submissions.FIELD]
            fieldsets[0] = (
                first_name,
                {**first_options, "fields": [*first_options["fields"], *hidden]},
            )
        return fieldsets

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        used_for = getattr(request, "submission_used_for", None)
        if used_for is not None:
            # This add form's token saved another record already: show the form again
            # with what was typed, refusing to save it (SubmittedOnceForm.clean).
            form = type(form.__name__, (form,), {"used_for": used_for})
        return form

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: Any, **kwargs: Any
    ) -> Any:
        if isinstance(db_field, models.FileField):
            kwargs["widget"] = AttachmentWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- Saving -----------------------------------------------------------------

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if change:
            historic = to_historic(obj)
            if historic is not None:
                self._keep_computed_fields(obj)
            elif not form.has_changed():
                # Saving the page for its inline rows only: no new version of the record.
                return
            records.record_save(
                obj,
                by=request.user,
                expected_version=form.cleaned_data.get(VERSION_FIELD),
                m2m=m2m_values(form),
            )
        else:
            self.create_record(request, obj, form)

    def create_record(self, request: Any, obj: Any, form: Any) -> None:
        """Create a new record; models with their own opening operation override this."""
        records.record_save(obj, by=request.user, m2m=m2m_values(form))

    @staticmethod
    def _keep_computed_fields(obj: Any) -> None:
        # A revert restores what editors can edit. Fields only the services write
        # (a request's status, a letter's due date) stay as they are now.
        computed = [
            f.attname for f in obj._meta.concrete_fields if not f.editable and not f.primary_key
        ]
        current = type(obj).objects.filter(pk=obj.pk).values(*computed).first()
        if current is None:
            raise records.DomainError("This record has been deleted in the meantime.")
        for name, value in current.items():
            setattr(obj, name, value)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many choices were saved with the record by save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)  # fills new_objects, changed_objects, deleted_objects
        for obj in formset.deleted_objects:
            deleted_form = next(f for f in formset.deleted_forms if f.instance is obj)
            records.record_delete(
                obj,
                by=request.user,
                expected_version=deleted_form.cleaned_data.get(VERSION_FIELD),
            )
        saved = {id(obj) for obj in formset.new_objects} | {
            id(obj) for obj, _fields in formset.changed_objects
        }
        for inline_form in formset.forms:
            obj = inline_form.instance
            if id(obj) not in saved:
                continue
            is_new = any(obj is new for new in formset.new_objects)
            records.record_save(
                obj,
                by=request.user,
                expected_version=None if is_new else inline_form.cleaned_data.get(VERSION_FIELD),
                m2m=m2m_values(inline_form),
            )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            token = request.POST.get(submissions.FIELD, "") if request.method == "POST" else ""
            if object_id is None and token:
                return self._add_once(request, token, form_url, extra_context)
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (records.DomainError, ValidationError) as error:
            # Someone saved between the form's check and ours: the transaction
            # rolled back, so nothing of this edit was written.
            self.message_user(request, _error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _add_once(
        self,
        request: HttpRequest,
        token: str,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        """An add form sent twice (a double click on Save) adds one record: the second
        lands where the first did (core.submissions)."""
        shown: list[HttpResponse] = []

        def add() -> idempotency.Answer:
            response = super(TrackedAdmin, self).changeform_view(
                request, None, form_url, extra_context
            )
            shown.append(response)
            if isinstance(response, HttpResponseRedirect):
                return idempotency.Answer(302, {"location": response.url}, {})
            return idempotency.Answer(400, None, {})  # the form again, with its errors

        try:
            answer = submissions.claim(request, token, add)
        except idempotency.KeyRefused as refused:
            if refused.code != "idempotency_key_reused":
                # Not a token this page made: the form says it is damaged.
                return super().changeform_view(request, None, form_url, extra_context)
            request.submission_used_for = submissions.first_location(request, token)  # type: ignore[attr-defined]
            return super().changeform_view(request, None, form_url, extra_context)
        if answer.replayed:
            self.message_user(
                request,
                gettext("This form was sent more than once; the record was saved once."),
                messages.INFO,
            )
            return HttpResponseRedirect(answer.body["location"])
        return shown[0]

    # --- Deleting ---------------------------------------------------------------

    def delete_model(self, request: Any, obj: Any) -> None:
        records.record_delete(obj, by=request.user)

    def delete_queryset(self, request: Any, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            records.record_delete(obj, by=request.user)

    # --- History ----------------------------------------------------------------

    def has_change_history_permission(self, request: Any, obj: Any = None) -> bool:
        return may_restore_version(request.user, self.model)

    def history_view(self, request: Any, object_id: str, extra_context: Any = None) -> HttpResponse:
        require_valid_id(self.model, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: Any, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        require_valid_id(self.model, unquote(object_id))
        require_valid_id(self.model.history.model, unquote(version_id))
        if request.method == "POST" and not self.has_change_history_permission(request):
            raise PermissionDenied
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except (records.DomainError, ValidationError) as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def set_history_delta_changes(
        self, request: Any, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        # simple-history compares only the fields a form edits; add the ones only the
        # services write (a request's status and close date, a letter's due date).
        previous = None
        for current in historical_records:
            if previous is None:
                previous = current
                continue
            delta = previous.diff_against(current, foreign_keys_are_objs=foreign_keys_are_objs)
            computed = [
                ModelChange(f.name, getattr(current, f.attname), getattr(previous, f.attname))
                for f in previous.tracked_fields
                if not f.editable
                and f.name not in HISTORY_HIDDEN_FIELDS
                and getattr(current, f.attname) != getattr(previous, f.attname)
            ]
            if computed:
                changes = sorted([*delta.changes, *computed], key=lambda c: c.field)
                delta = ModelDelta(
                    changes, [c.field for c in changes], delta.old_record, delta.new_record
                )
            helper = self.get_historical_record_context_helper(request, previous)
            previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current
        shown = list(historical_records)
        reasons = self.history_change_reasons(shown)
        for record in shown:
            # Never "None": the reason recorded, else what the admin knows of it.
            record.history_change_reason = (
                reasons.get(record.history_id) or record.history_change_reason or ""
            )

    def get_historical_record_context_helper(
        self, request: Any, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return HistoryChangesContext(self.model, historical_record)

    def history_change_reasons(self, records: list[Any]) -> dict[Any, str]:
        """The reason of each change listed (by ``history_id``) that the history row
        itself does not hold; an admin whose records keep it elsewhere says it here."""
        return {}

    # --- Extra pages: CSV export and attachment downloads ---------------------

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            path(
                "<path:object_id>/file/<str:field_name>/",
                self.admin_site.admin_view(self.attachment_view),
                name="{}_{}_attachment".format(*info),
            ),
        ]
        return extra + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """The changelist as it is filtered, searched and sorted, as CSV."""
        spec = self.csv_spec
        if spec is None:
            raise Http404("This list has no CSV export.")
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
            rows = changelist.get_queryset(request)
        except (IncorrectLookupParameters, ValidationError) as error:
            # The changelist itself answers a bad filter by redirecting to ?e=1; a
            # download has no page to show it on, so it says what was wrong.
            # The changelist wraps the field's complaint; say the complaint itself.
            inner = error.args[0] if error.args else None
            detail = _error_text(inner if isinstance(inner, Exception) else error)
            return HttpResponse(
                f"Invalid filter: {detail} Correct the filter in the address and try again.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return csv_response(spec, rows)

    @admin.action(description=_("Export the selected %(verbose_name_plural)s as CSV"))
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponseBase:
        spec = self.csv_spec
        if spec is None:
            raise Http404("This list has no CSV export.")
        return csv_response(spec, queryset)

    def attachment_view(
        self, request: HttpRequest, object_id: str, field_name: str
    ) -> FileResponse:
        """A record's file, to people who may read the record: named after the
        record's title and 404 when missing, as on the staff pages and in the API."""
        if field_name not in self.file_fields:
            raise Http404("No such file.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return attachment_response(obj, field_name)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        opts = self.opts
        context = {
            "export_url": (
                reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
                if self.csv_spec is not None
                else None
            ),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)


def require_valid_id(model: type[models.Model], object_id: str) -> None:
    """A 404 for an address whose id could not be any row's: not a number (``abc``,
    ``1.5``), a NUL byte, or past the largest integer the database stores.

    Django's own change page answers these itself; simple-history's pages would pass
    them to the database, which fails on them (a 500)."""
    field = model._meta.pk
    assert field is not None
    try:
        value = field.to_python(object_id)
    except ValidationError:
        raise Http404("No such record.") from None
    if isinstance(value, int) and not 0 < value <= MAX_ID:
        raise Http404("No such record.")
    if isinstance(value, str) and "\x00" in value:
        raise Http404("No such record.")


def _error_text(error: Exception) -> str:
    if isinstance(error, records.DomainError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# --- Background tasks: what staff read when a task failed or the worker stopped ---------


class _ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Written by the worker and the scheduler only; staff read them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TaskRetry)
class TaskRetryAdmin(_ReadOnlyAdmin):
    list_display = ["task_path", "attempt", "error", "run_after", "result_id", "retry_of"]
    list_filter = ["task_path"]
    search_fields = ["result_id", "retry_of", "first_result_id"]
    date_hierarchy = "created_at"


@admin.register(ScheduledRun)
class ScheduledRunAdmin(_ReadOnlyAdmin):
    list_display = ["job", "slot", "claimed_by", "task_result_id"]
    list_filter = ["job"]
    date_hierarchy = "slot"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(_ReadOnlyAdmin):
    list_display = ["worker_id", "host", "pid", "started_at", "seen_at"]


# --- Webhooks: everyone's, read by admins (no role is given their permissions) -------


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(_ReadOnlyAdmin):
    list_display = ["name", "owner", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["owner"]
    search_fields = ["name", "url", "owner__username"]
    # Never the secret: it is shown to its owner once.
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnlyAdmin):
    list_display = [
        "event_type",
        "subscription",
        "created_at",
        "attempts",
        "last_status_code",
        "delivered_at",
        "failed_at",
    ]
    list_select_related = ["subscription"]
    search_fields = ["event_id"]
    date_hierarchy = "created_at"


# --- Accounts ---------------------------------------------------------------------


class AccountGroupAdmin(CheckedIdsMixin, GroupAdmin):
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return InputCheckingChangeList


class AccountUserAdmin(CheckedIdsMixin, UserAdmin):  # type: ignore[type-arg]
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return InputCheckingChangeList


# Django's own account pages, with the same check on their permission and group pickers.
for _model, _admin in ((Group, AccountGroupAdmin), (get_user_model(), AccountUserAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)

# The admin is the tracker's, not "Django administration", in every language.
admin.site.site_header = _("Opt-Out Tracker")
admin.site.site_title = _("Opt-Out Tracker admin")
admin.site.index_title = _("Records of the tracker")
