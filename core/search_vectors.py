"""The SQL of a stored full-text vector kept by a trigger (PostgreSQL only).

``tracker/migrations/0012_search_vectors.py`` gave requests, letters and replies a
``search_vector`` column, kept by a trigger and indexed (GIN); the later migrations
that search more kinds and the text of attachments build theirs with these functions,
so every table's vector is made the same way: ``to_tsvector('english', ...)`` of the
searched fields joined by a space, recomputed whenever one of them (or the column
itself) is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def document(fields: Sequence[str], row: str = "") -> str:
    """The text a row's vector is made of: its fields joined by a space."""
    return " || ' ' || ".join(f"COALESCE({row}{name}::text, '')" for name in fields)


def function_sql(function: str, fields: Sequence[str]) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := to_tsvector('english'::regconfig, {document(fields, "NEW.")});
            RETURN NEW;
        END;
        $$;
        """


def trigger_sql(function: str, table: str, fields: Sequence[str]) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {function} ON {table};",
        f"""
        CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {", ".join(fields)}, search_vector
        ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();
        """,
    ]


def add_vector_sql(table: str, short: str, fields: Sequence[str]) -> list[str]:
    """A new ``search_vector`` column on ``table``, filled, kept by a trigger, indexed."""
    function = f"{table.split('_', 1)[0]}_{short}_search_vector"
    return [
        # Filled as a generated column (one rewrite of the table), then made plain.
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('english'::regconfig, {document(fields)})) STORED;",
        f"ALTER TABLE {table} ALTER COLUMN search_vector DROP EXPRESSION;",
        function_sql(function, fields),
        *trigger_sql(function, table, fields),
        f"CREATE INDEX {function.removesuffix('_vector')} ON {table} USING gin (search_vector);",
    ]


def drop_vector_sql(table: str, short: str) -> list[str]:
    function = f"{table.split('_', 1)[0]}_{short}_search_vector"
    return [
        f"DROP TRIGGER IF EXISTS {function} ON {table};",
        f"DROP FUNCTION IF EXISTS {function}();",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector;",
    ]


def on_postgresql(statements: list[str]) -> Any:
    """A ``RunPython`` function running ``statements`` on PostgreSQL, nothing elsewhere."""

    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run
