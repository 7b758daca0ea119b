"""Split a large job into parallel child jobs and combine their results.

``submit_split`` writes a parent job and its children in the caller's transaction, then
sends the children out together (a Celery ``group`` on workers, the thread pool
in-process).  The parent stays QUEUED while they run; each finishing child updates the
parent's progress ("3 of 8 parts done") and the last one to finish dispatches the parent,
whose handler combines the children's results.  The join is decided in the database
rather than by a Celery chord because a child re-queued after its worker died is a new
message that a chord's counter would never see; the parent's atomic claim makes a double
dispatch harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.jobs import service
from scheduler.jobs.registry import jobs_t
from scheduler.models.jobs import FINISHED, Job, JobStatus

log = logging.getLogger(__name__)


def submit_split(session: Session, *, parent_kind: str, parent_params: dict, child_kind: str,
                 child_params: Sequence[dict], created_by_id: int | None) -> Job:
    if not child_params:
        raise service.ValidationError("a split job needs at least one part", field="parts")
    service.current_dispatcher().check()
    parent = service.new_job(session, parent_kind, {**parent_params, "children": []}, created_by_id)
    children = [service.new_job(session, child_kind, {**p, "parent_id": parent.id, "part": i}, created_by_id)
                for i, p in enumerate(child_params)]
    parent.params = {**parent.params, "children": [c.id for c in children]}
    parent.progress = {"stage": "split", "message": f"0 of {len(children)} parts done", "fraction": 0.0,
                       "elapsed": 0.0, "solutions": 0}
    session.flush()
    service.dispatch_after_commit(session, [c.id for c in children])
    return parent


def children_of(session: Session, parent: Job) -> list[Job]:
    ids = list((parent.params or {}).get("children") or [])
    if not ids:
        return []
    rows = session.scalars(sa.select(Job).where(Job.id.in_(ids))).all()
    by_id = {j.id: j for j in rows}
    return [by_id[i] for i in ids if i in by_id]


def on_child_finished(engine: sa.Engine, job_id: int, settings: Mapping[str, Any] | None = None) -> None:
    """Called by the runner after every job; a no-op for jobs without a parent."""
    with engine.connect() as conn:
        params = conn.execute(sa.select(jobs_t.c.params).where(jobs_t.c.id == job_id)).scalar()
    parent_id = (params or {}).get("parent_id")
    if not parent_id:
        return
    with Session(bind=engine) as session:
        parent = session.get(Job, parent_id)
        if parent is None or parent.status != JobStatus.QUEUED:
            return
        children = children_of(session, parent)
        done = [c for c in children if c.status in FINISHED]
        session.execute(sa.update(jobs_t).where(jobs_t.c.id == parent_id, jobs_t.c.status == JobStatus.QUEUED).values(
            progress={"stage": "split", "message": f"{len(done)} of {len(children)} parts done",
                      "fraction": len(done) / max(1, len(children)), "elapsed": 0.0,
                      "solutions": sum(int((c.progress or {}).get("solutions") or 0) for c in children)}))
        if len(done) == len(children):
            service._queue_after_commit(session, [parent_id])
        try:
            session.commit()
        except Exception:  # noqa: BLE001 - the broker is down: the parent was marked failed by the hook
            log.exception("could not dispatch the combine step of job %s", parent_id)
