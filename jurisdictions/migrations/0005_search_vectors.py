"""Jurisdictions, agencies and contacts in the staff search (PostgreSQL only).

Each table gets a stored full-text vector of the fields the search reads
(``tracker.domain.selectors.SEARCHED_FIELDS``), kept by a trigger on every write and
indexed (GIN), as requests, letters and replies have had since
``tracker/migrations/0012_search_vectors.py`` (``core/search_vectors.py`` writes the
SQL). A contact's ways of reaching them are not searched. SQLite gets nothing: there
the search is a substring match on the same fields.
"""

from django.db import migrations

from core.search_vectors import add_vector_sql, drop_vector_sql, on_postgresql

VECTORS = {
    "jurisdictions_jurisdiction": ("jurisdiction", ("name",)),
    "jurisdictions_agency": ("agency", ("name", "abbreviation")),
    "jurisdictions_contact": ("contact", ("name", "title")),
}

FORWARDS = [
    *(sql for table, (short, fields) in VECTORS.items() for sql in add_vector_sql(table, short, fields)),
    *(f"ANALYZE {table};" for table in VECTORS),
]
BACKWARDS = [sql for table, (short, _f) in VECTORS.items() for sql in drop_vector_sql(table, short)]


class Migration(migrations.Migration):
    dependencies = [("jurisdictions", "0004_text_limits")]

    operations = [migrations.RunPython(on_postgresql(FORWARDS), on_postgresql(BACKWARDS))]
