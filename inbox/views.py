"""The staff pages of the inbox: the messages received, one message, uploading one, and
filing one on a request (choose the request, press "File")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.downloads import attachment_response
from inbox import selectors, services
from inbox.models import Attachment, Message
from jurisdictions.models import Agency
from tracker.domain.permissions import may_file_email, may_read_inbox, may_receive_email
from tracker.models import OptOutRequest
from tracker.pages.views import require, staff_page

PAGE_SIZE = 50


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Email file"),
        help_text=gettext_lazy("A message saved as .eml, or an Outlook .msg file."),
    )
    request = forms.ModelChoiceField(
        queryset=OptOutRequest.objects.all(), required=False, widget=forms.HiddenInput
    )


class FileForm(forms.Form):
    request = forms.ModelChoiceField(
        label=gettext_lazy("Request"),
        queryset=OptOutRequest.objects.none(),
        empty_label=gettext_lazy("Choose the request"),
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Sent by"),
        queryset=Agency.objects.order_by("name", "pk"),
        required=False,
        empty_label=gettext_lazy("The agency of the sender's address"),
        help_text=gettext_lazy("Needed only when the sender is not a known contact."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["request"]
        field.queryset = selectors.requests_to_file_on()
        field.label_from_instance = lambda r: (
            f"{r.jurisdiction} · #{r.pk} · {r.get_status_display()}"
        )


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def _list_page(
    request: HttpRequest, *, upload_form: UploadForm | None = None, status: int = 200
) -> HttpResponse:
    state = request.GET.get("state", "")
    if state and state not in Message.State.values:
        state = ""
    page = Paginator(selectors.inbox_messages(state=state or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "state": state,
        "states": Message.State.choices,
        "upload_form": upload_form or (UploadForm() if may_receive_email(request.user) else None),
    }
    return render(request, "inbox/inbox.html", context, status=status)


@staff_page
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    require(may_read_inbox(request.user))
    return _list_page(request)


@staff_page
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Receive an uploaded message; uploaded from a case page, file it on that case."""
    require(may_receive_email(request.user))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, upload_form=form, status=400)
    try:
        received = services.message_receive(
            raw=form.cleaned_data["file"].read(), via=Message.Via.UPLOAD, by=request.user
        )
    except services.MessageRefused as error:
        form.add_error("file", error.messages)
        return _list_page(request, upload_form=form, status=400)
    message = received.message
    chosen = form.cleaned_data.get("request")
    if (
        chosen is not None
        and message.letter_id is None
        and message.state in (Message.State.UNMATCHED, Message.State.QUARANTINED)
        and may_file_email(request.user)
    ):
        try:
            services.message_file(message=message, request=chosen, by=request.user)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
            return redirect(f"{message_url(message)}?request={chosen.pk}")
        message.refresh_from_db()
    if not received.created:
        messages.info(request, gettext("This message had been received already."))
    if message.letter_id is not None:
        messages.success(
            request,
            gettext("The email is filed on request %(request)s as a letter received.")
            % {"request": message.request_id},
        )
        letter_anchor = f"letter-{message.letter_id}"
        page = reverse("request-detail", args=[message.request_id])
        return redirect(f"{page}?new={letter_anchor}#{letter_anchor}")
    return redirect(message_url(message))


def message_url(message: Message) -> str:
    return reverse("inbox-message", args=[message.pk])


def _message_or_404(pk: int) -> Message:
    found = selectors.message_for_page(pk)
    if found is None:
        raise Http404(gettext("No message with this number."))
    return found


@staff_page
@require_http_methods(["GET", "POST"])
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One message: who sent it, why it is where it is, its text and files; and the form
    that files it on a request."""
    require(may_read_inbox(request.user))
    message = _message_or_404(pk)
    form: FileForm | None = None
    status = 200
    may_file = may_file_email(request.user) and message.letter_id is None
    if request.method == "POST":
        require(may_file)
        form = FileForm(request.POST)
        if form.is_valid():
            try:
                letter = services.message_file(
                    message=message,
                    request=form.cleaned_data["request"],
                    agency=form.cleaned_data["agency"],
                    by=request.user,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    gettext("Filed on request %(request)s as a letter received.")
                    % {"request": letter.request_id},
                )
                anchor = f"letter-{letter.pk}"
                return redirect(f"{letter.request.get_absolute_url()}?new={anchor}#{anchor}")
        status = 400
    elif may_file:
        initial = request.GET.get("request") or message.request_id
        form = FileForm(initial={"request": initial})
    return render(
        request,
        "inbox/message.html",
        {"message": message, "form": form, "may_file": may_file},
        status=status,
    )


@staff_page
@require_GET
def original(request: HttpRequest, pk: int) -> HttpResponseBase:
    require(may_read_inbox(request.user))
    message = get_object_or_404(Message, pk=pk)
    if message.state == Message.State.QUARANTINED:
        raise Http404(gettext("A message held back is not served."))
    return attachment_response(message, "raw")


@staff_page
@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    require(may_read_inbox(request.user))
    found = get_object_or_404(Attachment, pk=pk)
    return attachment_response(found, "file")
