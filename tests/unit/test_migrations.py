"""The Alembic migrations build exactly the schema the models describe.

A model change without a matching migration fails here. SQLite always runs; PostgreSQL runs
when TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1:5432/test), each
test in a database of its own (or, without CREATEDB, a schema of its own), dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import giaoviec.store.models  # noqa: F401  (puts the tables on SQLModel.metadata)
from giaoviec.store.migrate import (
    alembic_config,
    check_database_current,
    current_revision,
    downgrade_database,
    upgrade_database,
)
from tests.services import need, postgres_url

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
MODEL_TABLES = set(SQLModel.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _admin_engine() -> tuple[Engine, URL]:
    url = make_url(postgres_url())
    if url.get_backend_name() != "postgresql":
        need("PostgreSQL", f"TEST_DATABASE_URL is a {url.get_backend_name()} URL")
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        need("PostgreSQL", f"TEST_DATABASE_URL is unreachable: {exc.orig}")
    return admin, url


def _execute(engine: Engine, sql: str) -> None:
    with engine.connect() as conn:
        conn.execute(text(sql))


def _postgres_database() -> Iterator[str]:
    """A throwaway database, created and dropped around the test."""
    admin, url = _admin_engine()
    name = f"mig_{uuid.uuid4().hex[:12]}"
    try:
        try:
            _execute(admin, f'CREATE DATABASE "{name}"')
        except ProgrammingError:
            # No CREATEDB privilege: isolate in a schema of the given database instead.
            yield from _postgres_schema(admin, url, name)
            return
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            _execute(admin, f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.dispose()


def _postgres_schema(admin: Engine, url: URL, name: str) -> Iterator[str]:
    """A throwaway schema, first on the search_path of every connection to the test URL."""
    _execute(admin, f'CREATE SCHEMA "{name}"')
    try:
        # Rendered as ?options=-csearch_path%3D…, which also exercises "%" in Alembic's config.
        yield url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )
    finally:
        _execute(admin, f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("postgresql-schema", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # A directory that does not exist yet: upgrade_database must create it.
        yield f"sqlite:///{tmp_path / 'data' / 'giaoviec.db'}"
    elif request.param == "postgresql":
        yield from _postgres_database()
    else:
        admin, url = _admin_engine()
        try:
            yield from _postgres_schema(admin, url, f"mig_{uuid.uuid4().hex[:12]}")
        finally:
            admin.dispose()


def test_upgrade_to_head_matches_models(db_url: str) -> None:
    assert HEAD is not None
    upgrade_database(db_url)

    assert current_revision(db_url) == HEAD
    assert _tables(db_url) == MODEL_TABLES | {"alembic_version"}
    diff = check_database_current(db_url)
    assert diff == [], (
        "models and migrations disagree; add a migration "
        f"(.venv/bin/alembic revision --autogenerate -m '...'), see docs/migrations.md: {diff}"
    )


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    upgrade_database(db_url)
    upgrade_database(db_url)

    assert current_revision(db_url) == HEAD
    assert check_database_current(db_url) == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    upgrade_database(db_url)
    downgrade_database(db_url, "base")

    assert current_revision(db_url) is None
    assert _tables(db_url) <= {"alembic_version"}

    upgrade_database(db_url)
    assert current_revision(db_url) == HEAD
    assert check_database_current(db_url) == []


def test_drift_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    upgrade_database(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE unit ADD COLUMN stray INTEGER"))
            conn.execute(text("DROP INDEX ix_task_state"))
    finally:
        engine.dispose()

    kinds = {(d[0], d[2] if d[0] == "remove_column" else None) for d in check_database_current(url)}
    assert ("remove_column", "unit") in kinds
    assert ("add_index", None) in kinds


def test_autogenerate_renders_importable_revision(tmp_path: Path) -> None:
    """A fresh autogenerate needs no hand edits: its imports cover UTCDateTime and AutoString."""
    versions = tmp_path / "versions"
    versions.mkdir()
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    cfg = alembic_config(url)
    cfg.set_main_option("version_locations", str(versions))

    script = command.revision(cfg, message="everything", autogenerate=True, rev_id="9999")
    assert script is not None and not isinstance(script, list)
    source = Path(script.path).read_text(encoding="utf-8")
    assert "from giaoviec.store.db import UTCDateTime" in source
    assert "from sqlmodel.sql.sqltypes import AutoString" in source
    assert "giaoviec.store.db.UTCDateTime" not in source
    assert "sqlmodel.sql.sqltypes.AutoString(" not in source

    # The rendered revision runs as written and yields the models' schema.
    command.upgrade(cfg, "head")
    assert check_database_current(url) == []


def test_existing_briefings_get_distinct_public_ids(db_url: str) -> None:
    """0011 names every briefing already made by a token of its own, then requires one."""
    upgrade_database(db_url, "0010")
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO unit (id, name, kind, path, sort_order) "
                              "VALUES ('tinh', 'UBND tỉnh', 'province', '/tinh/', 0)"))
            for key, period in ((1, "2026-W46"), (2, "2026-W47"), (3, "2026-W48")):
                conn.execute(text(
                    "INSERT INTO briefing (id, period, root_unit_id, revision, as_of, "
                    "generated_at, number, directory) VALUES (:id, :p, 'tinh', 1, "
                    "'2026-11-30 10:00:00', '2026-11-30 10:00:00', '', 'b')"),
                    {"id": key, "p": period})
        upgrade_database(db_url)
        with engine.connect() as conn:
            tokens = dict(conn.execute(text("SELECT id, public_id FROM briefing")).all())
        assert sorted(tokens) == [1, 2, 3]
        assert len(set(tokens.values())) == 3
        assert all(len(t) == 22 and not t.isdigit() for t in tokens.values())
        unique = [ix for ix in inspect(engine).get_indexes("briefing")
                  if ix["column_names"] == ["public_id"]]
        assert unique and unique[0]["unique"]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE briefing SET public_id = :t WHERE id = 2"),
                         {"t": tokens[1]})
    finally:
        engine.dispose()
    assert check_database_current(db_url) == []


def _province_and_chairman(conn: Connection) -> None:
    conn.execute(text("INSERT INTO unit (id, name, kind, path, sort_order) VALUES "
                      "('tinh', 'UBND tỉnh', 'province', '/tinh/', 0)"))
    conn.execute(text("INSERT INTO official (id, username, full_name, unit_id, roles, active) "
                      "VALUES ('ct', 'ct', 'Chủ tịch', 'tinh', 'chairman', :yes)"), {"yes": True})


def test_live_recurring_duties_get_their_claims_the_earliest_first(db_url: str) -> None:
    """0012 gives each live rule a claim on its duty for each of its units (an ended rule
    none); a twin already recorded keeps running without one; a new twin is then refused by
    the database itself."""
    from domain.recurrence import Frequency, Recurrence, duty_key, to_json

    upgrade_database(db_url, "0011")
    engine = create_engine(db_url, poolclass=NullPool)
    weekly = Recurrence(Frequency.WEEKLY, weekday=5)
    try:
        with engine.begin() as conn:
            _province_and_chairman(conn)
            for rule_id, title, units, state, made in (
                    ("r1", "Báo cáo tuần", '["snv", "stc"]', "active", "2026-11-01 01:00:00"),
                    ("r2", "báo cáo  TUẦN", '["stc", "sct"]', "paused", "2026-11-02 01:00:00"),
                    ("r3", "Báo cáo tuần", '["snv"]', "ended", "2026-10-01 01:00:00")):
                conn.execute(text(
                    "INSERT INTO recurringrule (id, creator_id, creator_unit_path, client_key, "
                    "request_hash, title, description, basis, product_kind, "
                    "product_description, recurrence, unit_ids, starts_on, state, created_at) "
                    "VALUES (:id, 'ct', '/tinh/', :id, 'h', :title, 'd', 'b', 'báo cáo', 'p', "
                    ":rec, :units, '2026-11-01', :state, :made)"),
                    {"id": rule_id, "title": title, "rec": to_json(weekly), "units": units,
                     "state": state, "made": made})
        upgrade_database(db_url)
        key = duty_key("Báo cáo tuần", weekly)
        with engine.connect() as conn:
            claims = set(conn.execute(text(
                "SELECT unit_id, duty_key, rule_id FROM rule_duty_claim")).all())
        assert claims == {("snv", key, "r1"), ("stc", key, "r1"), ("sct", key, "r2")}
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO rule_duty_claim (unit_id, duty_key, rule_id) "
                              "VALUES ('snv', :key, 'r3')"), {"key": key})
    finally:
        engine.dispose()
    assert check_database_current(db_url) == []


def test_completed_tasks_already_recorded_are_counted_and_then_kept(db_url: str) -> None:
    """0014 counts the completed tasks already there per lead unit path, then its triggers
    keep the count as tasks are written; down again, nothing of it is left."""
    upgrade_database(db_url, "0013")
    engine = create_engine(db_url, poolclass=NullPool)

    def task(conn: Connection, tid: str, path: str, state: str, submitted: str | None) -> None:
        conn.execute(text(
            "INSERT INTO task (id, client_key, request_hash, title, state, lead_unit_id, "
            "lead_unit_path, owner_id, assigner_id, progress, deadline, original_deadline, "
            "created_at, updated_at, submitted_at, completed_at, overdue_reminders, flagged, "
            "search_text, version) VALUES (:id, :id, '', 't', :state, 'tinh', :path, 'ct', "
            "'ct', 0, '2026-11-10 10:00:00', '2026-11-10 10:00:00', '2026-11-01 10:00:00', "
            "'2026-11-01 10:00:00', :sub, :done, 0, :no, '', 0)"),
            {"id": tid, "state": state, "path": path, "sub": submitted, "no": False,
             "done": submitted and "2026-11-12 10:00:00"})

    def counts(conn: Connection) -> set[tuple[str, int, int]]:
        return set(conn.execute(text(
            "SELECT lead_unit_path, on_time, late FROM completedcount "
            "WHERE on_time <> 0 OR late <> 0")).all())

    try:
        with engine.begin() as conn:
            _province_and_chairman(conn)
            task(conn, "a", "/tinh/", "completed", "2026-11-09 10:00:00")
            task(conn, "b", "/tinh/", "completed", "2026-11-11 10:00:00")
            task(conn, "c", "/tinh/x/", "completed", "2026-11-01 10:00:00")
            task(conn, "d", "/tinh/x/", "in_progress", None)
        upgrade_database(db_url)
        with engine.begin() as conn:
            assert counts(conn) == {("/tinh/", 1, 1), ("/tinh/x/", 1, 0)}
            conn.execute(text("UPDATE task SET state = 'completed', "
                              "submitted_at = '2026-11-20 10:00:00' WHERE id = 'd'"))
            conn.execute(text("DELETE FROM task WHERE id = 'a'"))
            assert counts(conn) == {("/tinh/", 0, 1), ("/tinh/x/", 1, 1)}
        downgrade_database(db_url, "0013")
        assert "completedcount" not in _tables(db_url)
        with engine.begin() as conn:  # no trigger left to write to a missing table
            conn.execute(text("UPDATE task SET state = 'returned' WHERE id = 'b'"))
    finally:
        engine.dispose()
