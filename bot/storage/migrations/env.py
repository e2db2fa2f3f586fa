"""Alembic environment for Ferry.

It runs only on a connection handed over by ``bot.storage.database.Database.upgrade`` (in
``config.attributes["connection"]``): there is no alembic.ini, no URL here, and, unlike Alembic's
template, no ``logging.config.fileConfig`` call, so the bot's own logging setup stays untouched.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.tables import metadata


def run_migrations() -> None:
    """Run the pending migrations inside the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or not isinstance(connection, Connection):
        raise RuntimeError("Ferry migrations run through bot.storage.Database.upgrade(), with a connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can't ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
