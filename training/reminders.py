"""The periodic reminder job: due dates, expiring certifications, overdue flags.

Called by the job scheduler (``send_due_reminders(session, now=..., settings=...)``); it
commits nothing itself (the caller does) and is idempotent: each reminder has a key
(what, which record, which threshold) logged in ``training_reminders``, so running the
job twice, or every hour, never sends the same reminder twice.

It also submits abandoned attempts whose time ran out (as they stand).

Who hears what: the agent, and the supervisors of the agent's team (users whose own
agent record is a supervisor of that team), by in-app notification and, when SMTP is
configured, by e-mail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from scheduler.mail import send_mail
from scheduler.models import Agent, Notification, User
from training.models import Assignment, Certification, Course, ReminderLog
from training.operations.assessments import submit_expired_attempts
from training.pure.dates import reminder_threshold

#: Days before a due date at which the agent is reminded.
DUE_THRESHOLDS = (7, 1)
#: Days before a certification expires at which it is reminded (mandatory courses first).
EXPIRY_THRESHOLDS = (30, 7)


def _supervisors_by_team(session: Session) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    for agent in session.scalars(sa.select(Agent).where(Agent.is_supervisor, Agent.active).options(joinedload(Agent.user))):
        out[agent.team_id].append(agent.user)
    return out


def _text(kind: str, params: dict, locale: str | None) -> str:
    """The notification in the reader's saved language when a Flask app is around (the
    job runner pushes one), else English."""
    try:
        from flask import has_app_context

        if has_app_context():
            from flask_babel import force_locale

            from webapp.i18n import render_notification

            with force_locale(locale or "en"):
                return render_notification(kind, params)
    except (ImportError, RuntimeError):  # pragma: no cover - no app or no Babel bound
        pass
    return ENGLISH.get(kind, "%(message)s") % params


ENGLISH = {
    "training_due": "Training %(course)s for %(agent)s is due on %(due)s.",
    "training_overdue": "Training %(course)s for %(agent)s was due on %(due)s and is overdue.",
    "certification_expiring": "Certification %(course)s of %(agent)s expires on %(expires)s.",
}


class _Sender:
    def __init__(self, session: Session, settings: Mapping[str, Any], now: datetime) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self.sent = set(session.execute(sa.select(ReminderLog.key, ReminderLog.user_id)).all())
        self.counts = {"notifications": 0, "emails": 0, "email_errors": 0}

    def send(self, key: str, users: list[User], kind: str, params: dict, link: str) -> None:
        for user in {u.id: u for u in users}.values():
            if (key, user.id) in self.sent:
                continue
            self.sent.add((key, user.id))
            self.session.add(Notification(user_id=user.id, kind=kind, params=params, link=link, created_at=self.now))
            self.counts["notifications"] += 1
            emailed = False
            if user.email and self.settings.get("SMTP_HOST"):
                try:
                    text = _text(kind, params, user.locale)
                    emailed = send_mail(self.settings, [user.email], text, text)
                except OSError:  # an unreachable mail server must not stop in-app reminders
                    self.counts["email_errors"] += 1
                if emailed:
                    self.counts["emails"] += 1
            self.session.add(ReminderLog(key=key, user_id=user.id, sent_at=self.now, emailed=emailed))


def send_due_reminders(session: Session, *, now: datetime, settings: Mapping[str, Any]) -> dict:
    """Send what is due at ``now``; return counts (for the job's log and tests)."""
    today = now.date()
    expired = submit_expired_attempts(session, now)
    sender = _Sender(session, settings, now)
    sups = _supervisors_by_team(session)
    due = overdue = expiring = 0

    open_assignments = session.scalars(
        sa.select(Assignment).where(Assignment.completed_at.is_(None))
        .options(joinedload(Assignment.agent).joinedload(Agent.user), joinedload(Assignment.course))).unique().all()
    for asg in open_assignments:
        if not asg.agent.active:
            continue
        params = {"course": asg.course.title, "agent": asg.agent.user.display_name, "due": asg.due_date.isoformat()}
        recipients = [asg.agent.user] + sups.get(asg.agent.team_id, [])
        days_left = (asg.due_date - today).days
        if days_left < 0:
            if asg.overdue_flagged_at is None:
                asg.overdue_flagged_at = now
                overdue += 1
            sender.send(f"overdue:assignment:{asg.id}", recipients, "training_overdue", params, "/me/training")
            continue
        threshold = reminder_threshold(days_left, DUE_THRESHOLDS)
        if threshold is not None:
            due += 1
            sender.send(f"due:assignment:{asg.id}:{threshold}", recipients, "training_due", params, "/me/training")

    horizon = today + timedelta(days=max(EXPIRY_THRESHOLDS))
    certs = session.scalars(
        sa.select(Certification).join(Course).where(
            Certification.revoked_at.is_(None), Certification.expires_on.is_not(None),
            Certification.expires_on >= today, Certification.expires_on <= horizon)
        .options(joinedload(Certification.agent).joinedload(Agent.user), joinedload(Certification.course))).unique().all()
    renewed = _renewed(session, certs)
    for cert in certs:
        if cert.id in renewed or not cert.agent.active:
            continue
        threshold = reminder_threshold((cert.expires_on - today).days, EXPIRY_THRESHOLDS)
        if threshold is None:
            continue
        expiring += 1
        params = {"course": cert.course.title, "agent": cert.agent.user.display_name, "expires": cert.expires_on.isoformat()}
        recipients = [cert.agent.user] + sups.get(cert.agent.team_id, [])
        sender.send(f"expiry:certification:{cert.id}:{threshold}", recipients, "certification_expiring", params, "/me/training")
    session.flush()
    return {"due": due, "overdue_flagged": overdue, "expiring": expiring, "attempts_timed_out": expired, **sender.counts}


def _renewed(session: Session, certs: list[Certification]) -> set[int]:
    """Certifications already superseded by a later one of the same agent and course."""
    if not certs:
        return set()
    later = session.execute(sa.select(Certification.agent_id, Certification.course_id, sa.func.max(Certification.expires_on))
                            .where(Certification.revoked_at.is_(None))
                            .group_by(Certification.agent_id, Certification.course_id)).all()
    latest = {(a, c): e for a, c, e in later}
    return {c.id for c in certs if latest.get((c.agent_id, c.course_id)) and latest[(c.agent_id, c.course_id)] > c.expires_on}
