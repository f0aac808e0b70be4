"""The feedback store's database layer: one set of tables (:mod:`.tables`), engines for SQLite and
PostgreSQL with Alembic migrations (:mod:`.db`), used by :mod:`assistant.feedback`."""
