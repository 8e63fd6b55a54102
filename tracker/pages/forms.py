"""Forms of the staff pages. They parse what a person typed; tracker.domain.services decides.

Each form's field names match the model's, so a ``ValidationError`` raised by a
service (from the model's ``clean()`` or constraints) lands next to the field
it is about. None of these forms saves anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.dates import DatePrecision, PartialDate, partial_date_stored_in
from core.forms import (
    DATE_HELP,
    IdCheckedModelMultipleChoiceField,
    PartialDateField,
    is_id_text,
    long_text_field,
)
from core.inputs import NOTE_MAX_LENGTH
from core.submissions import SubmittedOnceForm
from jurisdictions.domain.selectors import (
    agency_choices,
    jurisdiction_choices,
    notice_recipients,
)
from jurisdictions.models import Agency
from tracker.domain.permissions import people_who_may_own_requests
from tracker.domain.selectors import SearchKind
from tracker.domain.workflow import missing_reason
from tracker.models import (
    AgencyResponse,
    Basis,
    CorrespondenceThread,
    Event,
    Letter,
    Meeting,
    OptOutRequest,
    Source,
    Statement,
    ThreadLetter,
)

#: How many ids a bounded picker looks up to show what was chosen (a form posts a few).
MAX_CHOSEN = 50


class OfferedOnly(forms.widgets.ChoiceWidget):
    """A choice widget that renders only the options it is offered plus what is chosen.

    The field behind it still accepts any row of its queryset (checking the posted id
    costs one query), but the page never lists the whole table: with thousands of
    agencies or jurisdictions, the options are a short list chosen by the page (a
    request's own agencies, the matches of a search) and, when the form comes back
    with an error or a filter is applied, the rows already chosen, looked up by id.
    """

    offered: Sequence[tuple[Any, str]] = ()
    lookup: QuerySet[Any] | None = None
    blank: Any = None

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> Any:
        offered = list(self.offered)
        known = {str(pk) for pk, _label in offered}
        missing = [v for v in value if v not in known and is_id_text(v)][:MAX_CHOSEN]
        if missing and self.lookup is not None:
            offered += [(row.pk, str(row)) for row in self.lookup.filter(pk__in=missing)]
        self.choices = self._blank() + offered
        return super().optgroups(name, value, attrs)

    def _blank(self) -> list[tuple[Any, str]]:
        return [("", self.blank)] if self.blank is not None else []

    def bound_to(self, queryset: QuerySet[Any] | None, blank: Any) -> None:
        """Check chosen ids against ``queryset``; ``blank`` labels the empty choice."""
        self.lookup = queryset
        self.blank = blank
        # Never the field's iterator over the whole queryset: only the empty choice until
        # the options are rendered.
        self.choices = self._blank()


class OfferedSelect(OfferedOnly, forms.Select):
    pass


class OfferedCheckboxes(OfferedOnly, forms.CheckboxSelectMultiple):
    pass


class BoundedModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A ``ModelChoiceField`` whose page shows a bounded list (see :class:`OfferedOnly`)."""

    widget = OfferedSelect

    def _get_bounded(self) -> QuerySet[Any] | None:
        return self._queryset

    def _set_bounded(self, queryset: QuerySet[Any] | None) -> None:
        self._queryset = None if queryset is None else queryset.all()
        cast(OfferedOnly, self.widget).bound_to(self._queryset, self.empty_label)

    queryset = property(_get_bounded, _set_bounded)

    def offer(self, rows: Iterable[Model]) -> None:
        cast(OfferedOnly, self.widget).offered = [(row.pk, str(row)) for row in rows]


class BoundedModelMultipleChoiceField(IdCheckedModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` whose page shows a bounded list of check boxes."""

    widget = OfferedCheckboxes

    def _get_bounded(self) -> QuerySet[Any] | None:
        return self._queryset

    def _set_bounded(self, queryset: QuerySet[Any] | None) -> None:
        self._queryset = None if queryset is None else queryset.all()
        cast(OfferedOnly, self.widget).bound_to(self._queryset, None)

    queryset = property(_get_bounded, _set_bounded)

    def offer(self, rows: Iterable[Model]) -> None:
        cast(OfferedOnly, self.widget).offered = [(row.pk, str(row)) for row in rows]


class OffersAgencies:
    """A form whose agency pickers offer the short list the page gives them."""

    fields: dict[str, forms.Field]

    def offer_agencies(self, agencies: Sequence[Agency]) -> None:
        for field in self.fields.values():
            if isinstance(field, BoundedModelChoiceField | BoundedModelMultipleChoiceField):
                field.offer(agencies)


class CitesSources:
    """The citation fields of a create or edit form: the sources a record rests on,
    whether they state it or it is inferred from them, and how (the model refuses an
    inference without its reasoning: "Say how it is inferred"; the service's error is
    shown next to the "How it is inferred" box)."""

    fields: dict[str, forms.Field]

    def add_citation_fields(self) -> None:
        self.fields["sources"] = forms.ModelMultipleChoiceField(
            label=_("Sources"),
            queryset=Source.objects.all(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("The documents it rests on (add new ones in the admin)."),
        )
        self.fields["basis"] = forms.TypedChoiceField(
            label=_("Stated or inferred"),
            choices=Basis.choices,
            required=False,
            empty_value=Basis.STATED,
        )
        self.fields["inference"] = long_text_field(
            _("How it is inferred"),
            help_text=_("For an inferred record: what it is inferred from, and why."),
        )


class LetterForm(CitesSources, OffersAgencies, SubmittedOnceForm):
    """Log a letter in seconds: sent today unless changed (a date picker), the notice
    pair (ICE's program office and the state's SIB) one tick away and offered first,
    the required fields marked."""

    prefix = "letter"
    required_css_class = "required"
    field_order = (
        "direction",
        "sender",
        "notice_pair",
        "recipients",
        "method",
        "sent_on",
        "sent_known_to",
        "sent_until",
        "received_on",
        "subject",
        "summary",
        "attachment",
        "in_reply_to",
    )

    direction = forms.ChoiceField(
        label=_("Direction"), choices=Letter.Direction.choices, initial=Letter.Direction.OUTGOING
    )
    sender = BoundedModelChoiceField(label=_("Sender"), queryset=agency_choices())
    notice_pair = forms.BooleanField(
        label=_("ICE's program office and this state's SIB"),
        required=False,
        help_text=_("The documented pair a notice goes to, in one tick."),
    )
    recipients = BoundedModelMultipleChoiceField(
        label=_("Recipients"),
        queryset=agency_choices(),
        required=False,
        help_text=_(
            "Tick every agency it went to (for a notice: ICE's program office and the SIB)."
        ),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Letter.Method.choices)
    sent_on = PartialDateField(
        label=_("Sent"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today unless changed; empty when not known."),
    )
    sent_known_to = forms.TypedChoiceField(
        label=_("Sent date known to"),
        choices=DatePrecision.choices,
        coerce=DatePrecision,
        initial=DatePrecision.DAY,
        required=False,
        empty_value=DatePrecision.DAY,
        help_text=_(
            "For an old letter known only by its month or year: pick any day in it; for a "
            "range of days, pick its first day and fill in the last below."
        ),
    )
    sent_until = forms.DateField(
        label=_("Sent to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "For a range of days only (“last week”): the last day it may have been "
            "sent; the date above is the first."
        ),
    )
    received_on = PartialDateField(
        label=_("Received"),
        required=False,
        help_text=format_lazy("{} {}", _("Only when known."), DATE_HELP),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    summary = long_text_field(_("Summary"))
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("PDF, image, plain text, email or Word document."),
        widget=forms.ClearableFileInput(
            attrs={
                "data-dropzone": _("Drop the file here, or choose it."),
                "data-dropped": _("Chosen:"),
            }
        ),
    )
    in_reply_to = forms.ModelChoiceField(
        label=_("In reply to"), queryset=Letter.objects.none(), required=False
    )

    def __init__(self, *args: Any, request: OptOutRequest, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.add_citation_fields()
        self.optout = request
        self.notice_agencies: list[Agency] = []
        in_reply_to: Any = self.fields["in_reply_to"]
        in_reply_to.queryset = Letter.objects.filter(request=request).order_by("sent_on", "pk")
        in_reply_to.empty_label = _("(not a reply)")
        if request.requesting_agency_id and not self.is_bound:
            self.initial.setdefault("sender", request.requesting_agency_id)
        if not self.is_bound:
            self.initial.setdefault("sent_on", PartialDate(timezone.localdate()))
        # A date picker: no typing hints of the text box for partial dates.
        for hint in ("placeholder", "inputmode", "maxlength"):
            self.fields["sent_on"].widget.attrs.pop(hint, None)
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["aria-required"] = "true"

    def get_initial_for_field(self, field: forms.Field, field_name: str) -> Any:
        """A sent date known only to its month or year (an edit of an old letter) is
        shown as the period's first day with "known to" set, since a date picker shows
        whole days only: saved unchanged, it stays "2010" instead of being emptied."""
        sent = self.initial.get("sent_on")
        if isinstance(sent, PartialDate) and sent.precision != DatePrecision.DAY:
            if field_name == "sent_on":
                return PartialDate(sent.value)
            if field_name == "sent_known_to":
                return sent.precision
            if field_name == "sent_until" and sent.precision == DatePrecision.RANGE:
                return sent.latest
        return super().get_initial_for_field(field, field_name)

    def offer_agencies(self, agencies: Sequence[Agency]) -> None:
        """The page's short list; the recipients list ICE's program office and the
        state's SIB first, and the one-tick pair names them."""
        super().offer_agencies(agencies)
        self.notice_agencies = notice_recipients(self.optout.jurisdiction, among=agencies)
        first = {agency.pk for agency in self.notice_agencies}
        recipients = cast(BoundedModelMultipleChoiceField, self.fields["recipients"])
        recipients.offer([*self.notice_agencies, *(a for a in agencies if a.pk not in first)])
        pair = self.fields["notice_pair"]
        pair.widget.attrs["data-agencies"] = " ".join(str(a.pk) for a in self.notice_agencies)
        if self.notice_agencies:
            pair.help_text = format_lazy(
                "{} {}", _("Ticks:"), "; ".join(str(agency) for agency in self.notice_agencies)
            )
        else:
            pair.widget = forms.HiddenInput()
        # A bound form (re-shown with its errors) has made its fields' parts already.
        cast(Any, self)._bound_fields_cache.pop("notice_pair", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        sent, known_to = cleaned.get("sent_on"), cleaned.pop("sent_known_to", None)
        until = cleaned.pop("sent_until", None)
        if sent is not None and known_to == DatePrecision.RANGE:
            if until is None:
                self.add_error("sent_until", _("A range of days needs its last day: fill in “to”."))
            elif until < sent.value:
                self.add_error(
                    "sent_until",
                    _("The range ends before it starts: %(last)s is before %(first)s.")
                    % {"last": until.isoformat(), "first": sent.value.isoformat()},
                )
            else:
                try:
                    cleaned["sent_on"] = PartialDate.between(sent.value, until)
                except ValueError as error:
                    self.add_error("sent_until", str(error))
        elif sent is not None and known_to and known_to != DatePrecision.DAY:
            cleaned["sent_on"] = PartialDate(sent.value, known_to)
        if cleaned.pop("notice_pair", False):
            pair = notice_recipients(self.optout.jurisdiction)
            if not pair:
                self.add_error(
                    "notice_pair",
                    _("Neither ICE's program office nor this state's SIB is on record."),
                )
            chosen = list(cleaned.get("recipients") or [])
            known = {agency.pk for agency in chosen}
            cleaned["recipients"] = chosen + [a for a in pair if a.pk not in known]
        return cleaned


class ResponseForm(CitesSources, OffersAgencies, SubmittedOnceForm):
    prefix = "response"

    agency = BoundedModelChoiceField(label=_("From agency"), queryset=agency_choices())
    letter = forms.ModelChoiceField(
        label=_("Answers letter"),
        queryset=Letter.objects.none(),
        required=False,
        help_text=_("Choose the letter it answers; that letter then stops waiting for a reply."),
    )
    kind = forms.ChoiceField(label=_("Kind of reply"), choices=AgencyResponse.Kind.choices)
    responded_on = PartialDateField(label=_("Date"), required=False)
    summary = long_text_field(_("Summary"))
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("PDF, image, plain text, email or Word document."),
    )

    def __init__(self, *args: Any, request: OptOutRequest, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.add_citation_fields()
        letter: Any = self.fields["letter"]
        letter.queryset = Letter.objects.filter(request=request).order_by("sent_on", "pk")
        letter.empty_label = _("(the request as a whole)")


class MeetingForm(CitesSources, OffersAgencies, SubmittedOnceForm):
    prefix = "meeting"

    status = forms.ChoiceField(label=_("Status"), choices=Meeting.Status.choices)
    held_on = PartialDateField(
        label=_("Date"),
        required=False,
        help_text=format_lazy("{} {}", _("Needed once it was held."), DATE_HELP),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    agencies = BoundedModelMultipleChoiceField(
        label=_("Agencies attending"), queryset=agency_choices(), required=False
    )
    outcome = long_text_field(_("Outcome"))

    def __init__(self, *args: Any, request: OptOutRequest, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.add_citation_fields()


#: Said when a move or a re-open arrives without the version of the request it was
#: pressed on: without it, a move could apply to a request someone else has moved since.
MOVE_VERSION_MISSING = _(
    "This move does not say which version of the request it was made on, so it cannot "
    "be applied safely. Reload the request's page and press the button again."
)


def move_date_field() -> PartialDateField:
    """When a move happened: today unless changed; "2010-12" or "2010" when only the
    month or the year is known. The service refuses a date ahead of today or certainly
    before the request's last move, as an error of this field."""
    return PartialDateField(
        label=_("Happened on"),
        required=False,
        help_text=format_lazy(
            "{} {}",
            _(
                "When the move happened; today unless changed (a move entered late keeps "
                "the date it happened)."
            ),
            DATE_HELP,
        ),
    )


class TransitionForm(forms.Form):
    """One move of a request, as the staff request page and the admin's change page
    post it: the note typed with it, the button pressed (a target state in ``to``,
    or ``reopen``), and the version of the request the page showed. The admin page
    also names the letter or reply that caused the move.
    """

    prefix = "move"

    to = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    reopen = forms.BooleanField(widget=forms.HiddenInput, required=False)
    note = long_text_field(
        _("Note (why)"),
        rows=2,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Saved in the status log with the move."),
    )
    happened = move_date_field()
    letter = forms.ModelChoiceField(
        label=_("Caused by letter"), queryset=Letter.objects.none(), required=False
    )
    response = forms.ModelChoiceField(
        label=_("Caused by response"), queryset=AgencyResponse.objects.none(), required=False
    )
    # Required, as on every edit: a move pressed on a page opened before someone
    # else's move must be refused, not applied to a request the person never saw.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": MOVE_VERSION_MISSING},
    )

    def __init__(
        self,
        *args: Any,
        request: OptOutRequest,
        reopening: bool = False,
        asks_reason: bool = False,
        **kwargs: Any,
    ) -> None:
        """``reopening``: the address posted to re-opens the request (the staff page
        has one address per kind of move), so no ``reopen`` field is needed.
        ``asks_reason``: a withdrawal or a re-opening (``workflow.NEEDS_REASON``) needs
        its note, on a page with no confirmation step of its own (the admin's; the
        staff pages confirm those moves on a page that asks for the reason)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.reopening = reopening
        self.asks_reason = asks_reason
        if not self.is_bound:
            self.initial.setdefault("happened", PartialDate(timezone.localdate()))
        # Offering only this request's records; the service refuses any other anyway.
        letter: Any = self.fields["letter"]
        letter.queryset = request.letters.all()
        response: Any = self.fields["response"]
        response.queryset = request.responses.select_related("agency")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["reopen"] = self.reopening or bool(cleaned.get("reopen"))
        if not cleaned["reopen"] and not cleaned.get("to"):
            raise ValidationError(_("Choose the move to make."))
        if self.asks_reason and (
            missing := missing_reason(
                target=cleaned.get("to"),
                reopening=cleaned["reopen"],
                note=cleaned.get("note") or "",
            )
        ):
            self.add_error("note", missing)
        return cleaned


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        max_length=200,
        required=False,
        widget=forms.TextInput({"type": "search"}),
    )
    # Set by the "more" links and the pages of one kind of result; no field on the page.
    kind = forms.TypedChoiceField(
        choices=[("", "")] + [(kind.value, kind.value) for kind in SearchKind],
        coerce=SearchKind,
        empty_value=None,
        required=False,
        widget=forms.HiddenInput,
    )
    page = forms.IntegerField(min_value=1, max_value=1000, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class StatementForm(CitesSources, OffersAgencies, SubmittedOnceForm):
    """Log a public statement on whether jurisdictions can opt out."""

    prefix = "statement"

    speaker = forms.CharField(
        label=_("Speaker"), max_length=200, help_text='Who said it, or "anonymous official".'
    )
    agency = BoundedModelChoiceField(label=_("Agency"), queryset=agency_choices())
    stated_on = PartialDateField(label=_("Date"), required=False)
    medium = forms.ChoiceField(label=_("Where"), choices=Statement.Medium.choices)
    position = forms.ChoiceField(
        label=_("Position on opting out"), choices=Statement.Position.choices
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        choices=[("", "—"), *Statement.Topic.choices],
        required=False,
        help_text=_(
            "Statements of different agencies on one topic whose positions conflict are "
            "shown as contradicting each other (DOJ's 8 September 2010 letter and DHS's "
            "6 October statement)."
        ),
    )
    quote = long_text_field(_("Quote or summary"), required=True)
    source_title = forms.CharField(label=_("Source title"), max_length=300, required=False)
    source_url = forms.URLField(label=_("Source link"), required=False, assume_scheme="https")
    is_public = forms.BooleanField(
        label=_("Public"), required=False, help_text=_("Show it on the public statements page.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.add_citation_fields()


class AgencySearchForm(forms.Form):
    """The search that adds other agencies to a page's pickers (a plain GET, no script)."""

    find_agency = forms.CharField(
        label=_("Find another agency"),
        max_length=100,
        required=False,
        strip=True,
        widget=forms.TextInput({"type": "search"}),
        help_text=_("Part of its name or abbreviation; the matches are offered in the forms."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PublishForm(forms.Form):
    """One "make public" / "make private" button: what to set, and the version it was read at."""

    public = forms.TypedChoiceField(
        choices=[("1", _("public")), ("0", _("not public"))], coerce=lambda value: value == "1"
    )
    version = forms.IntegerField(min_value=1)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Logging from the case page ----------------------------------------------------------

#: The largest version a record can have (a positive integer column).
VERSION_MAX = 2**31 - 1


class OutgoingLetterForm(LetterForm):
    """The case page's "Log a letter sent": a letter the jurisdiction sent. Everything an
    agency sends the jurisdiction is logged with :class:`IncomingForm` (one way in)."""

    direction = None  # type: ignore[assignment]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A form made for the old two ways in (or by hand) that says "received".
        if self.data.get(self.add_prefix("direction"), Letter.Direction.OUTGOING) != (
            Letter.Direction.OUTGOING
        ):
            raise ValidationError(
                _(
                    "This form logs letters the jurisdiction sent. Log what an agency sent "
                    "with “Log a reply or a letter received”."
                ),
                code="incoming_letter",
            )
        return cleaned


#: Said when a move arrives without the version of the request the page showed.
REQUEST_VERSION_MISSING = _(
    "This form does not say which version of the request it was filled in on. Reload "
    "the request's page and send it again."
)


class IncomingForm(ResponseForm):
    """The case page's one way to log what an agency sent: a reply, a letter, an email or
    a fax received. A reply whose kind implies a move (an acknowledgement, a meeting
    request, a denial, a resolution) offers that move, ticked; unticked, only the reply
    is logged."""

    then_move = forms.BooleanField(
        label=_("Move the request as this reply implies"), required=False
    )
    # The version of the request the page showed: a move is applied only to that.
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX, required=False
    )

    def __init__(
        self, *args: Any, request: OptOutRequest, implied: Sequence[str] = (), **kwargs: Any
    ) -> None:
        """``implied``: "kind of reply → move" for each move a reply would bring about now
        (from ``workflow.move_implied_by_reply``), shown under the box."""
        super().__init__(*args, request=request, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("then_move", True)
            self.initial.setdefault("version", request.version)
        then_move = self.fields["then_move"]
        if implied:
            then_move.help_text = format_lazy(
                "{} {}", _("Now:"), "; ".join(str(line) for line in implied)
            )
        else:
            then_move.help_text = _("No kind of reply moves this request from its state now.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("then_move") and not cleaned.get("version"):
            self.add_error("then_move", REQUEST_VERSION_MISSING)
        return cleaned


# --- Editing from the case page -----------------------------------------------------------

#: Said when an edit arrives without the version of the record the page showed.
EDIT_VERSION_MISSING = _(
    "This edit does not say which version of the record it was made on, so it cannot be "
    "saved safely. Reload the page and make the edit again."
)


class EditsRecord:
    """An edit form: it carries the version of the record the page showed (a save on an
    older version is refused, naming what changed since) and starts from the record's
    values. Its one-time token is checked but not claimed: saving the same edit twice
    changes nothing."""

    fields: dict[str, forms.Field]
    is_bound: bool

    def start_from(self, instance: Model) -> None:
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput,
            min_value=1,
            max_value=VERSION_MAX,
            error_messages={"required": EDIT_VERSION_MISSING},
        )
        if self.is_bound:
            return
        model = type(instance)
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField):
                continue  # kept unless a new file is chosen
            stored = partial_date_stored_in(model, name)
            if stored is not None:
                value = getattr(instance, stored.name)
            elif name == "version" or not hasattr(instance, name):
                value = getattr(instance, name, None)
            else:
                model_field = model._meta.get_field(name)
                if model_field.many_to_many:
                    value = [row.pk for row in getattr(instance, name).all()]
                elif model_field.is_relation:
                    value = getattr(instance, cast(Any, model_field).attname)
                else:
                    value = getattr(instance, name)
            cast(forms.Form, self).initial[name] = value


def edited_values(form: forms.Form, model: type[Model]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid edit form's values for ``services.record_edit``: plain fields and
    many-to-many choices; an attachment only when a new file was chosen."""
    plain: dict[str, Any] = {}
    m2m: dict[str, Any] = {}
    many = {field.name for field in model._meta.many_to_many}
    for name, value in form.cleaned_data.items():
        if name in {"version", "submission"}:
            continue
        if isinstance(form.fields[name], forms.FileField) and not value:
            continue
        (m2m if name in many else plain)[name] = value
    return plain, m2m


class LetterEditForm(EditsRecord, LetterForm):
    def __init__(self, *args: Any, instance: Letter, **kwargs: Any) -> None:
        super().__init__(*args, request=instance.request, **kwargs)
        in_reply_to: Any = self.fields["in_reply_to"]
        in_reply_to.queryset = in_reply_to.queryset.exclude(pk=instance.pk)
        self.start_from(instance)


class ResponseEditForm(EditsRecord, ResponseForm):
    def __init__(self, *args: Any, instance: AgencyResponse, **kwargs: Any) -> None:
        super().__init__(*args, request=instance.request, **kwargs)
        self.start_from(instance)


class MeetingEditForm(EditsRecord, MeetingForm):
    def __init__(self, *args: Any, instance: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, request=instance.request, **kwargs)
        self.start_from(instance)


class StatementEditForm(EditsRecord, StatementForm):
    def __init__(self, *args: Any, instance: Statement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_from(instance)


# --- Correspondence not tied to one request --------------------------------------------

#: The most records one references box may name.
MAX_REFERENCES = 200


class ReferencesField(forms.CharField):
    """Records named by their references, separated by spaces or commas
    ("arlington-2010 dc-2010"): a box that works however many records there are."""

    def __init__(self, model: type[Model], *, many: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 4000)
        super().__init__(**kwargs)
        self.model = model
        self.many = many

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return " ".join(str(getattr(row, "reference", row)) for row in value)
        if isinstance(value, Model):
            return getattr(value, "reference", "")
        return value

    def clean(self, value: Any) -> Any:
        text = super().clean(value) or ""
        wanted = list(dict.fromkeys(text.replace(",", " ").split()))
        if not self.many and len(wanted) > 1:
            raise ValidationError(_("Give one reference only."))
        if len(wanted) > MAX_REFERENCES:
            raise ValidationError(
                _("Give at most %(count)s references."), params={"count": MAX_REFERENCES}
            )
        found = {
            getattr(row, "reference", ""): row
            for row in self.model._default_manager.filter(reference__in=wanted)
        }
        unknown = [reference for reference in wanted if reference not in found]
        if unknown:
            raise ValidationError(
                _("No record has the reference %(references)s."),
                params={"references": ", ".join(unknown[:10])},
            )
        rows = [found[reference] for reference in wanted]
        if self.many:
            return rows
        return rows[0] if rows else None


class ThreadForm(SubmittedOnceForm):
    """Open a thread of correspondence between Congress and the departments."""

    prefix = "thread"

    title = forms.CharField(label=_("Title"), max_length=300)
    summary = long_text_field(_("Summary"))
    requests = ReferencesField(
        OptOutRequest,
        label=_("Requests it concerns"),
        help_text=_(
            "References of the requests, separated by spaces (arlington-2010 dc-2010); "
            "leave empty when it concerns none yet."
        ),
    )
    is_public = forms.BooleanField(
        label=_("Public"), required=False, help_text=_("Show it on the public record.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ThreadLetterForm(OffersAgencies, SubmittedOnceForm):
    """Log one letter of a thread (Rep. Lofgren's, a department's reply)."""

    prefix = "threadletter"

    sender = forms.CharField(label=_("Sender"), max_length=200)
    sender_agency = BoundedModelChoiceField(
        label=_("Sender's agency"), queryset=agency_choices(), required=False
    )
    recipients = forms.CharField(label=_("Recipients"), max_length=300)
    recipient_agencies = BoundedModelMultipleChoiceField(
        label=_("Recipient agencies"), queryset=agency_choices(), required=False
    )
    sent_on = PartialDateField(label=_("Sent"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    summary = long_text_field(_("Summary"))
    statement = ReferencesField(
        Statement,
        many=False,
        label=_("Also recorded as the statement"),
        help_text=_("The reference of the statement this letter also is (2010-09-08-weich)."),
    )
    is_public = forms.BooleanField(label=_("Public"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ThreadEditForm(EditsRecord, ThreadForm):
    def __init__(self, *args: Any, instance: CorrespondenceThread, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_from(instance)
        if not self.is_bound:
            self.initial["requests"] = list(instance.requests.order_by("reference"))


class ThreadLetterEditForm(EditsRecord, ThreadLetterForm):
    def __init__(self, *args: Any, instance: ThreadLetter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_from(instance)
        if not self.is_bound:
            self.initial["statement"] = instance.statement


class EventForm(SubmittedOnceForm):
    """Record something that happened around the cases: a vote, a lawsuit, press coverage.

    The jurisdictions, agencies and requests are check boxes among what the page offers
    (``offer``) and what is already chosen; the sources are the few documents of the record.
    """

    prefix = "event"
    required_css_class = "required"

    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    happened_on = PartialDateField(
        label=_("Date"),
        required=False,
        help_text=format_lazy(
            "{} {}",
            _("Leave empty when no source dates it; never more precise than the sources."),
            DATE_HELP,
        ),
    )
    summary = long_text_field(_("Summary"))
    jurisdictions = BoundedModelMultipleChoiceField(
        label=_("Jurisdictions concerned"), queryset=jurisdiction_choices(), required=False
    )
    agencies = BoundedModelMultipleChoiceField(
        label=_("Agencies concerned"), queryset=agency_choices(), required=False
    )
    requests = BoundedModelMultipleChoiceField(
        label=_("Requests it bears on"),
        queryset=OptOutRequest.objects.order_by("-pk"),
        required=False,
    )
    publication = forms.CharField(
        label=_("Publication"),
        max_length=200,
        required=False,
        help_text=_('For press coverage: the paper or site ("The Washington Independent").'),
    )
    url = forms.URLField(label=_("Address"), required=False, assume_scheme="https")
    sources = forms.ModelMultipleChoiceField(
        label=_("Sources"),
        queryset=Source.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    basis = forms.ChoiceField(
        label=_("Stated or inferred"),
        choices=Basis.choices,
        initial=Basis.STATED,
        widget=forms.RadioSelect,
    )
    inference = long_text_field(
        _("How it is inferred"),
        help_text=_("For an inferred event: what it is inferred from, and why."),
    )
    is_public = forms.BooleanField(
        label=_("Public"),
        required=False,
        help_text=_("Show it on the public pages, with its sources."),
    )
    notes = long_text_field(_("Internal notes"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def offer(
        self,
        *,
        jurisdictions: Iterable[Model],
        agencies: Iterable[Model],
        requests: Iterable[Model],
    ) -> None:
        for name, rows in (
            ("jurisdictions", jurisdictions),
            ("agencies", agencies),
            ("requests", requests),
        ):
            cast(BoundedModelMultipleChoiceField, self.fields[name]).offer(rows)


class EventEditForm(EditsRecord, EventForm):
    def __init__(self, *args: Any, instance: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_from(instance)


class RequestEditForm(CitesSources, EditsRecord, OffersAgencies, forms.Form):
    """A request's details and its owner on staff. Its status moves only through the
    moves; its stored facts only follow its letters, replies and meetings."""

    title = forms.CharField(label=_("Title"), max_length=200)
    seeks = forms.ChoiceField(label=_("What it seeks"), choices=OptOutRequest.Seeks.choices)
    requesting_agency = BoundedModelChoiceField(
        label=_("Requesting agency"), queryset=agency_choices(), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner on staff"),
        queryset=people_who_may_own_requests(),
        required=False,
        empty_label=_("nobody"),
        help_text=_("The person who chases its letters; their dashboard lists it first."),
    )
    opened_on = PartialDateField(label=_("Opened"), required=False)
    summary = long_text_field(_("Summary"))
    outcome = long_text_field(_("Outcome"))

    def __init__(self, *args: Any, instance: OptOutRequest, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = people_who_may_own_requests(keeping=instance.owner)
        self.add_citation_fields()
        self.start_from(instance)


class OwnerForm(forms.Form):
    """The case page's "Take this case" button: the request's version, nothing else."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=VERSION_MAX,
        error_messages={"required": EDIT_VERSION_MISSING},
    )


class MeetingStatusForm(forms.Form):
    """A planned meeting's "Mark held" / "Cancel" buttons, and "Mark held and record
    that the meeting was held" (``then_move``: the meeting held and the request moved,
    the move applied only to the version of the request the page showed)."""

    status = forms.ChoiceField(choices=Meeting.Status.choices, required=False)
    then_move = forms.BooleanField(required=False)
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=VERSION_MAX,
        error_messages={"required": EDIT_VERSION_MISSING},
    )
    request_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX, required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("then_move"):
            cleaned["status"] = Meeting.Status.HELD
            if not cleaned.get("request_version"):
                self.add_error("request_version", REQUEST_VERSION_MISSING)
        elif not cleaned.get("status"):
            self.add_error("status", _("Choose held, cancelled or planned."))
        return cleaned


class ConfirmMoveForm(forms.Form):
    """Withdrawing or re-opening a request: on a page of its own, with the reason, which
    is kept as the move's note in the status log."""

    prefix = "move"

    note = long_text_field(
        _("Reason"),
        required=True,
        rows=3,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Saved in the status log with the move."),
    )
    happened = move_date_field()
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=VERSION_MAX,
        error_messages={"required": MOVE_VERSION_MISSING},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("happened", PartialDate(timezone.localdate()))
