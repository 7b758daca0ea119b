"""Session placement: gather the roster, the coverage and the demand from the database,
let ``training.pure.placement`` rank the slots, and turn an accepted slot into a session.

Only the latest *published* roster versions count: that is what agents have been told
and what the contact center will actually staff.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from optimizer.timeutil import interval_grid, to_local
from scheduler.errors import NotFound, ValidationError
from scheduler.models import Agent, Queue, Shift, Site
from scheduler.overview import latest_published_version_ids
from training.demand import INTERVAL_MINUTES, Demand, demand_for
from training.models import Course
from training.pure.placement import PlacementProblem, QueueDemand, SlotProposal, evaluate_slot, propose_slots

MAX_DAYS = 28


@dataclass(frozen=True)
class PlacementRequest:
    course_id: int
    agent_ids: tuple[int, ...]
    start_day: date
    days: int = 7
    capacity: int = 12
    min_attendees: int = 1
    max_proposals: int = 6

    def __post_init__(self) -> None:
        if not self.agent_ids:
            raise ValidationError("choose at least one agent to train", field="agents")
        if not 1 <= self.days <= MAX_DAYS:
            raise ValidationError(_l("the period must be 1 to %(max)s days", max=MAX_DAYS), field="days")
        if not 1 <= self.capacity <= 200:
            raise ValidationError("capacity must be between 1 and 200", field="capacity")


@dataclass
class ProposedSlot:
    proposal: SlotProposal
    agents: list[Agent]

    @property
    def agent_ids(self) -> list[int]:
        return [a.id for a in self.agents]


@dataclass
class PlacementOutcome:
    course: Course
    slots: list[ProposedSlot]
    unplaced: list[Agent]
    source: str
    grid: list[datetime] = field(default_factory=list)
    spare: np.ndarray | None = None
    under_covered: np.ndarray | None = None
    #: Someone is on a published shift in the period (else the roster is not published yet).
    rostered: bool = True


@dataclass
class _Built:
    problem: PlacementProblem
    staff: list[Agent]
    demand: Demand


def _site(session: Session) -> Site:
    site = session.scalar(sa.select(Site).order_by(Site.id).limit(1))
    if site is None:
        raise NotFound("no site is configured")
    return site


def _build(session: Session, course: Course, agent_ids: tuple[int, ...], start_day: date, days: int,
           capacity: int, min_attendees: int, max_proposals: int) -> _Built:
    site = _site(session)
    tz = site.timezone
    grid = interval_grid(start_day, days, INTERVAL_MINUTES, tz)
    queues = list(session.scalars(sa.select(Queue).where(Queue.site_id == site.id).order_by(Queue.id)))
    if not queues:
        raise ValidationError("the site has no queues to staff", field="queue")
    demand = demand_for(session, queues, grid, tz)
    staff = list(session.scalars(
        sa.select(Agent).where(Agent.active).options(selectinload(Agent.skills)).order_by(Agent.id)))
    staff_pos = {a.id: i for i, a in enumerate(staff)}
    missing = [i for i in agent_ids if i not in staff_pos]
    if missing:
        raise ValidationError(_l("unknown or inactive agent id(s): %(ids)s", ids=", ".join(map(str, missing[:5]))), field="agents")
    qpos = {q.id: i for i, q in enumerate(queues)}
    skills = tuple(tuple(sorted(qpos[s.queue_id] for s in a.skills if s.queue_id in qpos)) for a in staff)
    on_duty, free = _rostered(session, staff_pos, grid)
    qd = tuple(QueueDemand(s.queue.code, s.volume, s.aht_seconds, s.required, s.config) for s in demand.queues)
    duration = max(1, -(-course.duration_minutes // INTERVAL_MINUTES))
    problem = PlacementProblem(
        grid=tuple(grid), interval_minutes=INTERVAL_MINUTES, queues=qd, on_duty=on_duty, free=free, skills=skills,
        trainees=tuple(staff_pos[i] for i in dict.fromkeys(agent_ids)), duration_intervals=duration,
        capacity=capacity, min_attendees=min_attendees, max_proposals=max_proposals, start_step=2,
    )
    return _Built(problem, staff, demand)


def _rostered(session: Session, staff_pos: dict[int, int], grid: list[datetime]) -> tuple[np.ndarray, np.ndarray]:
    """``on_duty``: on a published shift and not in any activity; ``free``: the same (an
    agent already in a break, meeting or another session cannot be trained then)."""
    n_a, n_t = len(staff_pos), len(grid)
    on = np.zeros((n_a, n_t), dtype=bool)
    versions = latest_published_version_ids(session)
    if not versions:
        return on, on.copy()
    g0 = grid[0]
    end = grid[-1] + timedelta(minutes=INTERVAL_MINUTES)
    step = timedelta(minutes=INTERVAL_MINUTES)
    shifts = session.scalars(
        sa.select(Shift).where(Shift.version_id.in_(versions), Shift.end_at > g0, Shift.start_at < end)
        .options(selectinload(Shift.activities))
    ).all()

    def span(a: datetime, b: datetime) -> slice:
        lo = max(0, int(np.ceil((a - g0) / step)))
        hi = min(n_t, int(np.floor((b - g0) / step)))
        return slice(lo, max(lo, hi))

    for sh in shifts:
        i = staff_pos.get(sh.agent_id)
        if i is None:
            continue
        on[i, span(sh.start_at, sh.end_at)] = True
        for act in sh.activities:
            lo = max(0, int(np.floor((act.start_at - g0) / step)))
            hi = min(n_t, int(np.ceil((act.end_at - g0) / step)))
            on[i, lo:max(lo, hi)] = False
    return on, on.copy()


def propose(session: Session, request: PlacementRequest) -> PlacementOutcome:
    course = session.get(Course, request.course_id)
    if course is None:
        raise NotFound("course not found", field="course")
    built = _build(session, course, request.agent_ids, request.start_day, request.days, request.capacity,
                   request.min_attendees, request.max_proposals)
    result = propose_slots(built.problem)
    slots = [ProposedSlot(p, [built.staff[a] for a in p.attendees]) for p in result.proposals]
    return PlacementOutcome(course, slots, [built.staff[a] for a in result.unplaced], built.demand.source,
                            list(built.problem.grid), result.spare, result.under_covered,
                            rostered=bool(built.problem.on_duty.any()))


def evaluate(session: Session, course: Course, start_at: datetime, agent_ids: tuple[int, ...], tz: str) -> SlotProposal:
    """Check that every agent is rostered and free for the whole slot, and project its
    service-level impact (what a trainer accepting a proposal commits to)."""
    day = to_local(start_at, tz).date()
    built = _build(session, course, agent_ids, day - timedelta(days=1), 3, 200, 1, 1)
    step = timedelta(minutes=INTERVAL_MINUTES)
    offset = (start_at - built.problem.grid[0]) / step
    if offset != int(offset):
        raise ValidationError("a session must start on a quarter hour", field="start")
    s = int(offset)
    d = built.problem.duration_intervals
    attendees = built.problem.trainees
    if s + d > len(built.problem.grid):
        raise ValidationError("the session does not fit in the planning period", field="start")
    busy = [built.staff[a] for a in attendees if not built.problem.free[a, s:s + d].all()]
    if busy:
        names = ", ".join(a.user.display_name for a in busy[:5])
        raise ValidationError(_l("not rostered or not free for the whole session: %(names)s", names=names), field="agents")
    return evaluate_slot(built.problem, s, attendees)


def proposal_summary(p: SlotProposal) -> dict:
    """What is kept on the session: the projection at the time it was accepted."""
    return {
        "service_level_before": round(p.service_level_before, 4),
        "service_level_after": round(p.service_level_after, 4),
        "under_covered_before": p.under_covered_before,
        "stays_covered": p.stays_covered,
        "min_spare_before": round(p.min_spare_before, 2),
        "min_spare_after": round(p.min_spare_after, 2),
        "by_queue": {k: [round(a, 4), round(b, 4)] for k, (a, b) in p.by_queue.items()},
    }
