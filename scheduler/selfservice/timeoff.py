"""Time-off requests: an agent asks, a supervisor of the agent's team decides.

The lifecycle (requested -> approved / rejected / cancelled) is enforced by
``TimeOff.move_to``; approved leave is what the next roster solve reads as time off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, PermissionDenied, ValidationError
from scheduler.models import Agent, RequestStatus, TimeOff, User
from scheduler.selfservice import notify
from scheduler.selfservice.scope import ensure_supervises, team_supervisor_user_ids

KINDS = ("vacation", "personal", "sick", "training")
#: One request covers at most this many days (longer leave is an HR matter).
MAX_DAYS = 62


@dataclass(frozen=True)
class TimeOffRequest:
    start_date: date
    end_date: date
    kind: str = "vacation"
    reason: str = ""


def request_time_off(session: Session, agent: Agent, req: TimeOffRequest, today: date) -> TimeOff:
    if req.kind not in KINDS:
        raise ValidationError("unknown kind of time off", field="kind")
    if req.end_date < req.start_date:
        raise ValidationError("the last day is before the first day", field="end_date")
    if req.start_date < today and req.kind != "sick":
        raise ValidationError("time off cannot start in the past", field="start_date")
    if (req.end_date - req.start_date).days + 1 > MAX_DAYS:
        raise ValidationError("one request covers at most 62 days", field="end_date")
    if len(req.reason) > 1000:
        raise ValidationError("the reason is limited to 1000 characters", field="reason")
    overlap = session.scalar(
        sa.select(TimeOff.id).where(
            TimeOff.agent_id == agent.id,
            TimeOff.status.in_([RequestStatus.REQUESTED, RequestStatus.APPROVED]),
            TimeOff.start_date <= req.end_date, TimeOff.end_date >= req.start_date,
        ).limit(1)
    )
    if overlap is not None:
        raise Conflict("you already asked for time off on some of these days", field="start_date")
    item = TimeOff(agent_id=agent.id, start_date=req.start_date, end_date=req.end_date, kind=req.kind,
                   reason=req.reason.strip() or None, status=RequestStatus.REQUESTED)
    session.add(item)
    session.flush()
    notify.send(session, [u for u in team_supervisor_user_ids(session, agent.team_id) if u != agent.user_id],
                "timeoff_requested", {"agent": agent.user.display_name, "start": req.start_date.isoformat(),
                                      "end": req.end_date.isoformat()}, link="/supervisor/approvals")
    return item


def cancel_time_off(session: Session, item: TimeOff, agent: Agent) -> None:
    if item.agent_id != agent.id:
        raise PermissionDenied("this is not your request", field="id")
    item.move_to(RequestStatus.CANCELLED)
    session.flush()


def decide_time_off(session: Session, item: TimeOff, decider: User, approve: bool, now: datetime) -> None:
    """Approve or reject an open request; only a supervisor of the agent's team may."""
    ensure_supervises(session, decider, item.agent)
    item.move_to(RequestStatus.APPROVED if approve else RequestStatus.REJECTED)
    item.decided_by_id = decider.id
    item.decided_at = now
    session.flush()
    notify.send(session, [item.agent.user_id], "timeoff_approved" if approve else "timeoff_rejected",
                {"start": item.start_date.isoformat(), "end": item.end_date.isoformat()}, link="/me/requests")
