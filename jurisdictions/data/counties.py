"""Build ``us_counties.csv``: every U.S. county and county-equivalent, in the import format.

The names and FIPS codes come from the Census Bureau's county lists as shipped
by the ``addfips`` package (``pip install '.[data]'``); Open Civic Data
division ids are derived from them by the rules in :func:`ocd_id`, which follow
the published ``ocd-division-ids`` list for the United States. The shipped
file does not need ``addfips`` at run time; only rebuilding it does.

Rebuild with ``python manage.py build_county_dataset`` (``--check`` compares
instead of writing). ``docs/import.md`` explains every rule.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from importlib import resources
from pathlib import Path

from jurisdictions.domain.importer import COLUMNS
from jurisdictions.domain.states import STATES
from jurisdictions.models import Jurisdiction, ocd_id_validator

DATASET = Path(__file__).resolve().parent / "us_counties.csv"

#: The Census vintage of the county list. Secure Communities was deployed to
#: the counties of 2010 (Wade Hampton Census Area, Shannon County SD and
#: Bedford city VA still existed), so that is the default.
DEFAULT_VINTAGE = 2010
VINTAGES = (2000, 2010, 2015, 2020)

#: addfips lists some FIPS codes under several names (old names, local names);
#: these are the Census names this dataset uses. A FIPS code with several names
#: and no entry here stops the build, so a new vintage cannot pick one silently.
PREFERRED_NAMES = {
    "02158": "Kusilvak Census Area",  # Wade Hampton until 2015
    "02195": "Petersburg Borough",  # Petersburg Census Area until 2013
    "11001": "District of Columbia",
    "36005": "Bronx County",
    "36047": "Kings County",
    "36061": "New York County",
    "36085": "Richmond County",
    "46102": "Oglala Lakota County",  # Shannon County until 2015
    "60020": "Manu'a District",
    "60030": "Rose Island District",
    "72091": "Manatí Municipio",
}

_FIPS_TO_STATE = {fips: code for code, (_name, fips) in STATES.items()}

# Suffix of the Census name -> kind. Longest first, so "City and Borough" wins over "Borough".
_SUFFIX_KINDS: tuple[tuple[str, str], ...] = (
    (" City and Borough", Jurisdiction.Kind.CITY_AND_BOROUGH),
    (" Census Area", Jurisdiction.Kind.CENSUS_AREA),
    (" Planning Region", Jurisdiction.Kind.PLANNING_REGION),
    (" Municipality", Jurisdiction.Kind.MUNICIPALITY),
    (" Municipio", Jurisdiction.Kind.MUNICIPALITY),
    (" Borough", Jurisdiction.Kind.BOROUGH),
    (" County", Jurisdiction.Kind.COUNTY),
    (" Parish", Jurisdiction.Kind.PARISH),
    (" District", Jurisdiction.Kind.ISLAND),
    (" city", Jurisdiction.Kind.INDEPENDENT_CITY),
)

# OCD division type for each kind, inside a state.
_OCD_TYPES = {
    Jurisdiction.Kind.COUNTY: "county",
    Jurisdiction.Kind.PARISH: "parish",
    Jurisdiction.Kind.BOROUGH: "borough",
    Jurisdiction.Kind.CITY_AND_BOROUGH: "borough",
    # Anchorage and Skagway are "Municipality" to the Census and borough: to OCD.
    Jurisdiction.Kind.MUNICIPALITY: "borough",
    Jurisdiction.Kind.CENSUS_AREA: "censusarea",
    Jurisdiction.Kind.INDEPENDENT_CITY: "place",
    Jurisdiction.Kind.PLANNING_REGION: "planning_region",
}

# OCD division type of a territory's county-equivalents (the published list has
# only the territories themselves; these use the Census type's name).
_TERRITORY_TYPES = {"PR": "municipio", "AS": "district", "MP": "municipality", "VI": "island"}

# The one county-equivalent whose Census name has neither suffix nor kind word.
_CARSON_CITY = "32510"


class DatasetError(Exception):
    pass


def _fix_case(name: str) -> str:
    """2010 lists write some Alaska suffixes in lower case ("Bethel census area")."""
    for suffix in (" census area", " city and borough"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + suffix.title().replace(" And ", " and ")
    return name


def kind_of(fips: str, name: str) -> str:
    state = _FIPS_TO_STATE[fips[:2]]
    if state == "DC":
        return Jurisdiction.Kind.DISTRICT
    if fips == _CARSON_CITY:
        return Jurisdiction.Kind.INDEPENDENT_CITY
    if state in ("GU", "VI"):
        return Jurisdiction.Kind.ISLAND
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    raise DatasetError(f"{fips} {name}: no kind for this name; add a rule to _SUFFIX_KINDS.")


def _strip_suffix(name: str) -> str:
    for suffix in (*(s for s, _kind in _SUFFIX_KINDS), " Island"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def ocd_slug(text: str) -> str:
    """A name as an OCD id part: lower case, ASCII, spaces to _, apostrophes to ~, no dots.

    The OCD list keeps hyphens ("matanuska-susitna"), turns apostrophes into
    tildes ("prince_george~s") and drops periods ("st_clair"). Accents are
    folded to ASCII ("dona_ana"), which the tracker's OCD id validator requires.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = folded.lower().replace("'", "~").replace(".", "").replace(" ", "_")
    return slug


def ocd_id(fips: str, name: str, kind: str) -> str:
    state = _FIPS_TO_STATE[fips[:2]]
    if state == "DC":
        return "ocd-division/country:us/district:dc"
    if state == "GU":
        return "ocd-division/country:us/territory:gu"
    if state in _TERRITORY_TYPES:
        division = _TERRITORY_TYPES[state]
        base = name.removesuffix(" Island District").removesuffix(" District")
        base = base.removesuffix(" Municipio").removesuffix(" Municipality")
        return f"ocd-division/country:us/territory:{state.lower()}/{division}:{ocd_slug(base)}"
    division = _OCD_TYPES[Jurisdiction.Kind(kind)]
    base = "carson_city" if fips == _CARSON_CITY else ocd_slug(_strip_suffix(name))
    return f"ocd-division/country:us/state:{state.lower()}/{division}:{base}"


def _census_names(vintage: int) -> dict[str, list[str]]:
    try:
        source = resources.files("addfips") / "data" / f"counties_{vintage}.csv"
    except ModuleNotFoundError:
        raise DatasetError(
            "Building the dataset needs the addfips package: pip install '.[data]'."
        ) from None
    names: dict[str, list[str]] = {}
    with source.open("r", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            fips = row["statefp"] + row["countyfp"]
            if fips[:2] not in _FIPS_TO_STATE:
                continue  # e.g. the U.S. Minor Outlying Islands, not a tracker state
            names.setdefault(fips, []).append(row["name"])
    return names


def build_rows(vintage: int = DEFAULT_VINTAGE) -> list[list[str]]:
    """The dataset's rows (without the header), sorted by FIPS."""
    rows: list[list[str]] = []
    for fips, names in sorted(_census_names(vintage).items()):
        if len(set(names)) > 1:
            if fips not in PREFERRED_NAMES or PREFERRED_NAMES[fips] not in names:
                raise DatasetError(
                    f"{fips} has several names ({', '.join(names)}); choose one in PREFERRED_NAMES."
                )
            name = PREFERRED_NAMES[fips]
        else:
            name = names[0]
        name = _fix_case(name)
        kind = kind_of(fips, name)
        division = ocd_id(fips, name, kind)
        ocd_id_validator(division)
        state = _FIPS_TO_STATE[fips[:2]]
        values = {"name": name, "kind": str(kind), "state": state, "fips": fips, "ocd_id": division}
        rows.append([values.get(column, "") for column in COLUMNS])
    return rows


def render(vintage: int = DEFAULT_VINTAGE) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(build_rows(vintage))
    return out.getvalue()
