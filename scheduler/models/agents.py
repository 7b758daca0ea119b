"""Agent profiles: contract, skills, eligibility.  Every agent is also a user."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.db import db
from scheduler.models.org import Team
from scheduler.models.queues import Queue
from scheduler.models.users import User


class EmploymentType(enum.StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACTOR = "contractor"


class Agent(db.Model):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    #: HR employee number; the id used in scenario files and exports.
    employee_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    employment_type: Mapped[str] = mapped_column(sa.String(20), default=EmploymentType.FULL_TIME)
    min_hours_week: Mapped[float] = mapped_column(default=40.0)
    max_hours_week: Mapped[float] = mapped_column(default=40.0)
    night_ok: Mapped[bool] = mapped_column(default=False)
    #: A supervisor on shift satisfies the "one supervisor on duty at all times" rule.
    is_supervisor: Mapped[bool] = mapped_column(default=False)
    hire_date: Mapped[date] = mapped_column(sa.Date)
    #: Languages spoken, ``;``-separated BCP-47 tags (``zh-TW;en``).
    languages: Mapped[str] = mapped_column(sa.String(60), default="")
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()
    team: Mapped[Team] = relationship()
    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def skill_codes(self) -> list[str]:
        return sorted(s.queue.code for s in self.skills)

    def __repr__(self) -> str:
        return f"<Agent {self.employee_no}>"


class AgentSkill(db.Model):
    __tablename__ = "agent_skills"

    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("queues.id"), primary_key=True)
    #: 1 (learning) .. 5 (expert); the roster prefers proficient agents where it matters.
    proficiency: Mapped[int] = mapped_column(sa.SmallInteger, default=3)

    agent: Mapped[Agent] = relationship(back_populates="skills")
    queue: Mapped[Queue] = relationship(lazy="joined")
