"""Alembic environment: migrations run on the connection :func:`assistant.store.db.upgrade` passes in
(already inside a locked transaction), never on one opened from an ini file."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
