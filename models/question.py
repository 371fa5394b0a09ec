"""Category questions (the Open311 attributes): extra fields a category asks of a report,
and the answers a case was filed with."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class QuestionType(enum.StrEnum):
    """The Open311 datatypes."""

    string = "string"  # one line
    number = "number"
    datetime = "datetime"  # with its zone
    text = "text"  # may hold line breaks
    singlevaluelist = "singlevaluelist"
    multivaluelist = "multivaluelist"


class CategoryQuestion(Base):
    __tablename__ = "category_questions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("categories.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    datatype: Mapped[QuestionType] = mapped_column(
        Enum(QuestionType, name="question_type"), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                           server_default=text("false"))
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 1 is asked first
    prompt_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    prompt_en: Mapped[str] = mapped_column(String(200), nullable=False)
    # For the list types: [{"key": "k1", "name_zh": "…", "name_en": "…"}, …]
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSONB, nullable=False,
                                                         server_default=text("'[]'"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        # Also the index of a category's questions (category_id leads).
        UniqueConstraint("category_id", "code", name="uq_category_questions_category_id_code"),
    )


class CaseAnswers(Base):
    """What a case was filed with, checked against its category's questions then."""

    __tablename__ = "case_answers"

    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
