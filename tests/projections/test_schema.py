"""A read model's tables as its declaration makes them: the same columns,
types, nullability, keys and indexes as the hand-written DDL of the models'
current versions (so stating the schema once forced no rebuild), and a
declaration the database agrees with column by column."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest

from domain.shared.calendar import WorkingDayCalendar
from projections.cases import DEADLINES
from projections.licensing import licensing_read_models
from projections.runtime import SCHEMA, Tables, ensure_runtime
from projections.schema import BigInt, Column, Index, Table, columns_of

GOLDEN = "golden"

# The tables as the models' current versions (applications 2, licences 2;
# submissions 1, declared from the start)
# wrote them by hand before their schema was declared once: a snapshot, never
# to be edited to follow a declaration (a change here is a new model version;
# applications 4 added its rollups below the facts; applications 6 the matter).
GOLDEN_DDL = """
CREATE TABLE golden.applications_g1 (
    id uuid NOT NULL, seq bigint NOT NULL, version integer NOT NULL,
    receipt_number text NOT NULL, query_code_hash text NOT NULL,
    item_code text NOT NULL, item_name text NOT NULL, category text NOT NULL,
    unit_code text NOT NULL, applicant_name text NOT NULL, applicant_uscc text,
    channel text NOT NULL, approval_mode text NOT NULL, status text NOT NULL,
    received_on date NOT NULL, correction_due date NOT NULL,
    correction_due_provisional boolean NOT NULL,
    correction_due_version text NOT NULL, statutory_limit_wd integer NOT NULL,
    promised_limit_wd integer NOT NULL,
    matter text NOT NULL, decision_rule text NOT NULL, -- version 6 (issue 14)
    acceptance text, accepted_on date,
    decision_due date, decision_due_provisional boolean NOT NULL,
    decision_due_version text, promised_due date,
    promised_due_provisional boolean NOT NULL, promised_due_version text,
    clock_stopped boolean NOT NULL, excluded_wd integer NOT NULL,
    extended boolean NOT NULL, deficiency_items text[] NOT NULL,
    supply_deadline date, supply_deadline_provisional boolean NOT NULL,
    supply_deadline_version text, decision text, decided_on date,
    within_legal boolean, within_promised boolean,
    working_days_to_decision integer, interview_unit_code text,
    certificate_due date, certificate_due_provisional boolean NOT NULL,
    certificate_due_version text, certificate_issued_on date,
    certificate_served_on date, licence_id uuid, closed_on date,
    missed text[] NOT NULL, deadline_kind text, deadline_due date,
    deadline_provisional boolean NOT NULL, updated_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX applications_g1_i0 ON golden.applications_g1 (seq);
CREATE INDEX applications_g1_i1 ON golden.applications_g1 (receipt_number);
CREATE INDEX applications_g1_i2 ON golden.applications_g1 (status, seq);
CREATE INDEX applications_g1_i3
    ON golden.applications_g1 (unit_code text_pattern_ops, seq);
CREATE INDEX applications_g1_i4 ON golden.applications_g1 (applicant_uscc, seq);
CREATE INDEX applications_g1_i5 ON golden.applications_g1 (received_on, seq);
CREATE TABLE golden.applications_g1_facts (
    case_id uuid NOT NULL, metric text NOT NULL, on_date date NOT NULL,
    category text NOT NULL, item_code text NOT NULL, unit_code text NOT NULL,
    within_legal boolean, within_promised boolean, working_days integer,
    matter text NOT NULL -- version 6 (issue 14)
);
CREATE INDEX applications_g1_facts_on_date
    ON golden.applications_g1_facts (on_date);
CREATE INDEX applications_g1_facts_missed
    ON golden.applications_g1_facts (case_id) WHERE metric = 'deadline_missed';
-- Version 4 (issue 9): the statistics' rollups.
CREATE TABLE golden.applications_g1_counts (
    cuboid smallint NOT NULL, grain text NOT NULL, period date NOT NULL,
    unit_code text NOT NULL, item_code text NOT NULL, category text NOT NULL,
    matter text NOT NULL, -- version 6 (issue 14)
    received integer NOT NULL, accepted integer NOT NULL,
    not_accepted integer NOT NULL, completed integer NOT NULL,
    completed_within_legal_limit integer NOT NULL,
    completed_on_time integer NOT NULL,
    completed_within_promised_limit integer NOT NULL, granted integer NOT NULL,
    refused integer NOT NULL, terminated integer NOT NULL,
    withdrawn integer NOT NULL, certificates_issued integer NOT NULL,
    certificates_served integer NOT NULL, deadlines_missed integer NOT NULL,
    PRIMARY KEY (cuboid, grain, period, unit_code, item_code, category, matter)
) WITH (fillfactor = 70);
CREATE INDEX applications_g1_counts_unit ON golden.applications_g1_counts
    (cuboid, grain, unit_code text_pattern_ops, period);
CREATE TABLE golden.applications_g1_decision_days (
    cuboid smallint NOT NULL, grain text NOT NULL, period date NOT NULL,
    unit_code text NOT NULL, item_code text NOT NULL, category text NOT NULL,
    matter text NOT NULL, -- version 6 (issue 14)
    working_days integer NOT NULL, decisions integer NOT NULL,
    PRIMARY KEY (cuboid, grain, period, unit_code, item_code, category, matter,
                 working_days)
) WITH (fillfactor = 70);
CREATE INDEX applications_g1_decision_days_unit
    ON golden.applications_g1_decision_days
    (cuboid, grain, unit_code text_pattern_ops, period);

CREATE TABLE golden.licences_g1 (
    id uuid NOT NULL, seq bigint NOT NULL, version integer NOT NULL,
    licence_number text NOT NULL, holder_name text NOT NULL, holder_uscc text,
    item_code text NOT NULL, item_name text NOT NULL,
    certificate_name text NOT NULL, unit_code text NOT NULL,
    status text NOT NULL, valid_from date NOT NULL, valid_until date,
    renewal_lead_months integer NOT NULL, renewal_lead_days integer NOT NULL,
    application_id uuid NOT NULL, decision_number text NOT NULL,
    approval_mode text NOT NULL, post_verification_due date,
    post_verification_provisional boolean NOT NULL,
    post_verification_version text, issued_at timestamptz NOT NULL,
    renewal_deadline date, renewal_requested_on date,
    commitment_breached boolean NOT NULL, reminders_sent text[] NOT NULL,
    ended_on date, updated_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX licences_g1_i0 ON golden.licences_g1 (seq);
CREATE INDEX licences_g1_i1 ON golden.licences_g1 (holder_uscc, seq);
CREATE INDEX licences_g1_i2 ON golden.licences_g1 (status, valid_until);
CREATE INDEX licences_g1_i3 ON golden.licences_g1 (unit_code text_pattern_ops, seq);

CREATE TABLE golden.submissions_g1 (
    id uuid NOT NULL, seq bigint NOT NULL, version integer NOT NULL,
    submission_number text NOT NULL, item_code text NOT NULL,
    item_name text NOT NULL, applicant_name text NOT NULL, applicant_uscc text,
    unit_code text NOT NULL, status text NOT NULL, submitted_on date NOT NULL,
    replied_on date, resubmitted_on date, receipt_number text,
    application_id uuid, decided_on date, updated_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX submissions_g1_i0 ON golden.submissions_g1 (seq);
CREATE INDEX submissions_g1_i1 ON golden.submissions_g1 (status, seq);
CREATE INDEX submissions_g1_i2 ON golden.submissions_g1 (unit_code text_pattern_ops, seq);
"""

# Neutral since version 3 (issue 8): a subject, not a licence item; a row may
# be withheld from one member of staff (issue 10 §6: a conduct complaint).
GOLDEN_DEADLINES = """
CREATE TABLE golden.{model}_g1_deadlines (
    case_id uuid NOT NULL, kind text NOT NULL, due date NOT NULL,
    provisional boolean NOT NULL, rule text NOT NULL, on_board boolean NOT NULL,
    action text, fires_on date, lapses_on date, unit_code text NOT NULL,
    reference text NOT NULL, subject_code text NOT NULL, subject_name text NOT NULL,
    party_name text NOT NULL, case_version integer NOT NULL,
    calendar_version text, promised_due date, withheld_from text,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX {model}_g1_timers_idx
    ON golden.{model}_g1_deadlines (fires_on) WHERE action IS NOT NULL;
CREATE INDEX {model}_g1_board_idx
    ON golden.{model}_g1_deadlines (due, case_id) WHERE on_board;
CREATE INDEX {model}_g1_provisional_idx
    ON golden.{model}_g1_deadlines (calendar_version) WHERE provisional;
"""

COLUMNS = """
SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname = ANY(%s)
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = ANY(%s)
ORDER BY c.relname, k.conname
"""

OPTIONS = """
SELECT c.relname, c.reloptions FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = ANY(%s) ORDER BY c.relname
"""

INDEXES = """
SELECT tablename, indexname, replace(indexdef, %s, '')
FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s)
ORDER BY tablename, indexname
"""


def models() -> list[Any]:
    return [
        m
        for m in licensing_read_models(WorkingDayCalendar())
        if m.name in GOLDEN_MODELS
    ]


# The models the snapshot above is of; a model declared later without one
# (joint_reviews, the aftercare's) has no hand-written past to compare with
# (tests/api/test_aftercare_api.py and test_joint_review_api.py check them
# through their queries).
GOLDEN_MODELS = frozenset({"applications", "licences", "submissions"})


def model_tables(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    names = {m.name for m in models()} & GOLDEN_MODELS
    return [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        )
        if name.split("_g1", 1)[0] in names
    ]


def catalogue(conn: psycopg.Connection[Any], schema: str) -> dict[str, list[Any]]:
    """What PostgreSQL knows of a schema's model tables, schema name left out."""
    tables = model_tables(conn, schema)
    return {
        "columns": conn.execute(COLUMNS, (schema, tables)).fetchall(),
        "constraints": conn.execute(CONSTRAINTS, (schema, tables)).fetchall(),
        "indexes": conn.execute(INDEXES, (f"{schema}.", schema, tables)).fetchall(),
        "options": conn.execute(OPTIONS, (schema, tables)).fetchall(),
    }


@pytest.fixture
def built(fresh_database: str) -> Iterator[psycopg.Connection[Any]]:
    """The golden tables, and each model's tables (generation 1) as it builds them."""
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        ensure_runtime(conn)
        conn.execute(f"CREATE SCHEMA {GOLDEN}")
        conn.execute(GOLDEN_DDL)
        for model in models():
            if model.name in GOLDEN_MODELS:
                conn.execute(GOLDEN_DEADLINES.format(model=model.name))
            with conn.transaction(), conn.cursor() as cur:
                model.create_tables(cur, Tables(model.name, 1))
        yield conn


@pytest.mark.db
def test_each_model_builds_exactly_the_tables_of_its_current_version(
    built: psycopg.Connection[Any],
) -> None:
    golden = catalogue(built, GOLDEN)
    assert len(model_tables(built, GOLDEN)) == 9
    assert catalogue(built, SCHEMA) == golden


HELD = """
SELECT attname, format_type(atttypid, atttypmod), NOT attnotnull FROM pg_attribute
WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
"""


def declared(conn: psycopg.Connection[Any], table: Table[Any]) -> list[Any]:
    """A table's declared columns, each type as the server spells it
    (timestamptz is `timestamp with time zone`)."""
    spell = "SELECT %s::regtype::text"
    return [
        (c.name, conn.execute(spell, (c.type,)).fetchone()[0], c.nullable)  # type: ignore[index]
        for c in table.columns
    ]


@pytest.mark.db
def test_each_declared_table_is_what_the_database_holds_column_by_column(
    built: psycopg.Connection[Any],
) -> None:
    for model in models():
        rollups = [r.table for r in model.rollups]
        for table in (model.row_table, DEADLINES, model.fact_table, *rollups):
            if table is not None:
                name = Tables(model.name, 1)(table.part).as_string(built)
                held = built.execute(HELD, (name,)).fetchall()
                assert held == declared(built, table), name


@dataclass
class Row:
    id: UUID
    seq: BigInt
    note: str | None
    tags: list[str]
    at: datetime


def test_a_row_dataclass_states_its_columns_types_and_nullability() -> None:
    assert columns_of(Row) == (
        Column("id", "uuid", nullable=False),
        Column("seq", "bigint", nullable=False),
        Column("note", "text", nullable=True),
        Column("tags", "text[]", nullable=False),
        Column("at", "timestamptz", nullable=False),
    )


def test_a_field_without_a_sql_type_or_an_index_on_no_column_is_refused() -> None:
    @dataclass
    class Odd:
        id: UUID
        amount: float

    with pytest.raises(TypeError, match="amount"):
        columns_of(Odd)
    with pytest.raises(ValueError, match="sequence"):
        Table(Row, indexes=(Index("sequence"),))
