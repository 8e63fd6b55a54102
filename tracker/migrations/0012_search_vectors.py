"""Stored, indexed search on PostgreSQL: full-text vectors for the staff search, trigram
indexes for the public search.

The staff search (``selectors.search``) ranks requests by title and summary, letters
by subject and summary, replies by summary. Each of these tables gets a
``search_vector`` column holding exactly the vector the search used to build for
every row on each search (``to_tsvector('english', ...)`` of the same fields joined
by a space, so matches and ranks are unchanged), and a GIN index on it.

The column is kept by a trigger, so no write path (the services, the admin, a bulk
update, a shell) can leave it stale: it is recomputed whenever a searched field, or
the column itself, is written. A trigger rather than a generated column because
PostgreSQL refuses to change the type of a column a generated column reads, which
would block a later migration that lengthens a title or a subject.

The column is not a model field: Django never reads or writes it (lists, exports
and history rows do not carry it), and the selectors name it only in the search.

The public search (``selectors.published_search``) is a case-insensitive substring
match (a visitor types part of a name: "Hennes", "Santa Cl"), which full-text words
would not find. Trigram indexes (``pg_trgm``) on the same ``UPPER(field)`` Django
compares serve those ``LIKE '%...%'`` lookups; they are partial, over the rows
marked public, which is all the public search reads.

SQLite (laptops, the default test run) gets none of this: there the searches stay
substring matches over the same fields.
"""

from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

#: table -> (short name, the searched fields in the order the search joins them)
VECTORS = {
    "tracker_optoutrequest": ("request", ("title", "summary")),
    "tracker_letter": ("letter", ("subject", "summary")),
    "tracker_agencyresponse": ("response", ("summary",)),
}

#: table -> (short name, the fields the public search compares as substrings)
TRIGRAMS = {
    "tracker_optoutrequest": ("request", ("title", "summary", "outcome")),
    "tracker_letter": ("letter", ("subject", "summary")),
    "tracker_agencyresponse": ("response", ("summary",)),
    "tracker_meeting": ("meeting", ("place", "outcome")),
}


def _document(fields: tuple[str, ...], row: str = "") -> str:
    # The same text Django's SearchVector("a", "b", config="english") builds.
    return " || ' ' || ".join(f"COALESCE({row}{name}, '')" for name in fields)


def _vector_sql(table: str, short: str, fields: tuple[str, ...]) -> list[str]:
    function = f"tracker_{short}_search_vector"
    return [
        # Added as a generated column, then turned into a plain one the trigger keeps:
        # PostgreSQL fills it in one rewrite of the table, more than twice as fast as an
        # UPDATE of every row (30 s for 200,000 letters).
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('english'::regconfig, {_document(fields)})) STORED;",
        f"ALTER TABLE {table} ALTER COLUMN search_vector DROP EXPRESSION;",
        f"""
        CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := to_tsvector('english'::regconfig, {_document(fields, "NEW.")});
            RETURN NEW;
        END;
        $$;
        """,
        f"""
        CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {", ".join(fields)}, search_vector
        ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();
        """,
        f"CREATE INDEX tracker_{short}_search ON {table} USING gin (search_vector);",
    ]


def _vector_drop_sql(table: str, short: str) -> list[str]:
    function = f"tracker_{short}_search_vector"
    return [
        f"DROP TRIGGER IF EXISTS {function} ON {table};",
        f"DROP FUNCTION IF EXISTS {function}();",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector;",
    ]


def _trigram_sql(table: str, short: str, fields: tuple[str, ...]) -> list[str]:
    # The planner ignores the statistics of a partial index's expression, so the same
    # expression gets statistics of its own: without them it guesses that any word
    # matches a handful of rows, and for a word in every letter it fetches them all
    # instead of walking the letters in date order and stopping at the first fifty.
    return [
        sql
        for name in fields
        for sql in (
            f"CREATE INDEX tracker_{short}_{name}_trgm ON {table} "
            f"USING gin (UPPER({name}::text) gin_trgm_ops) WHERE is_public;",
            f"CREATE STATISTICS tracker_{short}_{name}_upper ON (UPPER({name}::text)) "
            f"FROM {table};",
        )
    ]


def _trigram_drop_sql(short: str, fields: tuple[str, ...]) -> list[str]:
    return [
        sql
        for name in fields
        for sql in (
            f"DROP STATISTICS IF EXISTS tracker_{short}_{name}_upper;",
            f"DROP INDEX IF EXISTS tracker_{short}_{name}_trgm;",
        )
    ]


def _on_postgresql(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


FORWARDS = [
    *(sql for table, (short, fields) in VECTORS.items() for sql in _vector_sql(table, short, fields)),
    *(sql for table, (short, fields) in TRIGRAMS.items() for sql in _trigram_sql(table, short, fields)),
    # Statistics for the new column and expressions, so the first searches are planned well.
    *(f"ANALYZE {table};" for table in TRIGRAMS),
]
BACKWARDS = [
    *(sql for short, fields in TRIGRAMS.values() for sql in _trigram_drop_sql(short, fields)),
    *(sql for table, (short, _fields) in VECTORS.items() for sql in _vector_drop_sql(table, short)),
]


class Migration(migrations.Migration):
    # After the index on the responses' order, which the public search walks too.
    dependencies = [("tracker", "0011_list_order_indexes")]

    operations = [
        # A no-op on SQLite.
        TrigramExtension(),
        migrations.RunPython(_on_postgresql(FORWARDS), _on_postgresql(BACKWARDS)),
    ]
