"""The data migration that links the seeds named in ``source`` text."""

from __future__ import annotations

import importlib

import pytest

from tests.factories import RequestFactory, SourceFactory, StatementFactory
from tracker.models import Source

pytestmark = pytest.mark.django_db

migration = importlib.import_module("tracker.migrations.0023_sources_from_seeds")


def test_the_seeds_named_are_read_from_the_text() -> None:
    assert migration.seeds_named("seeds 000, 001, 004") == ["000", "001", "004"]
    assert migration.seeds_named("seed 003") == ["003"]
    assert migration.seeds_named("seeds 000 and 003; county minutes") == ["000", "003"]
    assert migration.seeds_named("county minutes") == []


def test_seed_text_becomes_links_and_other_text_stays() -> None:
    from django.apps import apps

    known = SourceFactory(seed="001", reference="seed-001")
    only_seeds = RequestFactory(source="seeds 001, 003")
    mixed = StatementFactory(source="seed 001; the county's minutes")
    other = StatementFactory(source="the county's minutes")
    migration.link_seeds(apps, None)
    only_seeds.refresh_from_db()
    mixed.refresh_from_db()
    other.refresh_from_db()
    assert {s.seed for s in only_seeds.sources.all()} == {"001", "003"}
    assert only_seeds.source == ""
    assert list(mixed.sources.all()) == [known]
    assert mixed.source == "seed 001; the county's minutes"
    assert not other.sources.exists() and other.source == "the county's minutes"
    # A seed the database had no source for gets one, to be completed by the record.
    assert Source.objects.get(seed="003").reference == "seed-003"
