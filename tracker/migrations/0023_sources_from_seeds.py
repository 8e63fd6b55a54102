"""Turn the free-text ``source`` naming seed documents ("seeds 000, 001") into links to
:class:`tracker.models.Source` records.

Each seed number named becomes a citation of the source with that seed number
(created as ``seed-NNN`` with a placeholder title when the database has none yet;
loading the 2010 record then gives it its title, publisher and date). When the text
named nothing but seeds, it is cleared; any other text is kept as it was: ``source``
stays the free-text place for sources not (yet) recorded as sources.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

#: "seed 003", "seeds 000, 001, 004", "seeds 000 and 003" (nothing else).
ONLY_SEEDS = re.compile(r"^\s*seeds?\s+\d{3}(\s*(,|and|&)\s*\d{3})*\s*\.?\s*$", re.IGNORECASE)
SEED_LIST = re.compile(r"\bseeds?\s+((?:\d{3}(?:\s*(?:,|and|&)\s*)?)+)", re.IGNORECASE)
MODELS = ("OptOutRequest", "Letter", "AgencyResponse", "Meeting", "Statement")


def seeds_named(text: str) -> list[str]:
    found: list[str] = []
    for match in SEED_LIST.finditer(text):
        found += [n for n in re.findall(r"\d{3}", match[1]) if n not in found]
    return found


def link_seeds(apps: Any, schema_editor: Any) -> None:
    source_model = apps.get_model("tracker", "Source")
    known = {s.seed: s for s in source_model.objects.exclude(seed="")}
    for name in MODELS:
        model = apps.get_model("tracker", name)
        for record in model.objects.exclude(source="").iterator():
            seeds = seeds_named(record.source)
            if not seeds:
                continue
            for seed in seeds:
                if seed not in known:
                    known[seed] = source_model.objects.create(
                        reference=f"seed-{seed}", seed=seed, title=f"Seed document {seed}"
                    )
            record.sources.add(*(known[seed] for seed in seeds))
            if ONLY_SEEDS.match(record.source):
                # A column of its own, not an edit: no new version, no history row.
                model.objects.filter(pk=record.pk).update(source="")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0022_later_dates_latest_day")]

    operations = [migrations.RunPython(link_seeds, migrations.RunPython.noop)]
