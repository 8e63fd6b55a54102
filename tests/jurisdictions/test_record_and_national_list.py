"""The 2010 record and the national county list load in either order, each place once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jurisdictions.models import Jurisdiction
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db

RECORD_PLACES = {
    "06075": "ca-san-francisco",
    "06085": "ca-santa-clara-county",
    "51013": "va-arlington-county",
    "11001": "dc-district-of-columbia",
}


def places_by_fips() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for fips, reference in Jurisdiction.objects.filter(fips__in=RECORD_PLACES).values_list(
        "fips", "reference"
    ):
        found.setdefault(fips, []).append(reference)
    return found


def test_the_record_loads_after_the_national_list_without_a_second_san_francisco() -> None:
    call_command("import_jurisdictions", "--national", verbosity=0)
    imported = Jurisdiction.objects.count()

    call_command("load_record", verbosity=0)

    assert places_by_fips() == {fips: [ref] for fips, ref in RECORD_PLACES.items()}
    assert Jurisdiction.objects.count() == imported
    san_francisco = Jurisdiction.objects.get(fips="06075")
    assert OptOutRequest.objects.filter(jurisdiction=san_francisco).exists()


def test_the_national_list_imports_after_the_record_without_a_second_san_francisco() -> None:
    call_command("load_record", verbosity=0)

    call_command("import_jurisdictions", "--national", verbosity=0)

    assert places_by_fips() == {fips: [ref] for fips, ref in RECORD_PLACES.items()}
