"""Reminders before due dates and expiries, overdue flags, e-mail through a local SMTP
sink, idempotence; time frozen with time-machine."""

from __future__ import annotations

import socket
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
import time_machine

from scheduler.db import db, utcnow
from scheduler.models import Notification
from training.models import Assignment, Attempt, Certification
from training.operations.plans import AudienceSpec, assign_course
from training.reminders import send_due_reminders
from tests.training.factories import course_with_questions, site_with_team


class Sink:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler protocol
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SENDER": "wfm@bank.example"}
    finally:
        controller.stop()


def _kinds(user_id: int) -> list[str]:
    return sorted(n.kind for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)))


def test_due_reminder_then_overdue_flag_to_agent_and_supervisor(app, smtp_sink) -> None:
    sink, settings = smtp_sink
    _, team, _, sup, agents = site_with_team(1)
    course = course_with_questions(mandatory=True)
    assign_course(db.session, course.id, AudienceSpec(kind="individual", agent_ids=(agents[0].id,)), date(2026, 3, 20), None)
    db.session.query(Notification).delete()
    db.session.commit()

    with time_machine.travel(datetime(2026, 3, 10, 6, tzinfo=timezone.utc), tick=False):
        assert send_due_reminders(db.session, now=utcnow(), settings=settings)["notifications"] == 0  # 10 days left
    with time_machine.travel(datetime(2026, 3, 14, 6, tzinfo=timezone.utc), tick=False):
        counts = send_due_reminders(db.session, now=utcnow(), settings=settings)
        db.session.commit()
    assert counts["due"] == 1 and counts["notifications"] == 2 and counts["emails"] == 2
    assert _kinds(agents[0].user_id) == ["training_due"] and _kinds(sup.user_id) == ["training_due"]
    assert sorted(r for m in sink.messages for r in m.rcpt_tos) == ["p0@bank.example", "p1@bank.example"]
    body = sink.messages[0].content
    assert b"AML course" in body and (b"2026-03-20" in body or b"Mar 20, 2026" in body)

    with time_machine.travel(datetime(2026, 3, 14, 18, tzinfo=timezone.utc), tick=False):
        again = send_due_reminders(db.session, now=utcnow(), settings=settings)
    assert again["notifications"] == 0 and len(sink.messages) == 2  # idempotent

    with time_machine.travel(datetime(2026, 3, 21, 6, tzinfo=timezone.utc), tick=False):
        counts = send_due_reminders(db.session, now=utcnow(), settings=settings)
        db.session.commit()
    asg = db.session.scalar(sa.select(Assignment))
    assert counts["overdue_flagged"] == 1 and asg.overdue_flagged_at is not None and asg.is_overdue(date(2026, 3, 21))
    assert "training_overdue" in _kinds(agents[0].user_id)


def test_expiry_reminders_at_30_and_7_days(app, smtp_sink) -> None:
    sink, settings = smtp_sink
    _, _, _, sup, agents = site_with_team(1)
    course = course_with_questions(validity=12)
    att = Attempt(course_id=course.id, agent_id=agents[0].id, number=1, started_at=datetime(2025, 4, 1, tzinfo=timezone.utc),
                  deadline_at=datetime(2025, 4, 1, 1, tzinfo=timezone.utc), question_ids=[], status="graded", passed=True, score=1.0)
    db.session.add(att)
    db.session.flush()
    db.session.add(Certification(agent_id=agents[0].id, course_id=course.id, attempt_id=att.id,
                                 granted_at=datetime(2025, 4, 1, tzinfo=timezone.utc), expires_on=date(2026, 3, 31)))
    db.session.commit()
    sent = []
    for day in (date(2026, 2, 20), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 25), date(2026, 3, 26)):
        with time_machine.travel(datetime(day.year, day.month, day.day, 6, tzinfo=timezone.utc), tick=False):
            sent.append(send_due_reminders(db.session, now=utcnow(), settings=settings)["notifications"])
            db.session.commit()
    # 39 days: nothing; 29 days: agent + supervisor; again: nothing; 6 days: both; again: nothing
    assert sent == [0, 2, 0, 2, 0]
    assert _kinds(agents[0].user_id) == ["certification_expiring", "certification_expiring"]


def test_without_smtp_in_app_notifications_still_go_out(app) -> None:
    _, _, _, _, agents = site_with_team(1, supervisor=False)
    course = course_with_questions()
    assign_course(db.session, course.id, AudienceSpec(kind="individual", agent_ids=(agents[0].id,)), date(2026, 3, 20), None)
    with time_machine.travel(datetime(2026, 3, 19, 6, tzinfo=timezone.utc), tick=False):
        counts = send_due_reminders(db.session, now=utcnow(), settings={})
    assert counts["notifications"] == 1 and counts["emails"] == 0
