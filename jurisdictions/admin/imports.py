"""The admin's jurisdiction import: upload a CSV file, preview every change, confirm.

The page runs the same code as ``manage.py import_jurisdictions``
(:mod:`jurisdictions.domain.importer`). The preview writes nothing; the confirmation
plans the file again inside the write transaction and refuses when the result
differs from what the person saw (someone edited a jurisdiction in between).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.permissions import may_add, may_change
from jurisdictions.domain.importer import (
    COLUMNS,
    ImportFileError,
    ImportPlan,
    ImportRefused,
    RowError,
    import_csv,
    plan_import,
)
from jurisdictions.models import Jurisdiction

#: The largest file the page accepts; the national list of counties is about 270 kB.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
#: Created and unchanged rows shown in a preview; changes and errors are always all shown.
PREVIEW_LIMIT = 300

TEMPLATE_DIR = "admin/jurisdictions/jurisdiction"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=(
            "UTF-8 CSV with the header " + ",".join(COLUMNS) + ". Nothing is written until "
            "you confirm the preview."
        ),
    )
    rename = forms.BooleanField(
        required=False,
        label=_("Also change the name and kind of jurisdictions that match a row"),
        help_text=_("Otherwise a matched jurisdiction keeps the name and kind it has here."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext(
                    "The file is %(size)s kB; the limit is %(limit)s kB. "
                    "Split it into several files."
                )
                % {"size": upload.size // 1024, "limit": MAX_UPLOAD_BYTES // 1024}
            )
        data: bytes = upload.read()
        return data


class ConfirmForm(forms.Form):
    """The previewed file travels back with the confirmation, with what the preview showed."""

    payload = forms.CharField(widget=forms.HiddenInput)
    filename = forms.CharField(widget=forms.HiddenInput, required=False)
    rename = forms.BooleanField(widget=forms.HiddenInput, required=False)
    fingerprint = forms.CharField(widget=forms.HiddenInput)

    def clean_payload(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["payload"], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(
                gettext("The file was lost on the way; upload it again.")
            ) from None


def may_import(request: HttpRequest) -> bool:
    """Importing adds some jurisdictions and changes others."""
    return may_add(request.user, Jurisdiction) and may_change(request.user, Jurisdiction)


def import_view(request: HttpRequest, model_admin: admin.ModelAdmin[Jurisdiction]) -> HttpResponse:
    if not may_import(request):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, model_admin)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data: bytes = form.cleaned_data["file"]
            filename = getattr(request.FILES.get("file"), "name", None) or "upload.csv"
            try:
                plan = plan_import(data, rename=form.cleaned_data["rename"])
            except ImportFileError as error:
                form.add_error("file", [str(e) for e in error.errors])
            else:
                return _preview(request, model_admin, plan, data, filename)
    else:
        form = UploadForm()
    return _render(request, model_admin, "import.html", {"form": form})


def _confirm(request: HttpRequest, model_admin: admin.ModelAdmin[Jurisdiction]) -> HttpResponse:
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        form = UploadForm()
        messages.error(
            request,
            " ".join(str(e) for e in confirm.errors.get("payload", []))
            or gettext("The confirmation was incomplete; upload the file again."),
        )
        return _render(request, model_admin, "import.html", {"form": form})
    data: bytes = confirm.cleaned_data["payload"]
    filename: str = confirm.cleaned_data["filename"] or "upload.csv"
    rename: bool = confirm.cleaned_data["rename"]
    try:
        plan = import_csv(
            data,
            by=request.user,
            rename=rename,
            reason=f"Imported from {filename} in the admin",
            expected_fingerprint=confirm.cleaned_data["fingerprint"],
        )
    except ImportFileError as error:
        form = UploadForm()
        form.add_error(None, [str(e) for e in error.errors])
        return _render(request, model_admin, "import.html", {"form": form})
    except ImportRefused as error:
        # Show what the file would do now, so the person can confirm again.
        fresh = plan_import(data, rename=rename)
        return _preview(request, model_admin, fresh, data, filename, refused=error.message)
    if not plan.ok:
        return _preview(request, model_admin, plan, data, filename)
    messages.success(request, f"{filename}: {plan.summary(done=True)}")
    opts = Jurisdiction._meta
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


def _preview(
    request: HttpRequest,
    model_admin: admin.ModelAdmin[Jurisdiction],
    plan: ImportPlan,
    data: bytes,
    filename: str,
    refused: str = "",
) -> HttpResponse:
    confirm = ConfirmForm(
        initial={
            "payload": base64.b64encode(data).decode("ascii"),
            "filename": filename,
            "rename": plan.rename,
            "fingerprint": plan.fingerprint(),
        }
    )
    creates, unchanged = plan.creates, plan.unchanged
    context = {
        "plan": plan,
        "filename": filename,
        "confirm_form": confirm,
        "refused": refused,
        "errors": plan.errors,
        "error_lines": len({error.line for error in plan.errors}),
        "creates": creates[:PREVIEW_LIMIT],
        "creates_hidden": max(0, len(creates) - PREVIEW_LIMIT),
        "updates": plan.updates,
        "unchanged": unchanged[:PREVIEW_LIMIT],
        "unchanged_hidden": max(0, len(unchanged) - PREVIEW_LIMIT),
        "kept": [row for row in plan.rows if row.kept],
    }
    return _render(request, model_admin, "import_preview.html", context)


def _render(
    request: HttpRequest,
    model_admin: admin.ModelAdmin[Jurisdiction],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    opts = Jurisdiction._meta
    return TemplateResponse(
        request,
        f"{TEMPLATE_DIR}/{template}",
        {
            **model_admin.admin_site.each_context(request),
            "opts": opts,
            "title": gettext("Import jurisdictions"),
            "columns": COLUMNS,
            **context,
        },
    )


def import_urls(model_admin: admin.ModelAdmin[Jurisdiction]) -> list[URLPattern]:
    """The import page's URL, for ``JurisdictionAdmin.get_urls``."""

    def view(request: HttpRequest) -> HttpResponse:
        return import_view(request, model_admin)

    opts = Jurisdiction._meta
    return [
        path(
            "import/",
            model_admin.admin_site.admin_view(view),
            name=f"{opts.app_label}_{opts.model_name}_import",
        )
    ]


__all__ = ["RowError", "import_urls", "import_view", "may_import"]
