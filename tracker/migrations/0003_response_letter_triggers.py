"""Database triggers for the invariants that span two tables.

A CHECK constraint can only see one row, but "a response answers a letter of
its own request" and "a response cannot predate the letter it answers" compare
a response with its letter. These triggers enforce both on SQLite and
PostgreSQL; ``AgencyResponse.clean()`` gives people the friendly message first.
"""

from typing import Any

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER tracker_response_matches_letter_{event}
    BEFORE {event} ON tracker_agencyresponse
    FOR EACH ROW WHEN NEW.letter_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'tracker_response_letter_same_request')
        WHERE (SELECT request_id FROM tracker_letter WHERE id = NEW.letter_id) != NEW.request_id;
        SELECT RAISE(ABORT, 'tracker_response_not_before_letter')
        WHERE NEW.responded_on_precision = 'day'
          AND NEW.responded_on < (SELECT sent_on FROM tracker_letter WHERE id = NEW.letter_id);
    END;
    """.format(event=event)
    for event in ("INSERT", "UPDATE")
] + [
    """
    CREATE TRIGGER tracker_letter_keeps_responses_valid
    BEFORE UPDATE OF request_id, sent_on ON tracker_letter
    FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, 'tracker_response_letter_same_request')
        WHERE EXISTS (SELECT 1 FROM tracker_agencyresponse r
                      WHERE r.letter_id = NEW.id AND r.request_id != NEW.request_id);
        SELECT RAISE(ABORT, 'tracker_response_not_before_letter')
        WHERE EXISTS (SELECT 1 FROM tracker_agencyresponse r
                      WHERE r.letter_id = NEW.id AND r.responded_on_precision = 'day'
                        AND r.responded_on < NEW.sent_on);
    END;
    """
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tracker_response_matches_letter_INSERT;",
    "DROP TRIGGER IF EXISTS tracker_response_matches_letter_UPDATE;",
    "DROP TRIGGER IF EXISTS tracker_letter_keeps_responses_valid;",
]

POSTGRES = [
    """
    CREATE FUNCTION tracker_check_response_letter() RETURNS trigger AS $$
    DECLARE letter_request bigint; letter_sent date;
    BEGIN
        IF NEW.letter_id IS NULL THEN RETURN NEW; END IF;
        SELECT request_id, sent_on INTO letter_request, letter_sent
            FROM tracker_letter WHERE id = NEW.letter_id;
        IF letter_request <> NEW.request_id THEN
            RAISE EXCEPTION 'tracker_response_letter_same_request'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.responded_on_precision = 'day' AND NEW.responded_on < letter_sent THEN
            RAISE EXCEPTION 'tracker_response_not_before_letter'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER tracker_response_matches_letter
    BEFORE INSERT OR UPDATE ON tracker_agencyresponse
    FOR EACH ROW EXECUTE FUNCTION tracker_check_response_letter();
    """,
    """
    CREATE FUNCTION tracker_check_letter_responses() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM tracker_agencyresponse r
                   WHERE r.letter_id = NEW.id AND r.request_id <> NEW.request_id) THEN
            RAISE EXCEPTION 'tracker_response_letter_same_request'
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM tracker_agencyresponse r
                   WHERE r.letter_id = NEW.id AND r.responded_on_precision = 'day'
                     AND r.responded_on < NEW.sent_on) THEN
            RAISE EXCEPTION 'tracker_response_not_before_letter'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER tracker_letter_keeps_responses_valid
    BEFORE UPDATE OF request_id, sent_on ON tracker_letter
    FOR EACH ROW EXECUTE FUNCTION tracker_check_letter_responses();
    """,
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS tracker_response_matches_letter ON tracker_agencyresponse;",
    "DROP TRIGGER IF EXISTS tracker_letter_keeps_responses_valid ON tracker_letter;",
    "DROP FUNCTION IF EXISTS tracker_check_response_letter();",
    "DROP FUNCTION IF EXISTS tracker_check_letter_responses();",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_roles")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
