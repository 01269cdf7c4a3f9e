"""Schema migrations for the read model, run from code (start-up, tests, the CLI).

The Alembic project lives at the repository root (``alembic.ini``, ``migrations/``); the
package is installed editable, so it is found relative to this file. ``migrations/env.py``
uses :func:`migration_options` and :func:`render_item` from here, so the options used when
migrating, when autogenerating and when checking for drift are the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import giaoviec.store.models  # noqa: F401  (puts the tables on SQLModel.metadata)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a file-backed SQLite database; SQLite will not."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render column types from outside SQLAlchemy by class name, importing the class.

    Without this, autogenerate writes ``giaoviec.store.db.UTCDateTime(...)`` and
    ``sqlmodel.sql.sqltypes.AutoString(...)`` with no import for either; with it, revisions
    get ``from giaoviec.store.db import UTCDateTime`` and
    ``from sqlmodel.sql.sqltypes import AutoString``.
    """
    if type_ != "type":
        return False
    cls = type(obj)
    module = cls.__module__
    if module.startswith("sqlalchemy") or module == "builtins":
        return False
    if autogen_context.imports is not None:
        autogen_context.imports.add(f"from {module} import {cls.__name__}")
    return repr(obj)


def migration_options(dialect_name: str) -> dict[str, Any]:
    """``context.configure`` options shared by env.py and :func:`check_database_current`."""
    return {
        "compare_type": True,
        "compare_server_default": True,
        "render_item": render_item,
        # SQLite can hardly ALTER; batch mode rebuilds the table ("move and copy") instead.
        "render_as_batch": dialect_name == "sqlite",
    }


def alembic_config(url: str | None = None) -> Config:
    """The project's Alembic config, pointed at ``url`` (else env.py uses the settings)."""
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates "%"; URL-encoded passwords and options contain it.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Leave the application's logging alone when migrating from inside it.
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``; a no-op when already there."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade_database(url: str, revision: str = "base") -> None:
    """Take the database at ``url`` down to ``revision`` (``base``: drop every table)."""
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is stamped with (None: never migrated)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def check_database_current(url: str) -> list[Any]:
    """What autogenerate would change to make the database match the models; [] if nothing."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts=migration_options(conn.dialect.name))
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()
