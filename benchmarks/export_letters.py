"""Time and peak memory of the letters CSV export, for lists of growing length.

Usage (from the project folder)::

    .venv/bin/python benchmarks/export_letters.py            # 2,000 / 10,000 / 40,000 letters
    .venv/bin/python benchmarks/export_letters.py 1000 5000  # other sizes

For each size it builds a fresh SQLite database in a temporary folder with that
many letters (each with a recipient), streams the export the staff pages, the
admin and the API all use (``tracker.domain.exports.csv_lines``), and prints the time
and Python's peak traced memory. Bounded memory means the peak stays flat as
the list grows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(size: int) -> None:
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command

    from jurisdictions.models import Agency, Jurisdiction
    from tracker.domain import exports
    from tracker.models import Letter, OptOutRequest

    call_command("migrate", verbosity=0)
    jurisdiction = Jurisdiction.objects.create(name="Bench County", state="CA", kind="county")
    request = OptOutRequest.objects.create(jurisdiction=jurisdiction, title="Bench")
    sender = Agency.objects.create(name="Sheriff", level="local", kind="sheriff")
    ice = Agency.objects.create(name="ICE", level="federal", kind="component")
    Letter.objects.bulk_create(
        (
            Letter(
                request=request,
                sender=sender,
                subject=f"Letter {n}",
                reference=f"bench-{n}",
                sent_on=dt.date(2010, 9, 1),
                due_on=dt.date(2010, 10, 1),
                awaiting_reply=True,
            )
            for n in range(size)
        ),
        batch_size=2000,
    )
    through = Letter.recipients.through
    through.objects.bulk_create(
        (
            through(letter_id=pk, agency_id=ice.pk)
            for pk in Letter.objects.values_list("pk", flat=True)
        ),
        batch_size=5000,
    )
    tracemalloc.start()
    started = time.perf_counter()
    lines = sum(1 for _ in exports.csv_lines(exports.LETTERS, Letter.objects.all()))
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    print(f"{size:>7} letters  {lines - 1:>7} rows  {elapsed:6.1f} s  peak {peak / 1e6:5.1f} MB")


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [2000, 10000, 40000]
    print("letters CSV export on SQLite (time, Python peak memory)")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "SECRET_KEY": "benchmark-only-key",
                "DEBUG": "false",
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            }
            subprocess.run([sys.executable, __file__, "--child", str(size)], env=env, check=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
