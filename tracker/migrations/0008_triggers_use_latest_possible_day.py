"""The response/letter triggers compare a reply's *latest possible* day.

A reply dated only "2011" may be from any day of 2011, so it predates a letter
only if the letter was sent after 31 December 2011. The first version of these
triggers looked only at replies known to the day.
"""

from typing import Any

from django.db import migrations

SQLITE_LATEST = """CASE {row}.responded_on_precision
            WHEN 'day' THEN {row}.responded_on
            WHEN 'month' THEN date({row}.responded_on, '+1 month', '-1 day')
            ELSE date({row}.responded_on, '+1 year', '-1 day') END"""

# In parentheses: PL/pgSQL ends an IF condition at the first THEN it sees outside them.
POSTGRES_LATEST = """(CASE {row}.responded_on_precision
            WHEN 'day' THEN {row}.responded_on
            WHEN 'month' THEN ({row}.responded_on + interval '1 month' - interval '1 day')::date
            ELSE ({row}.responded_on + interval '1 year' - interval '1 day')::date END)"""

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tracker_response_matches_letter_INSERT;",
    "DROP TRIGGER IF EXISTS tracker_response_matches_letter_UPDATE;",
    "DROP TRIGGER IF EXISTS tracker_letter_keeps_responses_valid;",
]

SQLITE = (
    SQLITE_DROP
    + [
        f"""
    CREATE TRIGGER tracker_response_matches_letter_{event}
    BEFORE {event} ON tracker_agencyresponse
    FOR EACH ROW WHEN NEW.letter_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'tracker_response_letter_same_request')
        WHERE (SELECT request_id FROM tracker_letter WHERE id = NEW.letter_id) != NEW.request_id;
        SELECT RAISE(ABORT, 'tracker_response_not_before_letter')
        WHERE NEW.responded_on IS NOT NULL
          AND {SQLITE_LATEST.format(row="NEW")}
              < (SELECT sent_on FROM tracker_letter WHERE id = NEW.letter_id);
    END;
    """
        for event in ("INSERT", "UPDATE")
    ]
    + [
        f"""
    CREATE TRIGGER tracker_letter_keeps_responses_valid
    BEFORE UPDATE OF request_id, sent_on ON tracker_letter
    FOR EACH ROW
    BEGIN
        SELECT RAISE(ABORT, 'tracker_response_letter_same_request')
        WHERE EXISTS (SELECT 1 FROM tracker_agencyresponse r
                      WHERE r.letter_id = NEW.id AND r.request_id != NEW.request_id);
        SELECT RAISE(ABORT, 'tracker_response_not_before_letter')
        WHERE EXISTS (SELECT 1 FROM tracker_agencyresponse r
                      WHERE r.letter_id = NEW.id AND r.responded_on IS NOT NULL
                        AND {SQLITE_LATEST.format(row="r")} < NEW.sent_on);
    END;
    """
    ]
)

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION tracker_check_response_letter() RETURNS trigger AS $$
    DECLARE letter_request bigint; letter_sent date;
    BEGIN
        IF NEW.letter_id IS NULL THEN RETURN NEW; END IF;
        SELECT request_id, sent_on INTO letter_request, letter_sent
            FROM tracker_letter WHERE id = NEW.letter_id;
        IF letter_request <> NEW.request_id THEN
            RAISE EXCEPTION 'tracker_response_letter_same_request'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.responded_on IS NOT NULL AND {POSTGRES_LATEST.format(row="NEW")} < letter_sent THEN
            RAISE EXCEPTION 'tracker_response_not_before_letter'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE OR REPLACE FUNCTION tracker_check_letter_responses() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM tracker_agencyresponse r
                   WHERE r.letter_id = NEW.id AND r.request_id <> NEW.request_id) THEN
            RAISE EXCEPTION 'tracker_response_letter_same_request'
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM tracker_agencyresponse r
                   WHERE r.letter_id = NEW.id AND r.responded_on IS NOT NULL
                     AND {POSTGRES_LATEST.format(row="r")} < NEW.sent_on) THEN
            RAISE EXCEPTION 'tracker_response_not_before_letter'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("tracker", "0007_date_ranges_and_transition_history")]

    # Going back leaves the stricter triggers in place: they refuse only rows
    # that the older ones should have refused too.
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}), migrations.RunPython.noop
        )
    ]
