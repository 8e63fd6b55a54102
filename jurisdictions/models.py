"""Who is who: jurisdictions, the agencies that serve them, and the people at both."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import validate_not_future, validate_plausible_date
from core.inputs import LongTextField
from core.models import ReferenceManager, TrackedModel
from jurisdictions.domain.states import STATES, USState

#: A year: no agency is given longer, and much longer windows would run due dates
#: past the calendar's end.
MAX_REPLY_WINDOW_DAYS = 365

fips_validator = RegexValidator(
    r"^\d{2}(\d{3}|\d{5})?$",
    _("A FIPS code is 2 digits (state), 5 digits (county) or 7 digits (place)."),
    code="invalid_fips",
)
ocd_id_validator = RegexValidator(
    r"^ocd-division/country:us(/[a-z_]+:[a-z0-9_.~\-]+)*$",
    _("An Open Civic Data id looks like ocd-division/country:us/state:va/county:arlington."),
    code="invalid_ocd_id",
)


class Jurisdiction(TrackedModel):
    """A county, city or district that Secure Communities is (or will be) deployed in."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("County")
        CITY_AND_COUNTY = "city_and_county", _("City and county")
        CITY = "city", _("City")
        INDEPENDENT_CITY = "independent_city", _("Independent city")
        DISTRICT = "district", _("District")
        PARISH = "parish", _("Parish")
        BOROUGH = "borough", _("Borough")
        CITY_AND_BOROUGH = "city_and_borough", _("City and borough")
        CENSUS_AREA = "census_area", _("Census area")
        MUNICIPALITY = "municipality", _("Municipality")
        PLANNING_REGION = "planning_region", _("Planning region")
        ISLAND = "island", _("Island or district of a territory")
        STATE = "state", _("State")

    class Deployment(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        NOT_SCHEDULED = "not_scheduled", _("Not scheduled")
        SCHEDULED = "scheduled", _("Scheduled")
        ACTIVATED = "activated", _("Activated")
        REMOVED = "removed", _("Removed from the deployment plan")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=2, choices=USState.choices)
    # NULL, not "", when unknown: the unique constraints must allow many unknowns.
    fips = models.CharField(  # noqa: DJ001
        _("FIPS code"), max_length=7, null=True, blank=True, validators=[fips_validator]
    )
    ocd_id = models.CharField(  # noqa: DJ001
        _("Open Civic Data id"),
        max_length=200,
        null=True,
        blank=True,
        validators=[ocd_id_validator],
    )
    deployment_status = models.CharField(
        _("Secure Communities deployment"),
        max_length=20,
        choices=Deployment.choices,
        default=Deployment.UNKNOWN,
    )
    activation_date = models.DateField(
        _("activation date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    notes = LongTextField(_("internal notes"), blank=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Seed documents or other sources.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["state", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "state"], name="jurisdictions_jurisdiction_unique_name_state"
            ),
            models.UniqueConstraint(fields=["fips"], name="jurisdictions_jurisdiction_unique_fips"),
            models.UniqueConstraint(
                fields=["ocd_id"], name="jurisdictions_jurisdiction_unique_ocd_id"
            ),
            models.CheckConstraint(
                condition=~Q(deployment_status="not_scheduled") | Q(activation_date__isnull=True),
                name="jurisdictions_jurisdiction_unscheduled_has_no_activation_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}"

    def default_reference(self) -> str:
        return slugify(f"{self.state}-{self.name}")[:80]

    def get_absolute_url(self) -> str:
        return reverse("jurisdiction-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.fips and self.state in STATES and not self.fips.startswith(STATES[self.state][1]):
            errors["fips"] = gettext(
                "FIPS %(fips)s does not belong to %(state)s: its codes start with %(prefix)s."
            ) % {"fips": self.fips, "state": self.state, "prefix": STATES[self.state][1]}
        if self.deployment_status == self.Deployment.NOT_SCHEDULED and self.activation_date:
            errors["activation_date"] = gettext(
                "A jurisdiction that is not scheduled has no activation date; "
                "set the deployment status to scheduled or activated."
            )
        if self.is_activated and self.activation_date:
            # A scheduled activation may lie ahead; one that has happened may not.
            try:
                validate_not_future(self.activation_date)
            except ValidationError as error:
                errors["activation_date"] = " ".join(error.messages)
        if errors:
            raise ValidationError(errors)

    @property
    def is_activated(self) -> bool:
        return self.deployment_status == self.Deployment.ACTIVATED


class Agency(TrackedModel):
    """A government body or organisation that sends or receives correspondence."""

    class Level(models.TextChoices):
        FEDERAL = "federal", _("Federal")
        STATE = "state", _("State")
        LOCAL = "local", _("Local")
        NONGOVERNMENTAL = "nongovernmental", _("Non-governmental")

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        COMPONENT = "component", _("Component agency")
        PROGRAM_OFFICE = "program_office", _("Secure Communities program office")
        FIELD_OFFICE = "field_office", _("Field office")
        SIB = "sib", _("State Identification Bureau")
        ATTORNEY_GENERAL = "attorney_general", _("Attorney General's office")
        POLICE = "police", _("Police")
        SHERIFF = "sheriff", _("Sheriff")
        LEGISLATURE = "legislature", _("Legislature or council")
        EXECUTIVE = "executive", _("Executive office")
        ADVOCACY = "advocacy", _("Advocacy organisation")
        OTHER = "other", _("Other")

    class WindowKind(models.TextChoices):
        CALENDAR = "calendar", _("Calendar days")
        BUSINESS = "business", _("Business days")

    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    state = models.CharField(
        _("state"),
        max_length=2,
        choices=USState.choices,
        blank=True,
        help_text=_("For state agencies such as a State Identification Bureau."),
    )
    reply_window_days = models.PositiveSmallIntegerField(
        _("reply window"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REPLY_WINDOW_DAYS)],
        help_text=_("Days a reply is expected in (1 to 365); empty means the site default."),
    )
    reply_window_kind = models.CharField(
        _("reply window counts"),
        max_length=10,
        choices=WindowKind.choices,
        blank=True,
        help_text=_("Empty means the site default."),
    )
    website = models.URLField(_("website"), blank=True)
    notes = LongTextField(_("internal notes"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "state"], name="jurisdictions_agency_unique_name_state"
            ),
            models.CheckConstraint(
                condition=Q(reply_window_days__isnull=True)
                | Q(reply_window_days__gte=1, reply_window_days__lte=MAX_REPLY_WINDOW_DAYS),
                name="jurisdictions_agency_reply_window_positive",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="jurisdictions_agency_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def clean(self) -> None:
        super().clean()
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": gettext("An agency cannot be its own ancestor.")})
            ancestor = ancestor.parent

    @staticmethod
    def default_reply_window() -> tuple[int, str]:
        """The site's reply window (``REPLY_WINDOW_DAYS``, ``REPLY_WINDOW_KIND``)."""
        return (
            settings.TRACKER_DEFAULT_REPLY_WINDOW_DAYS,
            settings.TRACKER_DEFAULT_REPLY_WINDOW_KIND,
        )

    @property
    def effective_reply_window(self) -> tuple[int, str]:
        """This agency's window, each part the site's default where none is set."""
        default_days, default_kind = self.default_reply_window()
        return self.reply_window_days or default_days, self.reply_window_kind or default_kind

    def lineage(self) -> list[Agency]:
        """This agency and its ancestors, nearest first (ICE program office, ICE, DHS)."""
        chain: list[Agency] = []
        node: Agency | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain


class Contact(TrackedModel):
    """A person at an agency or jurisdiction. Ways to reach them are private."""

    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = LongTextField(_("postal address"), blank=True)
    notes = LongTextField(_("internal notes"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("email", "phone", "address", "notes")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(jurisdiction__isnull=False),
                name="jurisdictions_contact_has_affiliation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}" if self.title else self.name

    def clean(self) -> None:
        super().clean()
        if self.agency_id is None and self.jurisdiction_id is None:
            raise ValidationError(
                gettext("A contact belongs to an agency or a jurisdiction: choose at least one.")
            )


__all__ = ["Agency", "Contact", "Jurisdiction", "ReferenceManager"]
