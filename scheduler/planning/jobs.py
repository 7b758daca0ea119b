"""Background job handlers of the planning package (registered by kind).

Each handler writes its domain rows and finishes its job in ONE transaction
(``ctx.finish_in``), so a worker killed half-way leaves nothing behind.
"""

from __future__ import annotations

from scheduler.jobs import JobContext, job_handler
from scheduler.models import Site
from scheduler.planning import forecasting, rosters


@job_handler("roster_solve")
def roster_solve(ctx: JobContext) -> dict:
    """Generate a draft roster for a period and team set (params: ``SolveRequest``)."""
    req = rosters.SolveRequest.from_params(ctx.params)
    with ctx.session() as session:
        result = rosters.solve_and_store(session, req, created_by_id=ctx.created_by_id, progress=ctx.progress,
                                         cancel=ctx.cancel, settings=dict(ctx.settings))
        ctx.finish_in(session, result)
        session.commit()
    return result


@job_handler("roster_repair")
def roster_repair(ctx: JobContext) -> dict:
    """Propose a minimal-change draft after a sudden absence."""
    with ctx.session() as session:
        result = rosters.repair_and_store(session, ctx.params, progress=ctx.progress, cancel=ctx.cancel,
                                          settings=dict(ctx.settings))
        ctx.finish_in(session, result)
        session.commit()
    return result


@job_handler("forecast_run")
def forecast_run(ctx: JobContext) -> dict:
    """Forecast a site's queues and recompute requirements (params: site_id, horizon_days)."""
    with ctx.session() as session:
        site = session.get(Site, int(ctx.params["site_id"]))
        if site is None:
            raise ValueError("the site is gone")
        methods = tuple(ctx.params.get("methods") or ()) or None
        run = forecasting.run_forecast(session, site, horizon_days=int(ctx.params.get("horizon_days", 28)),
                                       created_by_id=ctx.created_by_id, progress=ctx.progress, cancel=ctx.cancel,
                                       methods=methods)
        result = {"run_id": run.id, "first_day": run.first_day.isoformat(), "days": run.days,
                  "methods": {q: a.get("method") for q, a in (run.accuracy or {}).items()}}
        ctx.finish_in(session, result)
        session.commit()
    return result
