"""Statistics on jurisdictions' names as the public search compares them (PostgreSQL).

The public search finds requests by part of their jurisdiction's name
(``UPPER(name) LIKE '%...%'``). Without statistics on that expression the planner
guesses that a word like "county" names one jurisdiction, and looks up each of the
thousands it does name one by one; with them it reads the published requests once.
SQLite has no such statistics: nothing to do there.
"""

from typing import Any

from django.db import migrations

CREATE = [
    "CREATE STATISTICS jurisdictions_jurisdiction_name_upper ON (UPPER(name::text)) "
    "FROM jurisdictions_jurisdiction;",
    "ANALYZE jurisdictions_jurisdiction;",
]
DROP = ["DROP STATISTICS IF EXISTS jurisdictions_jurisdiction_name_upper;"]


def _on_postgresql(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("jurisdictions", "0002_date_ranges_and_reply_window_limit")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
