"""Forms of the outbox's staff pages: they parse; ``outbox.services`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.attachments import validate_attachment
from jurisdictions.models import Agency, Contact
from outbox import selectors
from outbox.models import Draft, LetterTemplate

VERSION_MAX = 2**31 - 1


class NewDraftForm(forms.Form):
    """A letter to one agency from a template (a follow-up, or any other)."""

    template = forms.ModelChoiceField(
        label=_("Template"), queryset=LetterTemplate.objects.none(), empty_label=None
    )
    recipient_agency = forms.ModelChoiceField(
        label=_("To agency"), queryset=Agency.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        offered = list(selectors.templates_offered())
        template_field.queryset = selectors.templates_offered()
        template_field.choices = [(t.pk, t.name) for t in offered]
        agency_field = self.fields["recipient_agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        agency_field.queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        agency_field.choices = [(a.pk, str(a)) for a in agencies]


class ContactChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.name} <{obj.email}>" if obj.email else f"{obj.name} (no email address)"


class DraftForm(forms.Form):
    """Staff's review of a draft: the people it goes to, the subject, the body, a file."""

    recipient_contacts = ContactChoice(
        label=_("To"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("People at the agency with an email address; add them in the admin."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Letter"), widget=forms.Textarea(attrs={"rows": 24}))
    attachment = forms.FileField(
        label=_("Attach a file"),
        required=False,
        validators=[validate_attachment],
        help_text=_(
            "PDF, image, plain text, email or Word document; the letter goes as a PDF too."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)

    def __init__(self, *args: Any, draft: Draft, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "recipient_contacts": [c.pk for c in draft.recipient_contacts.all()],
                "subject": draft.subject,
                "body": draft.body,
                "version": draft.version,
            },
        )
        super().__init__(*args, **kwargs)
        field = self.fields["recipient_contacts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Contact.objects.filter(agency=draft.recipient_agency_id).order_by(
            "name", "pk"
        )
