"""The editors' admin for requests, correspondence, meetings and statements.

Status never changes by editing a field: a request's change page offers the
moves the workflow allows now (one button each) and the changelist has a bulk
action; both call :func:`tracker.domain.services.request_transition`. Every other
save and delete goes through the services too (see :mod:`core.admin`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import to_historic

from core.admin import (
    BoundedChangelist,
    ExistingRecordInline,
    NewRecordInline,
    TrackedAdmin,
    flag_text,
    partial_date_column,
    require_valid_id,
)
from core.dates import PartialDate
from core.forms import PartialDateField
from jurisdictions.admin.filters import agency_filter, jurisdiction_filter
from tracker.domain import exports, publishing, selectors, services
from tracker.domain.permissions import (
    may_move,
    may_see_reminders_and_calendar_addresses,
    people_who_may_own_requests,
)
from tracker.domain.selectors import LetterFlag
from tracker.domain.workflow import STATE_DESCRIPTIONS, State, missing_reason
from tracker.models import (
    AgencyResponse,
    CalendarToken,
    CorrespondenceThread,
    Event,
    Holiday,
    Letter,
    Meeting,
    OptOutRequest,
    ReminderLog,
    Source,
    Statement,
    ThreadLetter,
    Transition,
)
from tracker.pages.forms import TransitionForm

#: A move writes its history row and its transition in one transaction, a moment apart.
MOVE_WRITTEN_WITHIN = dt.timedelta(seconds=2)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Overdue, as the selectors define it ------------------------------------------------


class _LetterFlagFilter(admin.SimpleListFilter):
    """Yes/no on a letter's flag (overdue, very overdue); on requests, whether the request
    has a letter with the flag. The rule itself lives in the selectors, never here."""

    flag: ClassVar[LetterFlag]
    on_requests = False
    yes_label: StrOrPromise = ""
    no_label: StrOrPromise = ""

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("yes", "no"):
            return queryset
        value = self.value() == "yes"
        if self.on_requests:
            return selectors.requests_with_flag(queryset, self.flag, value=value)
        return selectors.letters_with_flag(queryset, self.flag, value=value)


class LetterOverdueFilter(_LetterFlagFilter):
    title = _("overdue")
    parameter_name = "overdue"
    flag = "overdue"
    yes_label, no_label = _("Overdue"), _("Not overdue")


class RequestOverdueFilter(LetterOverdueFilter):
    title = _("overdue letters")
    on_requests = True
    yes_label, no_label = _("Has an overdue letter"), _("No overdue letter")


class LetterVeryOverdueFilter(_LetterFlagFilter):
    title = _("very overdue")
    parameter_name = "very_overdue"
    flag = "very_overdue"
    yes_label, no_label = _("Very overdue (past twice the window)"), _("Not very overdue")


class RequestVeryOverdueFilter(LetterVeryOverdueFilter):
    title = _("very overdue letters")
    on_requests = True
    yes_label, no_label = _("Has a very overdue letter"), _("No very overdue letter")


class PublishWarningMixin:
    """Says on a change page when an item marked public will not show on the public pages
    (its request is not public), or when a request hides items marked public."""

    def render_change_form(
        self,
        request: Any,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if obj is not None and obj.pk is not None and request.method == "GET":
            for warning in publish_warnings(obj):
                messages.warning(request, warning)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )


def publish_warnings(obj: Any) -> list[str]:
    return _hidden_warnings(obj) + publishing.citation_warnings(obj)


def _hidden_warnings(obj: Any) -> list[str]:
    if obj.is_public and not selectors.is_published(obj):
        return [
            gettext(
                "This item is marked public but is not shown on the public pages: its request "
                "“%(request)s” is not public. Mark the request public to publish it."
            )
            % {"request": obj.request}
        ]
    if isinstance(obj, OptOutRequest):
        hidden = selectors.hidden_by_their_request(obj)
        if hidden:
            return [
                gettext(
                    "%(hidden)s letter(s), response(s) or meeting(s) of this request are marked "
                    "public but are not shown on the public pages, because the request is not "
                    "public."
                )
                % {"hidden": hidden}
            ]
    return []


# --- Inlines on a request's page ---------------------------------------------------


class _OfThisRequest:
    """Choices of letters limited to the request being edited."""

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        request._tracker_parent_request = obj
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name in {"letter", "in_reply_to"}:
            parent = getattr(request, "_tracker_parent_request", None)
            kwargs["queryset"] = (
                Letter.objects.filter(request=parent) if parent else Letter.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class LetterInline(ExistingRecordInline):
    model = Letter
    verbose_name_plural = "Letters"
    fields = (
        "subject",
        "direction",
        "method",
        *Letter.sent.columns,
        *Letter.received.columns,
        "attachment",
        "sender",
        "recipient_list",
        "due_on",
    )
    readonly_fields = ("sender", "recipient_list", "due_on")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Letter]:
        return super().get_queryset(request).select_related("sender").prefetch_related("recipients")

    @admin.display(description=_("recipients"))
    def recipient_list(self, obj: Letter) -> str:
        return ", ".join(str(agency) for agency in obj.recipients.all()) or "—"


class NewLetterInline(_OfThisRequest, NewRecordInline):
    model = Letter
    verbose_name = "new letter"
    verbose_name_plural = "Log a letter"
    template = "admin/edit_inline/stacked.html"
    fields = (
        "direction",
        "sender",
        "sender_contact",
        "recipients",
        "method",
        Letter.sent.columns,
        Letter.received.columns,
        "subject",
        "summary",
        "attachment",
        "in_reply_to",
        "is_public",
    )
    autocomplete_fields = ("sender", "sender_contact", "recipients")


class ResponseInline(ExistingRecordInline):
    model = AgencyResponse
    verbose_name_plural = "Responses"
    fields = (
        "agency",
        "letter",
        "kind",
        *AgencyResponse.responded.columns,
        "attachment",
    )
    readonly_fields = ("agency", "letter")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgencyResponse]:
        return super().get_queryset(request).select_related("agency", "letter")


class NewResponseInline(_OfThisRequest, NewRecordInline):
    model = AgencyResponse
    verbose_name = "new response"
    verbose_name_plural = "Record a response"
    template = "admin/edit_inline/stacked.html"
    fields = (
        "agency",
        "letter",
        "kind",
        AgencyResponse.responded.columns,
        "summary",
        "attachment",
        "is_public",
    )
    autocomplete_fields = ("agency",)


class MeetingInline(ExistingRecordInline):
    model = Meeting
    verbose_name_plural = "Meetings"
    fields = ("status", *Meeting.held.columns, "place", "who_attended")
    readonly_fields = ("who_attended",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        return super().get_queryset(request).prefetch_related("agencies", "attendees")

    @admin.display(description=_("who attended"))
    def who_attended(self, obj: Meeting) -> str:
        names = [str(a) for a in obj.agencies.all()] + [str(c) for c in obj.attendees.all()]
        return ", ".join(names) or "—"


class NewMeetingInline(NewRecordInline):
    model = Meeting
    verbose_name = "new meeting"
    verbose_name_plural = "Record a meeting"
    template = "admin/edit_inline/stacked.html"
    fields = (
        "status",
        Meeting.held.columns,
        "place",
        "agencies",
        "attendees",
        "outcome",
        "is_public",
    )
    autocomplete_fields = ("agencies", "attendees")


class TransitionInline(admin.TabularInline):  # type: ignore[type-arg]
    """The status log, read-only: only the services write it."""

    model = Transition
    verbose_name_plural = "Status log"
    # When the move happened, and when it was entered ("at").
    fields = ("happened", "at", "from_state", "to_state", "by", "note", "letter", "response")
    readonly_fields = fields

    happened = partial_date_column(Transition.happened, description=_("happened"))
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Transition]:
        return super().get_queryset(request).select_related("by", "letter", "response__agency")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Requests ------------------------------------------------------------------------


class TransitionActionForm(helpers.ActionForm):
    """The changelist's action bar, with the target state and note of a bulk move."""

    transition_to = forms.ChoiceField(
        label=_("Move to"), required=False, choices=[("", "---------"), *State.choices]
    )
    transition_note = forms.CharField(label=_("Note"), required=False, max_length=500)
    transition_happened = PartialDateField(
        label=_("Happened on"),
        required=False,
        help_text=_("When the moves happened; today when empty."),
    )


def _annotate_requests(queryset: QuerySet[OptOutRequest]) -> QuerySet[OptOutRequest]:
    return selectors.with_request_flags(selectors.with_facts(queryset))


@admin.register(OptOutRequest)
class OptOutRequestAdmin(PublishWarningMixin, TrackedAdmin):
    csv_spec = exports.REQUESTS
    list_display = (
        "title",
        "jurisdiction",
        "status_label",
        "opened",
        "days_waiting",
        "has_overdue_letter",
        "has_very_overdue_letter",
        "next_steps",
        "checklist_progress",
    )
    list_filter = (
        "status",
        RequestOverdueFilter,
        RequestVeryOverdueFilter,
        "jurisdiction__state",
        jurisdiction_filter("jurisdiction"),
        agency_filter(
            "requesting_agency", title="requesting agency", parameter_name="requesting_agency"
        ),
        "seeks",
        "is_public",
        "basis",
    )
    search_fields = ("title", "reference__exact", "jurisdiction__name", "summary", "outcome")
    date_hierarchy = "opened_on"
    autocomplete_fields = ("jurisdiction", "requesting_agency", "requested_by", "sources")
    list_select_related = ("jurisdiction",)
    readonly_fields = ("status_label", "closed_on", "checklist_display")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "jurisdiction",
                    "seeks",
                    "requesting_agency",
                    "requested_by",
                    "owner",
                    "summary",
                    OptOutRequest.opened.columns,
                )
            },
        ),
        (
            "Workflow",
            {"fields": ("status_label", "closed_on", "checklist_display", "outcome")},
        ),
        (
            "Publishing and sources",
            {
                "fields": (
                    "is_public",
                    "sources",
                    "basis",
                    "inference",
                    "source",
                    "notes",
                    "reference",
                )
            },
        ),
    )
    inlines = (
        LetterInline,
        NewLetterInline,
        ResponseInline,
        NewResponseInline,
        MeetingInline,
        NewMeetingInline,
        TransitionInline,
    )
    action_form = TransitionActionForm
    actions = ("export_selected", "apply_transition")
    object_history_template = "admin/tracker/optoutrequest/object_history.html"

    # The workflow facts and flags of each request, for the page's rows only: worked
    # out for all 20,000 requests before sorting, they cost seconds.
    page_annotations = staticmethod(_annotate_requests)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # a new request starts as a draft: nothing to show about its workflow
            fieldsets = [fs for fs in fieldsets if fs[0] != "Workflow"]
        return fieldsets

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "owner":
            kwargs["queryset"] = people_who_may_own_requests()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        owner_field = form.base_fields.get("owner")
        if obj is not None and obj.owner_id is not None and owner_field is not None:
            owner_field.queryset = people_who_may_own_requests(keeping=obj.owner)
        return form

    # --- Columns ------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: OptOutRequest) -> str:
        return obj.get_status_display()

    opened = partial_date_column(OptOutRequest.opened, description=_("opened"))

    @admin.display(description=_("days waiting"))
    def days_waiting(self, obj: OptOutRequest) -> int | None:
        """Days since the oldest letter still awaiting a reply was sent."""
        return selectors.days_waiting(selectors.waiting_since(obj))

    @admin.display(description=_("overdue"))
    def has_overdue_letter(self, obj: Any) -> str:
        return flag_text(bool(obj.flag_has_overdue), pgettext("flag", "Overdue"))

    @admin.display(description=_("very overdue"))
    def has_very_overdue_letter(self, obj: Any) -> str:
        return flag_text(bool(obj.flag_has_very_overdue), pgettext("flag", "Very overdue"))

    def history_change_reasons(self, records: list[Any]) -> dict[Any, str]:
        """A move's note, kept on its transition, as the reason of the history row the
        move wrote: a row whose status differs from the row before, by the same person
        at the same moment. (The rows' ``status`` holds the label shown, see ``status``.)"""
        if not records:
            return {}
        moments = [record.history_date for record in records]
        transitions = list(
            Transition.objects.filter(
                request_id=records[0].id,
                at__gte=min(moments) - MOVE_WRITTEN_WITHIN,
                at__lte=max(moments) + MOVE_WRITTEN_WITHIN,
            )
            .exclude(note="")
            .only("at", "by_id", "note")
        )
        reasons: dict[Any, str] = {}
        # Newest first: the row below each one is the version it changed.
        for record, older in zip(records, [*records[1:], None], strict=True):
            if older is not None and older.status == record.status:
                continue
            matching = [
                t
                for t in transitions
                if t.by_id == record.history_user_id
                and abs(t.at - record.history_date) <= MOVE_WRITTEN_WITHIN
            ]
            if matching:
                nearest = min(matching, key=lambda t: abs(t.at - record.history_date))
                reasons[record.history_id] = nearest.note
        return reasons

    @admin.display(description=_("next steps"))
    def next_steps(self, obj: OptOutRequest) -> str:
        steps = selectors.request_next_steps(obj)
        return ", ".join(str(edge.target.label) for edge in steps) or "—"

    @admin.display(description=_("documented process"))
    def checklist_progress(self, obj: OptOutRequest) -> str:
        items = selectors.request_checklist(obj)
        return f"{sum(item.done for item in items)}/{len(items)}"

    @admin.display(description=_("documented process"))
    def checklist_display(self, obj: OptOutRequest) -> str:
        if obj.pk is None:
            return "—"
        return format_html_join(
            "",
            "<div>{} {}</div>",
            (("✔" if item.done else "✘", item.label) for item in selectors.request_checklist(obj)),
        )

    # --- Opening -----------------------------------------------------------------

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        """A restored version's fields are saved as any edit; its status, which only
        the workflow changes, is then restored through the workflow's move
        (``services.request_restore_status``), or the whole restore is refused."""
        if not change or to_historic(obj) is None:
            super().save_model(request, obj, form, change)
            return
        restored_status, restored_version = obj.status, obj.version
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.request_restore_status(
                request=obj,
                to=restored_status,
                by=request.user,
                version=restored_version,
                expected_version=obj.version,
            )

    def create_record(self, request: Any, obj: OptOutRequest, form: Any) -> None:
        created = services.request_open(
            jurisdiction=obj.jurisdiction,
            title=obj.title,
            by=request.user,
            seeks=obj.seeks,
            summary=obj.summary,
            requesting_agency=obj.requesting_agency,
            requested_by=obj.requested_by,
            owner=obj.owner,
            opened_on=obj.opened,
            is_public=obj.is_public,
            notes=obj.notes,
            source=obj.source,
            reference=obj.reference,
        )
        # The admin goes on with the object it built (inlines, messages, redirect).
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    # --- Deleting ----------------------------------------------------------------

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """What deleting the requests takes with it, for the confirmation page.

        The status log cannot be deleted row by row (see TransitionAdmin), but it is
        part of its request: whoever may delete the request deletes its log with it.
        The confirmation page still lists every log entry that goes.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Transition._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    # --- Moving ------------------------------------------------------------------

    def has_move_permission(self, request: HttpRequest) -> bool:
        """Who sees and may use the bulk move (the action names "move")."""
        return may_move(request.user)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: Any,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if obj is not None and obj.pk is not None:
            context["workflow"] = self.workflow_context(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_context(self, request: HttpRequest, obj: OptOutRequest) -> dict[str, Any]:
        if not hasattr(obj, "fact_has_sent_letter"):
            # One query for the facts that both lists below read.
            facts = selectors.with_facts(OptOutRequest.objects.filter(pk=obj.pk))
            for name, value in facts.values(*facts.query.annotations).get().items():
                setattr(obj, name, value)
        allowed = selectors.request_next_steps(obj)
        blocked = selectors.request_blocked_steps(obj)
        can_move = may_move(request.user)
        return {
            "state": obj.state,
            "description": STATE_DESCRIPTIONS.get(obj.state, ""),
            "next_steps": allowed,
            "blocked": blocked,
            "can_move": can_move,
            "can_reopen": can_move and obj.is_closed,
            "letters": list(obj.letters.all()) if can_move else [],
            "responses": list(obj.responses.select_related("agency")) if can_move else [],
            "form": TransitionForm(request=obj, initial={"version": obj.version}),
            "url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_transition", args=[obj.pk]
            ),
        }

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such request.")
        if not may_move(request.user):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        form = TransitionForm(request.POST, request=obj, asks_reason=True)
        if not form.is_valid() and "version" in form.errors:
            # Only a hand-made POST lacks the version (the page always sends it).
            text = " ".join(str(e) for e in form.errors["version"])
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(change_url)
        data = form.cleaned_data
        try:
            if data["reopen"]:
                services.request_reopen(
                    request=obj,
                    by=request.user,
                    note=data["note"],
                    expected_version=data["version"],
                    happened=data["happened"],
                )
            else:
                services.request_transition(
                    request=obj,
                    to=data["to"],
                    by=request.user,
                    note=data["note"],
                    letter=data["letter"],
                    response=data["response"],
                    expected_version=data["version"],
                    happened=data["happened"],
                )
        except services.DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("%(request)s is now %(state)s.")
                % {"request": obj, "state": obj.get_status_display()},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)

    @admin.action(
        description=_("Move the selected requests to the state chosen in “Move to”"),
        permissions=["move"],
    )
    def apply_transition(self, request: HttpRequest, queryset: QuerySet[OptOutRequest]) -> None:
        target = request.POST.get("transition_to", "")
        note = request.POST.get("transition_note", "")
        if not target:
            self.message_user(
                request, gettext("Choose the state in “Move to” first."), messages.ERROR
            )
            return
        if missing := missing_reason(target=target, reopening=False, note=note):
            self.message_user(request, str(missing), messages.ERROR)
            return
        date_field = PartialDateField(required=False)
        try:
            happened = date_field.clean(request.POST.get("transition_happened", ""))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        moved: list[str] = []
        for optout in queryset.select_related(None).order_by("pk"):
            try:
                # A bulk move applies to each request as it is now: the version is the
                # one just read, so a move made in between is still never overwritten.
                services.request_transition(
                    request=optout,
                    to=target,
                    by=request.user,
                    note=note,
                    expected_version=optout.version,
                    happened=happened,
                )
            except services.DomainError as error:
                self.message_user(request, f"{optout}: {error.message}", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, f"{optout}: {' '.join(error.messages)}", messages.ERROR)
            else:
                moved.append(str(optout))
        if moved:
            self.message_user(
                request,
                gettext("Moved to %(state)s: %(requests)s.")
                % {"state": State(target).label, "requests": "; ".join(moved)},
                messages.SUCCESS,
            )

    # --- History -------------------------------------------------------------------

    history_list_display = ("status",)

    def status(self, record: Any) -> str:
        """The history page's status column: each version's status by its label (the
        column is named after the field, so the "what changed" column reads labels too)."""
        return str(State(record.status).label)

    def history_view(self, request: Any, object_id: str, extra_context: Any = None) -> Any:
        require_valid_id(self.model, unquote(object_id))
        context = {"related_history": related_history(unquote(object_id)), **(extra_context or {})}
        return super().history_view(request, object_id, context)


def _history_label(record: Any) -> str:
    # Read from the history row itself: no query for the agency or the request.
    if hasattr(record, "subject"):
        return str(record.subject)
    if hasattr(record, "kind"):
        return str(record.get_kind_display())
    return f"Meeting ({record.get_status_display().lower()})"


def related_history(request_id: str) -> list[dict[str, Any]]:
    """The history of the letters, responses and meetings of a request, newest first."""
    entries: list[dict[str, Any]] = []
    kinds = {"+": "added", "~": "changed", "-": "deleted"}
    for model in (Letter, AgencyResponse, Meeting):
        history: Any = model.history
        records = history.filter(request_id=request_id).select_related("history_user")
        for record in records.order_by("-history_date")[:200]:
            entries.append(
                {
                    "at": record.history_date,
                    "by": record.history_user,
                    "what": model._meta.verbose_name,
                    "label": _history_label(record),
                    "change": kinds.get(record.history_type, record.history_type),
                    "url": reverse(
                        f"admin:tracker_{model._meta.model_name}_history", args=[record.id]
                    ),
                }
            )
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries


# --- Letters -------------------------------------------------------------------------


@admin.register(Letter)
class LetterAdmin(PublishWarningMixin, TrackedAdmin):
    csv_spec = exports.LETTERS
    list_display = (
        "subject",
        "request",
        "direction",
        "sender",
        "sent",
        "recipient_list",
        "due_on",
        "days_waiting",
        "is_overdue",
        "is_very_overdue",
    )
    list_filter = (
        "direction",
        "method",
        LetterOverdueFilter,
        LetterVeryOverdueFilter,
        "request__status",
        "request__jurisdiction__state",
        jurisdiction_filter("request__jurisdiction"),
        agency_filter("sender", title="sender", parameter_name="sender"),
        "is_public",
        "basis",
    )
    # One pass over the letters' own text and the exact reference (indexed); the
    # sender and the jurisdiction have their own filters, which use indexes.
    search_fields = ("subject", "summary", "reference__exact")
    date_hierarchy = "sent_on"
    autocomplete_fields = (
        "request",
        "sender",
        "sender_contact",
        "recipients",
        "recipient_contacts",
        "in_reply_to",
        "sources",
    )
    list_select_related = ("request", "sender")
    readonly_fields = ("due_explanation", "very_overdue_explanation")
    actions = ("export_selected",)
    file_fields = ("attachment",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "request",
                    "direction",
                    "sender",
                    "sender_contact",
                    "recipients",
                    "recipient_contacts",
                    "method",
                    Letter.sent.columns,
                    Letter.received.columns,
                    "subject",
                    "summary",
                    "attachment",
                    "in_reply_to",
                    "due_explanation",
                    "very_overdue_explanation",
                )
            },
        ),
        (
            "Publishing and sources",
            {
                "fields": (
                    "is_public",
                    "sources",
                    "basis",
                    "inference",
                    "source",
                    "notes",
                    "reference",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Letter]:
        return selectors.with_letter_flags(
            super().get_queryset(request).prefetch_related("recipients")
        )

    sent = partial_date_column(Letter.sent, description=_("sent"))

    @admin.display(description=_("recipients"))
    def recipient_list(self, obj: Letter) -> str:
        return ", ".join(str(agency) for agency in obj.recipients.all()) or "—"

    @admin.display(description=_("days waiting"))
    def days_waiting(self, obj: Letter) -> int | None:
        if not selectors.flag_of(obj, "awaiting_reply"):
            return None
        return selectors.days_waiting(obj.sent)

    @admin.display(description=_("overdue"), ordering="flag_overdue")
    def is_overdue(self, obj: Letter) -> str:
        return flag_text(selectors.flag_of(obj, "overdue"), pgettext("flag", "Overdue"))

    @admin.display(description=_("very overdue"), ordering="flag_very_overdue")
    def is_very_overdue(self, obj: Letter) -> str:
        return flag_text(selectors.flag_of(obj, "very_overdue"), pgettext("flag", "Very overdue"))

    @admin.display(description=_("reply due"))
    def due_explanation(self, obj: Letter) -> str:
        deadline = selectors.deadline_of(obj) if obj.pk is not None else None
        return deadline.explanation if deadline else "— (only letters sent by the jurisdiction)"

    @admin.display(description=_("very overdue after"))
    def very_overdue_explanation(self, obj: Letter) -> str:
        deadline = selectors.deadline_of(obj) if obj.pk is not None else None
        return deadline.very_overdue_explanation if deadline else "—"


# --- Responses, meetings, statements, the status log ------------------------------------


@admin.register(AgencyResponse)
class AgencyResponseAdmin(PublishWarningMixin, TrackedAdmin):
    list_display = ("__str__", "request", "agency", "kind", "responded", "letter")
    list_filter = (
        "kind",
        agency_filter("agency"),
        "request__jurisdiction__state",
        jurisdiction_filter("request__jurisdiction"),
        "is_public",
        "basis",
    )
    search_fields = ("summary", "reference__exact", "request__title")
    date_hierarchy = "responded_on"
    autocomplete_fields = ("request", "letter", "agency", "sources")
    list_select_related = ("request", "agency", "letter")
    file_fields = ("attachment",)

    responded = partial_date_column(AgencyResponse.responded, description=_("date"))


class MeetingActionForm(helpers.ActionForm):
    """The meetings' action bar, with the date of the meetings marked held."""

    held_on = PartialDateField(
        label=_("Held on"),
        required=False,
        help_text=_("For “Mark held”: the date they were held; their own date when empty."),
    )


@admin.register(Meeting)
class MeetingAdmin(PublishWarningMixin, TrackedAdmin):
    list_display = ("__str__", "request", "status", "held", "place")
    action_form = MeetingActionForm
    actions = ("mark_held", "mark_cancelled")
    list_filter = (
        "status",
        "request__jurisdiction__state",
        jurisdiction_filter("request__jurisdiction"),
        "is_public",
        "basis",
    )
    search_fields = ("place", "outcome", "reference__exact", "request__title")
    date_hierarchy = "held_on"
    autocomplete_fields = ("request", "agencies", "attendees", "sources")
    list_select_related = ("request",)

    held = partial_date_column(Meeting.held, description=_("date"))

    @admin.action(description=_("Mark the selected meetings held"), permissions=["change"])
    def mark_held(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        try:
            held_on = PartialDateField(required=False).clean(request.POST.get("held_on", ""))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self._set_status(request, queryset, Meeting.Status.HELD, held_on)

    @admin.action(description=_("Cancel the selected meetings"), permissions=["change"])
    def mark_cancelled(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self._set_status(request, queryset, Meeting.Status.CANCELLED, None)

    def _set_status(
        self,
        request: HttpRequest,
        queryset: QuerySet[Meeting],
        status: str,
        held_on: PartialDate | None,
    ) -> None:
        """Each meeting through ``services.meeting_set_status``, as the staff pages' and
        the API's: the same rules (a meeting held needs its date, not one ahead), each
        as it is now (the version just read)."""
        done: list[str] = []
        for meeting in queryset.select_related(None).order_by("pk"):
            try:
                services.meeting_set_status(
                    meeting=meeting,
                    by=request.user,
                    status=status,
                    expected_version=meeting.version,
                    held_on=held_on,
                )
            except services.DomainError as error:
                self.message_user(request, f"{meeting}: {error.message}", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done.append(str(meeting))
        if done:
            self.message_user(
                request,
                gettext("Marked %(status)s: %(meetings)s.")
                % {"status": Meeting.Status(status).label.lower(), "meetings": "; ".join(done)},
                messages.SUCCESS,
            )


@admin.register(Statement)
class StatementAdmin(PublishWarningMixin, TrackedAdmin):
    list_display = ("speaker", "agency", "stated", "medium", "position", "topic", "is_public")
    list_filter = (agency_filter("agency"), "position", "topic", "medium", "is_public", "basis")
    search_fields = ("speaker", "quote", "source_title", "reference__exact")
    date_hierarchy = "stated_on"
    autocomplete_fields = ("agency", "speaker_contact", "sources")
    list_select_related = ("agency",)
    file_fields = ("document",)

    stated = partial_date_column(Statement.stated, description=_("date"))


# --- Correspondence not tied to one request ----------------------------------------------


class ThreadLetterInline(ExistingRecordInline):
    model = ThreadLetter
    verbose_name_plural = "Letters"
    fields = ("sender", "recipients", *ThreadLetter.sent.columns, "subject", "statement")
    readonly_fields = ("statement",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThreadLetter]:
        return super().get_queryset(request).select_related("statement")


class NewThreadLetterInline(NewRecordInline):
    model = ThreadLetter
    verbose_name = "new letter"
    verbose_name_plural = "Log a letter"
    template = "admin/edit_inline/stacked.html"
    fields = (
        "sender",
        "sender_agency",
        "recipients",
        "recipient_agencies",
        ThreadLetter.sent.columns,
        "subject",
        "summary",
        "statement",
        "attachment",
        "is_public",
    )
    autocomplete_fields = ("sender_agency", "recipient_agencies", "statement")


@admin.register(CorrespondenceThread)
class CorrespondenceThreadAdmin(PublishWarningMixin, TrackedAdmin):
    """Letters between Congress and the departments, linked to many requests or none."""

    list_display = ("title", "letter_count", "is_public")
    list_filter = ("is_public", "basis")
    search_fields = ("title", "summary", "reference__exact")
    autocomplete_fields = ("requests", "jurisdictions")
    inlines = (ThreadLetterInline, NewThreadLetterInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CorrespondenceThread]:
        return super().get_queryset(request).annotate(letters_logged=Count("letters"))

    @admin.display(description=_("letters"), ordering="letters_logged")
    def letter_count(self, obj: CorrespondenceThread) -> int:
        return int(getattr(obj, "letters_logged", 0))


@admin.register(ThreadLetter)
class ThreadLetterAdmin(TrackedAdmin):
    list_display = ("subject", "sender", "sent", "thread", "statement", "is_public")
    list_filter = ("is_public", agency_filter("sender_agency"))
    search_fields = ("subject", "summary", "sender", "recipients", "reference__exact")
    date_hierarchy = "sent_on"
    autocomplete_fields = ("thread", "sender_agency", "recipient_agencies", "statement")
    list_select_related = ("thread", "statement")
    file_fields = ("attachment",)

    sent = partial_date_column(ThreadLetter.sent, description=_("sent"))


@admin.register(Event)
class EventAdmin(TrackedAdmin):
    """Votes, lawsuits, press coverage and facts of the program around the cases."""

    list_display = ("title", "kind", "happened", "basis", "is_public")
    list_filter = (
        "kind",
        jurisdiction_filter("jurisdictions"),
        "basis",
        "happened_on_precision",
        "is_public",
    )
    search_fields = ("title", "summary", "publication", "reference__exact")
    date_hierarchy = "happened_on"
    autocomplete_fields = ("jurisdictions", "agencies", "requests")
    # Few documents, listed by seed number and title.
    filter_horizontal = ("sources",)

    happened = partial_date_column(Event.happened, description=_("date"))


@admin.register(Source)
class SourceAdmin(TrackedAdmin):
    """The documents records cite; every record's ``sources`` picks them by search."""

    list_display = ("seed", "title", "publisher", "published", "url")
    search_fields = ("seed", "title", "publisher", "reference__exact")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "seed",
                    "title",
                    "publisher",
                    Source.published.columns,
                    "url",
                    "notes",
                    "reference",
                )
            },
        ),
    )

    published = partial_date_column(Source.published, description=_("published"))


@admin.register(Holiday)
class HolidayAdmin(TrackedAdmin):
    list_display = ("date", "name")
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(Transition)
# misc: the stubs type ModelAdmin's template names more widely than the mixin's str.
class TransitionAdmin(BoundedChangelist, admin.ModelAdmin):  # type: ignore[misc,type-arg]
    """The status log: read by everyone, written only by the services, never edited."""

    list_display = ("request", "from_state", "to_state", "happened", "at", "by", "note")
    list_filter = ("to_state", "from_state", jurisdiction_filter("request__jurisdiction"))

    happened = partial_date_column(Transition.happened, description=_("happened"))
    search_fields = ("request__title", "note")
    date_hierarchy = "at"
    list_select_related = ("request", "by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Never one log row on its own; the rows go only with their request.
        return False


# --- Reminders sent and calendar addresses: admins only, read-only ---------------------


# misc: the stubs type ModelAdmin's template names more widely than the mixin's str.
class AdminsOnlyReadOnly(BoundedChangelist, admin.ModelAdmin):  # type: ignore[misc,type-arg]
    """Written only by the reminder job and the calendar page; read only by admins.

    A calendar address is a secret (it works without signing in), so Editors and
    Viewers never see these lists, whatever their group's permissions say.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_see_reminders_and_calendar_addresses(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_see_reminders_and_calendar_addresses(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(AdminsOnlyReadOnly):
    list_display = ("date", "letter", "recipient", "email", "sent_at")
    list_filter = ("date",)
    search_fields = ("letter__subject", "letter__reference__exact", "email")
    date_hierarchy = "date"
    list_select_related = ("letter", "recipient")


@admin.register(CalendarToken)
class CalendarTokenAdmin(AdminsOnlyReadOnly):
    list_display = ("user", "created_at", "revoked_at", "is_active")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    # The token itself is the secret of the address: never shown, not even here.
    fields = ("user", "created_at", "revoked_at")
    readonly_fields = fields

    @admin.display(description=_("active"), boolean=True)
    def is_active(self, obj: CalendarToken) -> bool:
        return obj.is_active
