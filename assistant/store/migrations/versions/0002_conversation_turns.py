"""Conversation turns: the chat's history per conversation id, so a reload (``?c=<id>``) restores it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Text, nullable=False),
        sa.Column("turn_id", sa.Text, nullable=False, unique=True),
        sa.Column("asked_at", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("notice", sa.Text),
        sa.Column("state", sa.Text),
    )
    op.create_index("conversation_turns_conversation", "conversation_turns", ["conversation_id", "id"])
    op.create_index("conversation_turns_asked_at", "conversation_turns", ["asked_at"])


def downgrade() -> None:
    op.drop_table("conversation_turns")
