"""Shift swaps between colleagues.

Agent A offers colleague B: "I take your shift on day d2, you take mine on day d1" (the
same day for a plain exchange; either side may be a day off, which makes it a give-away
or a pick-up).  Lifecycle: offered -> accepted by B -> approved / rejected by a supervisor
of the team; B may decline and A may cancel while it is open.

Before a swap is offered, and again before it is approved, the two agents' resulting
shifts are checked by the roster validator (``optimizer.roster.validator``, the
executable statement of the hard rules).  Only violations the swap *creates* block it: a
rule the published roster already breaks is the planner's business, not the agents'.
An approved swap becomes a new published roster version, so agents, the duty board and
the diff between versions all see it like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from optimizer.roster import problem as P
from optimizer.roster.validator import RosterRow, Violation, validate
from scheduler.errors import Conflict, NotFound, PermissionDenied, ValidationError
from scheduler.models import (
    Agent,
    RequestStatus,
    Roster,
    RosterVersion,
    Shift,
    ShiftTemplate,
    SwapRequest,
    SwapStatus,
    TimeOff,
    User,
)
from scheduler.selfservice import notify
from scheduler.selfservice.queries import latest_published_versions
from scheduler.selfservice.scope import ensure_supervises, team_supervisor_user_ids

#: Activities that belong to the shift (they move with it); the others are the person's.
SHIFT_BOUND_ACTIVITIES = ("break", "lunch")
#: Days of earlier published rosters given to the validator as history (rest, runs).
HISTORY_DAYS = 14
#: Rules a swap cannot newly break: breaks travel with their shift.
IGNORED_RULES = {"breaks"}


@dataclass(frozen=True)
class SwapProposal:
    colleague_id: int
    requester_day: date
    #: The colleague's day; None = the same day as the requester's.
    colleague_day: date | None = None
    note: str = ""


@dataclass(frozen=True)
class SwapCheck:
    """The outcome of checking a swap against the hard rules."""

    roster_id: int
    version_id: int
    requester_code: str | None
    colleague_code: str | None
    #: Hard-rule violations the swap would create (empty = allowed).
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


class SwapRefused(ValidationError):
    """The swap breaks a hard rule; ``violations`` says which, for whom, on which day."""

    def __init__(self, violations: tuple[Violation, ...]) -> None:
        super().__init__("this swap would break a roster rule", field="swap")
        self.violations = violations


def _published_version_for(session: Session, day: date) -> tuple[Roster, RosterVersion]:
    versions = latest_published_versions(session)
    candidates = session.execute(
        sa.select(Roster, RosterVersion).join(RosterVersion, RosterVersion.roster_id == Roster.id)
        .where(RosterVersion.id.in_(list(versions) or [-1]), Roster.start_date <= day)
        .order_by(Roster.start_date.desc(), Roster.id.desc())
    ).all()
    for roster, version in candidates:
        if day < roster.start_date + timedelta(days=roster.days):
            return roster, version
    raise ValidationError("no published roster covers this day", field="requester_day")


def _shift_on(session: Session, version_id: int, agent_id: int, day: date) -> Shift | None:
    return session.scalar(sa.select(Shift).where(Shift.version_id == version_id, Shift.agent_id == agent_id,
                                                 Shift.day == day))


def _problem_templates(session: Session, site_id: int) -> tuple[P.ShiftTemplate, ...]:
    out = []
    for t in session.scalars(sa.select(ShiftTemplate).where(ShiftTemplate.site_id == site_id)):
        start = timeutil.parse_hhmm(t.start)
        # The unpaid break may fall anywhere in the shift: what matters here is paid time
        # (weekly hours); breaks travel with their shift, so the break rule is not checked.
        unpaid = t.unpaid_break_minutes
        breaks = (P.BreakRule(unpaid, 0, t.length_minutes - unpaid, paid=False),) if 0 < unpaid < t.length_minutes else ()
        out.append(P.ShiftTemplate(code=t.code, start_minute=start.hour * 60 + start.minute,
                                   length_minutes=t.length_minutes, breaks=breaks))
    return tuple(out)


def _problem_agent(a: Agent) -> P.Agent:
    return P.Agent(id=str(a.id), team=str(a.team_id), min_hours_week=a.min_hours_week,
                   max_hours_week=max(a.max_hours_week, a.min_hours_week), night_ok=a.night_ok,
                   supervisor=a.is_supervisor)


def _row(s: Shift, agent_id: int, tz: str) -> RosterRow:
    return RosterRow(agent_id=str(agent_id), date=s.day, shift_code=s.template_code,
                     start=timeutil.to_local(s.start_at, tz), end=timeutil.to_local(s.end_at, tz))


def _key(v: Violation) -> tuple:
    # Site-wide violations (no agent) differ by their message (the uncovered time).
    return (v.rule, v.agent_id, v.date, v.message if v.agent_id is None else "")


def check_swap(session: Session, requester: Agent, colleague: Agent, requester_day: date,
               colleague_day: date) -> SwapCheck:
    """Validate the roster that the swap would produce for the agents concerned."""
    if requester.id == colleague.id:
        raise ValidationError("choose a colleague other than yourself", field="colleague_id")
    if requester.team_id != colleague.team_id:
        raise ValidationError("swaps are between members of the same team", field="colleague_id")
    if not colleague.active:
        raise ValidationError("this colleague is not active", field="colleague_id")
    roster, version = _published_version_for(session, requester_day)
    other_roster, _ = _published_version_for(session, colleague_day)
    if other_roster.id != roster.id:
        raise ValidationError("both days must be in the same published roster", field="colleague_day")
    mine = _shift_on(session, version.id, requester.id, requester_day)
    theirs = _shift_on(session, version.id, colleague.id, colleague_day)
    if mine is None and theirs is None:
        raise ValidationError("neither of you works on these days: there is nothing to swap", field="requester_day")

    tz = roster.site.timezone
    involved = {requester.id: requester, colleague.id: colleague}
    supervised = requester.is_supervisor or colleague.is_supervisor
    if supervised:
        # moving a supervisor can leave an hour without one: check every supervisor's cover
        for a in session.scalars(sa.select(Agent).where(Agent.is_supervisor, Agent.active)):
            involved.setdefault(a.id, a)
    shifts = list(session.scalars(
        sa.select(Shift).where(Shift.version_id == version.id, Shift.agent_id.in_(list(involved)))))
    before = [_row(s, s.agent_id, tz) for s in shifts]
    after = []
    for s in shifts:
        if s is mine:
            after.append(_row(s, colleague.id, tz))
        elif s is theirs:
            after.append(_row(s, requester.id, tz))
        else:
            after.append(_row(s, s.agent_id, tz))

    start = roster.start_date
    ids = list(involved)
    history = session.scalars(
        sa.select(Shift).where(Shift.version_id.in_([v for v in latest_published_versions(session) if v != version.id] or [-1]),
                               Shift.agent_id.in_(ids), Shift.day < start,
                               Shift.day >= start - timedelta(days=HISTORY_DAYS)))
    templates = _problem_templates(session, roster.site_id)
    codes = {t.code for t in templates}
    previous = tuple(P.Assignment(str(s.agent_id), s.day, s.template_code) for s in history if s.template_code in codes)
    end = start + timedelta(days=roster.days - 1)
    time_off = []
    for t in session.scalars(sa.select(TimeOff).where(TimeOff.agent_id.in_(ids), TimeOff.status == RequestStatus.APPROVED,
                                                      TimeOff.end_date >= start, TimeOff.start_date <= end)):
        first, last = max(start, t.start_date), min(end, t.end_date)
        time_off += [P.TimeOff(str(t.agent_id), d) for d in timeutil.daterange(first, (last - first).days + 1)]
    activities = tuple(
        P.FixedActivity(str(s.agent_id), a.start_at, a.end_at, a.kind)
        for s in shifts for a in s.activities if a.kind not in SHIFT_BOUND_ACTIVITIES
    )
    try:
        problem = P.Problem(
            start_date=start, days=roster.days, agents=tuple(_problem_agent(a) for a in involved.values()),
            templates=templates, timezone=tz, time_off=tuple(time_off), activities=activities, previous=previous,
            rules=P.Rules(supervisor_always_on_duty=supervised),
        )
    except P.ProblemError as err:
        raise ValidationError("the shift templates of this roster cannot be checked", field=err.field) from err
    known = {_key(v) for v in validate(problem, before)}
    concerned = {str(requester.id), str(colleague.id), None}
    new = tuple(v for v in validate(problem, after)
                if _key(v) not in known and v.agent_id in concerned and v.rule not in IGNORED_RULES)
    return SwapCheck(roster.id, version.id, mine.template_code if mine else None,
                     theirs.template_code if theirs else None, new)


def _agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("no such colleague", field="colleague_id")
    return agent


def offer_swap(session: Session, requester: Agent, proposal: SwapProposal, today: date) -> SwapRequest:
    """Check the swap and, if no rule breaks, offer it to the colleague."""
    colleague = _agent(session, proposal.colleague_id)
    colleague_day = proposal.colleague_day or proposal.requester_day
    if min(proposal.requester_day, colleague_day) <= today:
        raise ValidationError("only future shifts can be swapped", field="requester_day")
    if len(proposal.note) > 500:
        raise ValidationError("the note is limited to 500 characters", field="note")
    duplicate = session.scalar(sa.select(SwapRequest.id).where(
        SwapRequest.requester_id == requester.id, SwapRequest.requester_day == proposal.requester_day,
        SwapRequest.status.in_([SwapStatus.OFFERED, SwapStatus.ACCEPTED])).limit(1))
    if duplicate is not None:
        raise Conflict("you already offered a swap for this day", field="requester_day")
    check = check_swap(session, requester, colleague, proposal.requester_day, colleague_day)
    if not check.ok:
        raise SwapRefused(check.violations)
    swap = SwapRequest(roster_id=check.roster_id, requester_id=requester.id, colleague_id=colleague.id,
                       requester_day=proposal.requester_day, colleague_day=colleague_day,
                       requester_code=check.requester_code, colleague_code=check.colleague_code,
                       note=proposal.note.strip() or None, status=SwapStatus.OFFERED)
    session.add(swap)
    session.flush()
    notify.send(session, [colleague.user_id], "swap_offered", _params(swap, requester), link="/me/requests")
    return swap


def _params(swap: SwapRequest, who: Agent) -> dict:
    return {"agent": who.user.display_name, "day": swap.requester_day.isoformat(),
            "other_day": swap.colleague_day.isoformat()}


def answer_swap(session: Session, swap: SwapRequest, colleague: Agent, accept: bool, now: datetime) -> None:
    """The colleague accepts (it goes to the supervisors) or declines (it ends)."""
    if swap.colleague_id != colleague.id:
        raise PermissionDenied("this swap was not offered to you", field="id")
    if swap.status != SwapStatus.OFFERED:
        raise Conflict("this swap is no longer waiting for your answer", field="status")
    swap.move_to(SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED)
    swap.answered_at = now
    session.flush()
    notify.send(session, [swap.requester.user_id], "swap_accepted" if accept else "swap_declined",
                _params(swap, colleague), link="/me/requests")
    if accept:
        sups = [u for u in team_supervisor_user_ids(session, swap.requester.team_id)
                if u not in (swap.requester.user_id, colleague.user_id)]
        notify.send(session, sups, "swap_accepted", _params(swap, colleague), link="/supervisor/approvals")


def cancel_swap(session: Session, swap: SwapRequest, requester: Agent) -> None:
    if swap.requester_id != requester.id:
        raise PermissionDenied("only the agent who offered a swap can cancel it", field="id")
    swap.move_to(SwapStatus.CANCELLED)
    session.flush()
    notify.send(session, [swap.colleague.user_id], "swap_cancelled", _params(swap, requester), link="/me/requests")


def decide_swap(session: Session, swap: SwapRequest, decider: User, approve: bool, now: datetime) -> RosterVersion | None:
    """Approve (re-check, then publish a new roster version carrying the swap) or reject.

    Returns the new published version when approved."""
    ensure_supervises(session, decider, swap.requester)
    if approve and swap.status != SwapStatus.ACCEPTED:
        raise Conflict("a swap can be approved only after the colleague accepted it", field="status")
    version = None
    if approve:
        check = check_swap(session, swap.requester, swap.colleague, swap.requester_day, swap.colleague_day)
        if (check.requester_code, check.colleague_code) != (swap.requester_code, swap.colleague_code):
            raise Conflict("the roster changed since this swap was offered; ask the agents to offer it again",
                           field="status")
        if not check.ok:
            raise SwapRefused(check.violations)
        version = apply_swap(session, swap, decider.id, now)
        swap.result_version_id = version.id
    swap.move_to(SwapStatus.APPROVED if approve else SwapStatus.REJECTED)
    swap.decided_by_id = decider.id
    swap.decided_at = now
    session.flush()
    kind = "swap_approved" if approve else "swap_rejected"
    notify.send(session, [swap.requester.user_id, swap.colleague.user_id], kind, _params(swap, swap.requester),
                link="/me/shifts")
    return version


def apply_swap(session: Session, swap: SwapRequest, user_id: int | None, now: datetime) -> RosterVersion:
    """Publish the latest published version of the swap's roster again, with the two shifts
    exchanged (an open draft gets the same exchange, so the planner's next publish does
    not undo it)."""
    from scheduler.selfservice.publishing import publish_copy

    def exchange(by_key: dict) -> None:
        exchange_shifts(by_key.get((swap.requester_id, swap.requester_day)),
                        by_key.get((swap.colleague_id, swap.colleague_day)), swap.requester_id, swap.colleague_id)

    return publish_copy(session, swap.roster_id, exchange, user_id=user_id, now=now, note=f"swap #{swap.id}")


def exchange_shifts(mine, theirs, requester_id: int, colleague_id: int) -> None:
    """Give ``mine`` to the colleague and ``theirs`` to the requester.

    Works on ORM shifts and on plain rows alike.  Two shifts on the same day exchange
    their contents (code, times, breaks) rather than their owners, so that the unique
    (version, agent, day) key never holds twice in the middle of the change."""
    if mine is not None and theirs is not None and mine.day == theirs.day:
        for attr in ("template_code", "start_at", "end_at"):
            a, b = getattr(mine, attr), getattr(theirs, attr)
            setattr(mine, attr, b)
            setattr(theirs, attr, a)
        mine_breaks = [a for a in mine.activities if a.kind in SHIFT_BOUND_ACTIVITIES]
        theirs_breaks = [a for a in theirs.activities if a.kind in SHIFT_BOUND_ACTIVITIES]
        mine.activities = [a for a in mine.activities if a.kind not in SHIFT_BOUND_ACTIVITIES] + theirs_breaks
        theirs.activities = [a for a in theirs.activities if a.kind not in SHIFT_BOUND_ACTIVITIES] + mine_breaks
        return
    for s, to in ((mine, colleague_id), (theirs, requester_id)):
        if s is not None:
            s.agent_id = to
            # the person's own appointments do not travel with the shift (the check
            # refused swaps that would strand them); breaks do
            s.activities = [a for a in s.activities if a.kind in SHIFT_BOUND_ACTIVITIES]


__all__ = ["SwapCheck", "SwapProposal", "SwapRefused", "answer_swap", "apply_swap", "cancel_swap", "check_swap",
           "decide_swap", "exchange_shifts", "offer_swap"]
