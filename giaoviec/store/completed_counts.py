"""The completed tasks of each lead unit, on time and late, kept by the database itself.

A province's figures count its whole subtree; three tasks in four are completed, and a
completed task's standing never changes with the clock (on time or late, for good). So the
database keeps their numbers per lead unit path in `completedcount`, by triggers on `task`:
every write — the workflows' read-model activities, the org importer moving a unit's tasks,
bulk loads, a restore — adds and takes away exactly what it changed, in the same transaction,
so the rollup can never drift from the rows. `giaoviec.reads.live_counts` reads it with a live
clock and counts only the open tasks row by row.

On time is `domain.tally.judge`'s rule for a completed task, as
`giaoviec.reads.counts._on_time` says it in SQL: the product submitted (else the completion)
no later than the deadline; a missing instant is late. tests/api/test_completed_counts.py
holds the rollup equal to that count over random writes on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Index, event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

from domain.lifecycle import TaskState

COMPLETED = TaskState.COMPLETED.value


class CompletedCount(SQLModel, table=True):
    """Completed tasks led by one unit (by its path), on time and late: kept by triggers on
    `task` (giaoviec.store.completed_counts), never written by the application."""

    __table_args__ = (
        # A subtree's rows are `LIKE '/p/u/%'`: a pattern-ops index on PostgreSQL.
        Index("ix_completedcount_subtree", "lead_unit_path",
              postgresql_ops={"lead_unit_path": "varchar_pattern_ops"},
              postgresql_include=["on_time", "late"]),
    )

    lead_unit_path: str = Field(primary_key=True, max_length=2000)
    on_time: int = 0
    late: int = 0


def _on_time(row: str) -> str:
    return (f"CASE WHEN coalesce({row}.submitted_at, {row}.completed_at) <= {row}.deadline "
            "THEN 1 ELSE 0 END")


def _add(row: str, sign: str) -> str:
    """The statement adding (sign '+') or taking away ('-') one row's count, if the row is a
    completed task. (INSERT … SELECT … WHERE: SQLite parses ON CONFLICT after a WHERE.)"""
    on_time = _on_time(row)
    return (f"INSERT INTO completedcount (lead_unit_path, on_time, late) "
            f"SELECT {row}.lead_unit_path, {sign}({on_time}), {sign}(1 - {on_time}) "
            f"WHERE {row}.state = '{COMPLETED}' "
            "ON CONFLICT (lead_unit_path) DO UPDATE SET "
            "on_time = completedcount.on_time + excluded.on_time, "
            "late = completedcount.late + excluded.late")


# Each trigger fires only for a row that is or was completed: the other writes cost nothing.
_WHEN = {
    "insert": f"NEW.state = '{COMPLETED}'",
    "update": f"OLD.state = '{COMPLETED}' OR NEW.state = '{COMPLETED}'",
    "delete": f"OLD.state = '{COMPLETED}'",
}
_BODY = {"insert": [_add("NEW", "+")], "update": [_add("OLD", "-"), _add("NEW", "+")],
         "delete": [_add("OLD", "-")]}

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION giaoviec_completed_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_add("OLD", "-")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_add("NEW", "+")};
    END IF;
    RETURN NULL;
END
$$
"""


def _statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [_POSTGRES_FUNCTION] + [
            f"CREATE TRIGGER task_completed_{op} AFTER {op.upper()} ON task FOR EACH ROW "
            f"WHEN ({when}) EXECUTE FUNCTION giaoviec_completed_count()"
            for op, when in _WHEN.items()
        ]
    return [
        f"CREATE TRIGGER task_completed_{op} AFTER {op.upper()} ON task FOR EACH ROW "
        f"WHEN {when} BEGIN {'; '.join(_BODY[op])}; END"
        for op, when in _WHEN.items()
    ]


def create_triggers(conn: Connection) -> None:
    """Install the triggers (after `completedcount` and `task` exist)."""
    drop_triggers(conn)
    for statement in _statements(conn.dialect.name):
        conn.execute(text(statement))


def drop_triggers(conn: Connection) -> None:
    for op in _WHEN:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP TRIGGER IF EXISTS task_completed_{op} ON task"))
        else:
            conn.execute(text(f"DROP TRIGGER IF EXISTS task_completed_{op}"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP FUNCTION IF EXISTS giaoviec_completed_count()"))


@contextmanager
def bulk_load(engine: Engine) -> Iterator[None]:
    """Many tasks written at once with no one else writing (a benchmark's load, a one-off
    import): the triggers off meanwhile and every completed task counted once after, instead
    of one upsert per row (a million tasks: 334 s through the triggers, docs/benchmarks.md)."""
    with engine.begin() as conn:
        drop_triggers(conn)
    try:
        yield
    finally:
        with engine.begin() as conn:
            create_triggers(conn)
            rebuild(conn)


def rebuild(conn: Connection) -> None:
    """Count every completed task again (after the migration that adds the rollup)."""
    conn.execute(text("DELETE FROM completedcount"))
    on_time = _on_time("task")
    conn.execute(text(
        "INSERT INTO completedcount (lead_unit_path, on_time, late) "
        f"SELECT lead_unit_path, sum({on_time}), sum(1 - {on_time}) FROM task "
        f"WHERE state = '{COMPLETED}' GROUP BY lead_unit_path"))
    if conn.dialect.name == "postgresql":  # the planner's estimate of a subtree's rows
        conn.execute(text("ANALYZE completedcount"))


@event.listens_for(SQLModel.metadata, "after_create")
def _completed_count_triggers(_target: object, connection: Connection, **kw: object) -> None:
    """`create_all` (tests, a sample database) installs the triggers as migration 0014 does."""
    tables = kw.get("tables")
    names = {t.name for t in tables} if isinstance(tables, list) else set()
    if {"task", "completedcount"} <= names:
        create_triggers(connection)
