"""Early warning: future intervals whose projected service level, with the published
roster, falls below a threshold.  The daily periodic job calls ``staffing_risk_check``;
planners get one notification per queue and day at risk (kind ``staffing_risk``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from scheduler.models import Notification, Queue, Site
from scheduler.planning.queries import projected_sl, scheduled_by_queue
from scheduler.planning.rosters import planners

LOOKAHEAD_DAYS = 7
#: At most this many (queue, day) warnings per run: a planner needs the worst, not a flood.
MAX_WARNINGS = 10


def staffing_risk_check(session: Session, *, now: datetime, threshold: float | None = None,
                        days: int = LOOKAHEAD_DAYS) -> dict:
    """Warn planners about (queue, local day) pairs with intervals whose projected
    service level is below ``threshold`` (default: each queue's own target).

    Idempotent per day: a warning already sent today for the same queue and day is not
    sent again."""
    found: list[dict] = []
    for site in session.scalars(sa.select(Site).order_by(Site.id)):
        queues = list(session.scalars(sa.select(Queue).where(Queue.site_id == site.id).order_by(Queue.code)))
        if not queues:
            continue
        today = timeutil.to_local(now, site.timezone).date()
        grid, req, sched = scheduled_by_queue(session, site, queues, today, days)
        for q in queues:
            r = req[q.id]
            if not r["required"].any():
                continue
            sl = projected_sl(q, site.timezone, grid, r["volume"], r["aht"], sched[q.id])
            limit = float(q.sl_target) if threshold is None else float(threshold)
            by_day: dict = {}
            for i, t in enumerate(grid):
                if t < now or not np.isfinite(sl[i]) or sl[i] >= limit:
                    continue
                local = timeutil.to_local(t, site.timezone)
                entry = by_day.setdefault(local.date(), {"n": 0, "worst": 1.0, "first": local, "last": local})
                entry["n"] += 1
                entry["worst"] = min(entry["worst"], float(sl[i]))
                entry["last"] = local
            for day, e in by_day.items():
                found.append({"site": site.code, "queue": q.code, "day": day.isoformat(), "intervals": e["n"],
                              "worst": round(e["worst"], 3), "from": e["first"].strftime("%H:%M"),
                              "to": (e["last"] + timedelta(minutes=15)).strftime("%H:%M"), "threshold": limit})
    found.sort(key=lambda f: (f["worst"], f["day"]))
    warnings = found[:MAX_WARNINGS]
    recipients = planners(session)
    since = now - timedelta(hours=20)
    sent_keys = {(n.user_id, (n.params or {}).get("queue"), (n.params or {}).get("day")) for n in session.scalars(
        sa.select(Notification).where(Notification.kind == "staffing_risk", Notification.created_at >= since))}
    sent = 0
    for w in warnings:
        params = {"queue": w["queue"], "day": w["day"], "start": w["from"], "end": w["to"],
                  "sl": f"{100 * w['worst']:.0f}%", "intervals": w["intervals"]}
        for uid in recipients:
            if (uid, w["queue"], w["day"]) in sent_keys:
                continue
            session.add(Notification(user_id=uid, kind="staffing_risk", params=params,
                                     link=f"/planner/staffing?day={w['day']}", created_at=now))
            sent += 1
    session.flush()
    return {"at_risk": len(found), "intervals": sum(f["intervals"] for f in found), "warned": len(warnings), "notifications": sent, "details": warnings}
