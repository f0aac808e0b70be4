"""The first schema: questions, votes, handoffs.

Revision ID: 0001
Revises:
Create Date: 2026-03-10

SQLite files made before Alembic (``PRAGMA user_version = 1``) already hold these tables: they are
kept as they are, rows and all, and only stamped with this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "questions" not in existing:
        op.create_table(
            "questions",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("turn_id", sa.Text, nullable=False, unique=True),
            sa.Column("asked_at", sa.Text, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("language", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("entry_id", sa.Text),
            sa.Column("entry_question", sa.Text),
            sa.Column("match_score", sa.Float),
            sa.CheckConstraint("kind IN ('faq', 'calculation', 'no_answer')", name="questions_kind_check"),
        )
        op.create_index("questions_asked_at", "questions", ["asked_at"])
        op.create_index("questions_kind", "questions", ["kind"])
    if "votes" not in existing:
        op.create_table(
            "votes",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("turn_id", sa.Text, nullable=False, unique=True),
            sa.Column("voted_at", sa.Text, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("language", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("entry_id", sa.Text),
            sa.Column("entry_question", sa.Text),
            sa.Column("score", sa.Integer, nullable=False),
            sa.CheckConstraint("score IN (0, 1)", name="votes_score_check"),
        )
        op.create_index("votes_entry", "votes", ["entry_id"])
    if "handoffs" not in existing:
        op.create_table(
            "handoffs",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("turn_id", sa.Text),
            sa.Column("clicked_at", sa.Text, nullable=False),
            sa.Column("place", sa.Text, nullable=False),
            sa.Column("question", sa.Text),
            sa.Column("language", sa.Text),
            sa.Column("kind", sa.Text),
            sa.Column("entry_id", sa.Text),
        )
        op.create_index("handoffs_clicked_at", "handoffs", ["clicked_at"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA user_version = 1")  # what `doctor` (and code before Alembic) reads as schema 1


def downgrade() -> None:
    op.drop_table("handoffs")
    op.drop_table("votes")
    op.drop_table("questions")
