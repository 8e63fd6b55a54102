"""How long importing the national county list takes, on SQLite and on PostgreSQL.

Usage (from the project folder)::

    .venv/bin/python benchmarks/import_jurisdictions.py
    .venv/bin/python benchmarks/import_jurisdictions.py --postgres postgres://postgres@127.0.0.1:5432

For each database it creates a fresh one (an SQLite file in a temporary folder;
a PostgreSQL database named ``opt_out_tracker_import_bench``, dropped at the
end), migrates it, loads the four 2010 jurisdictions, then imports
``jurisdictions/data/us_counties.csv`` twice and prints each run's time: the
first run creates about 3,230 jurisdictions, the second finds nothing to change.
A third run imports the same file with every deployment status set to
"scheduled", so every jurisdiction is updated (with a history row each).
Pass ``--postgres ''`` to skip PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "opt_out_tracker_import_bench"


def child() -> None:
    """Run inside a process whose DATABASE_URL names the fresh database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    from jurisdictions.data.counties import DATASET
    from jurisdictions.domain.importer import import_csv
    from jurisdictions.models import Jurisdiction

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("loaddata", "jurisdictions", verbosity=0)
    data = DATASET.read_bytes()
    # A third run sets every row's deployment status: the worst case of a refresh.
    scheduled = data.replace(b",,,\n", b",scheduled,,\n")
    timings = []
    for run, content in ((1, data), (2, data), (3, scheduled)):
        started = time.perf_counter()
        plan = import_csv(content, reason="benchmark")
        elapsed = time.perf_counter() - started
        timings.append(
            {
                "run": run,
                "seconds": round(elapsed, 2),
                "created": len(plan.creates),
                "updated": len(plan.updates),
                "unchanged": len(plan.unchanged),
            }
        )
    timings.append({"jurisdictions": Jurisdiction.objects.count()})
    print(json.dumps(timings))


def measure(label: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        print(f"{label}: failed\n{result.stderr}", file=sys.stderr)
        raise SystemExit(1)
    *runs, total = json.loads(result.stdout.strip().splitlines()[-1])
    for run in runs:
        print(
            f"{label:<11} run {run['run']}: {run['seconds']:>5.2f} s "
            f"(created {run['created']}, updated {run['updated']}, "
            f"unchanged {run['unchanged']})"
        )
    print(f"{label:<11} jurisdictions afterwards: {total['jurisdictions']}")


def with_postgres_database(server_url: str) -> None:
    import psycopg

    admin_url = server_url.rstrip("/") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        measure("PostgreSQL", server_url.rstrip("/") + "/" + BENCH_DB)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without a database name ('' to skip).",
    )
    args = parser.parse_args()
    if args.child:
        child()
        return
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    if args.postgres:
        with_postgres_database(args.postgres)


if __name__ == "__main__":
    main()
