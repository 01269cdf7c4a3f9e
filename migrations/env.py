"""Alembic environment for the giaoviec read model (see docs/migrations.md).

The database is, in order: a connection the caller put in ``config.attributes["connection"]``,
``sqlalchemy.url`` if the caller set it (``giaoviec.store.migrate.upgrade_database`` does), else the
application's own ``get_settings().resolved_database_url`` (``DATABASE_URL``, or the SQLite
file under ``GIAOVIEC_DATA_DIR``).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import giaoviec.store.models  # noqa: F401  (puts the tables on SQLModel.metadata)
from giaoviec.store.migrate import ensure_sqlite_dir, migration_options

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from giaoviec.config import get_settings

    return get_settings().resolved_database_url


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``) instead of running it."""
    url = database_url()
    dialect_name = url.split(":", 1)[0].split("+", 1)[0]
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **migration_options(dialect_name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_with_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        **migration_options(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with_connection(connection)
        return
    url = database_url()
    ensure_sqlite_dir(url)
    # No pragmas here: SQLite batch mode rebuilds tables, which foreign_keys=ON would hinder.
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            run_with_connection(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
