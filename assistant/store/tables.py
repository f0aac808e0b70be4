"""The feedback store's tables, once for every backend (SQLAlchemy Core).

Times are ISO-8601 UTC text (``2026-03-10T12:00:00Z``): they sort as text, compare with text cut-offs
and read the same on SQLite and PostgreSQL. Changing a table needs a new Alembic revision in
``migrations/versions`` and :data:`HEAD_REVISION` moved to it (a test checks both agree).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, Index, Integer, MetaData, Table, Text

HEAD_REVISION = "0002"

metadata = MetaData()

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("turn_id", Text, nullable=False, unique=True),
    Column("asked_at", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("entry_id", Text),
    Column("entry_question", Text),
    Column("match_score", Float),
    CheckConstraint("kind IN ('faq', 'calculation', 'no_answer')", name="questions_kind_check"),
    Index("questions_asked_at", "asked_at"),
    Index("questions_kind", "kind"),
)

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("turn_id", Text, nullable=False, unique=True),
    Column("voted_at", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("entry_id", Text),
    Column("entry_question", Text),
    Column("score", Integer, nullable=False),
    CheckConstraint("score IN (0, 1)", name="votes_score_check"),
    Index("votes_entry", "entry_id"),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("turn_id", Text),
    Column("clicked_at", Text, nullable=False),
    Column("place", Text, nullable=False),
    Column("question", Text),
    Column("language", Text),
    Column("kind", Text),
    Column("entry_id", Text),
    Index("handoffs_clicked_at", "clicked_at"),
)

# The chat's turns per conversation (the ``?c=<id>`` of the page), so a reload restores them: the
# question (masked), the answer as JSON or the notice shown instead, and the conversation state after it.
conversation_turns = Table(
    "conversation_turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Text, nullable=False),
    Column("turn_id", Text, nullable=False, unique=True),
    Column("asked_at", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text),
    Column("notice", Text),
    Column("state", Text),
    Index("conversation_turns_conversation", "conversation_id", "id"),
    Index("conversation_turns_asked_at", "asked_at"),
)

# The columns a spooled or copied row carries, in order (``id`` is the target's own).
QUESTION_COLUMNS = ("turn_id", "asked_at", "question", "language", "kind", "entry_id", "entry_question", "match_score")
VOTE_COLUMNS = ("turn_id", "voted_at", "question", "language", "kind", "entry_id", "entry_question", "score")
HANDOFF_COLUMNS = ("turn_id", "clicked_at", "place", "question", "language", "kind", "entry_id")
TURN_COLUMNS = ("conversation_id", "turn_id", "asked_at", "question", "answer", "notice", "state")
