"""Publish a changed copy of a roster's latest published version.

Self-service changes (an approved swap) do not go through the planner's draft: the
roster agents were told about is copied, changed, and published as the next numbered
version, in one transaction, through the planner's ``scheduler.planning.rosters.publish``
(one publish path: the same numbering, audit record and "your shift changed"
notifications).  Published versions stay immutable; the diff between the two versions
shows exactly the swap.  An open draft receives the same change so that the planner's
next publish does not silently undo it.

The copy is done with two bulk statements (shifts, then activities) rather than ORM
objects: a 500-agent, 4-week roster is 14,000 shifts, and the audit trail records the
publish as one named action instead of 14,000 row inserts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import NotFound
from scheduler.models import Roster, RosterVersion, Shift, ShiftActivity, VersionStatus

#: A change applied to shifts keyed by (agent_id, day); rows have ``agent_id``, ``day``,
#: ``template_code``, ``start_at``, ``end_at`` and ``activities`` (rows with ``kind``...).
Change = Callable[[Any], None]


class _DraftShifts:
    """Read-through ``get((agent_id, day))`` over a draft's ORM shifts: a change touches
    a couple of shifts, so the draft's thousands are not loaded."""

    def __init__(self, session: Session, version_id: int) -> None:
        self.session, self.version_id = session, version_id

    def get(self, key: tuple[int, date], default: object = None) -> object:
        agent_id, day = key
        found = self.session.scalar(sa.select(Shift).where(Shift.version_id == self.version_id,
                                                           Shift.agent_id == agent_id, Shift.day == day))
        return found if found is not None else default


def _latest_published(session: Session, roster_id: int) -> RosterVersion:
    version = session.scalar(
        sa.select(RosterVersion).where(RosterVersion.roster_id == roster_id,
                                       RosterVersion.status == VersionStatus.PUBLISHED)
        .order_by(RosterVersion.number.desc()).limit(1)
    )
    if version is None:
        raise NotFound("this roster has no published version", field="roster")
    return version


def publish_copy(session: Session, roster_id: int, change: Change, *, user_id: int | None, now: datetime,
                 note: str) -> RosterVersion:
    """Copy the latest published version, apply ``change``, publish it as the next number."""
    from scheduler.planning.rosters import publish

    roster = session.get(Roster, roster_id)
    if roster is None:
        raise NotFound("no such roster", field="roster")
    base = _latest_published(session, roster_id)
    # the planner's open draft, if any, looked up before the copy adds a second draft
    draft = session.scalar(sa.select(RosterVersion).where(RosterVersion.roster_id == roster_id,
                                                          RosterVersion.status == VersionStatus.DRAFT))
    shift_rows = session.execute(
        sa.select(Shift.id, Shift.agent_id, Shift.day, Shift.template_code, Shift.start_at, Shift.end_at)
        .where(Shift.version_id == base.id)
    ).all()
    acts: dict[int, list[SimpleNamespace]] = {}
    for shift_id, kind, st, en, label, ref in session.execute(
        sa.select(ShiftActivity.shift_id, ShiftActivity.kind, ShiftActivity.start_at, ShiftActivity.end_at,
                  ShiftActivity.label, ShiftActivity.ref_id)
        .join(Shift, Shift.id == ShiftActivity.shift_id).where(Shift.version_id == base.id)
    ):
        acts.setdefault(shift_id, []).append(SimpleNamespace(kind=kind, start_at=st, end_at=en, label=label, ref_id=ref))
    rows = {
        (r.agent_id, r.day): SimpleNamespace(agent_id=r.agent_id, day=r.day, template_code=r.template_code,
                                             start_at=r.start_at, end_at=r.end_at, activities=acts.get(r.id, []))
        for r in shift_rows
    }
    change(rows)

    version = RosterVersion(roster_id=roster_id, status=VersionStatus.DRAFT, note=note,
                            summary={**(base.summary or {}), "copied_from": base.id})
    session.add(version)
    session.flush()
    items = list(rows.values())
    if items:
        ids = session.scalars(
            sa.insert(Shift).returning(Shift.id, sort_by_parameter_order=True),
            [dict(version_id=version.id, agent_id=r.agent_id, day=r.day, template_code=r.template_code,
                  start_at=r.start_at, end_at=r.end_at) for r in items],
        ).all()
        act_rows = [dict(shift_id=sid, kind=a.kind, start_at=a.start_at, end_at=a.end_at, label=a.label, ref_id=a.ref_id)
                    for sid, r in zip(ids, items) for a in r.activities]
        if act_rows:
            session.execute(sa.insert(ShiftActivity), act_rows)
    publish(session, version, user_id=user_id, now=now)
    if draft is not None:
        change(_DraftShifts(session, draft.id))
    session.flush()
    return version
