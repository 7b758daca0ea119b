"""Job progress for every area: a JSON snapshot the progress bar polls, cancel and retry,
and a page that shows one job (a reload never loses a running job: it is a database row).

Anyone logged in may reach these routes; each job is visible to the user who started it
and to roles holding ``jobs.view`` (planners, administrators).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from scheduler.jobs import job_snapshot, request_cancel, retry_job
from scheduler.models import Job
from webapp.errors import wants_json
from webapp.extensions import db
from webapp.security import ANY_ROLE, require, user_can

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _visible_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.created_by_id != current_user.id and not user_can(current_user, "jobs.view"):
        abort(403)
    return job


@bp.route("/<int:job_id>")
@require(*ANY_ROLE, any_of=True)
def status(job_id: int) -> Any:
    job = _visible_job(job_id)
    return jsonify(job_snapshot(job))


@bp.route("/<int:job_id>/view")
@require(*ANY_ROLE, any_of=True)
def page(job_id: int) -> Any:
    job = _visible_job(job_id)
    return render_template("jobs/job.html", job=job)


def _answer(job: Job, message: str) -> Any:
    if wants_json() or request.is_json:
        return jsonify(job_snapshot(job))
    flash(message, "success")
    return redirect(request.referrer or url_for("jobs.page", job_id=job.id), 303)


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@require(*ANY_ROLE, any_of=True)
def cancel(job_id: int) -> Any:
    job = _visible_job(job_id)
    request_cancel(db.session, job.id, current_user.id)
    db.session.commit()
    return _answer(db.session.get(Job, job_id), _("Cancellation requested."))


@bp.route("/<int:job_id>/retry", methods=["POST"])
@require(*ANY_ROLE, any_of=True)
def retry(job_id: int) -> Any:
    job = _visible_job(job_id)
    retry_job(db.session, job.id)
    db.session.commit()
    return _answer(db.session.get(Job, job_id), _("The job was queued again."))


@bp.before_app_request
def _embedded_scheduler() -> None:
    """One-machine mode (``make run``): start the periodic-job scheduler in this process on
    its first request when WFM_SCHEDULER_IN_PROCESS=1.  Not in create_app: the reloader's
    watcher never serves a request, and production runs ``wfm scheduler`` instead (should
    several processes start one anyway, the database run guard keeps each run single)."""
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("WFM_SCHEDULER_IN_PROCESS") and not app.config.get("TESTING") \
            and not app.extensions.get("wfm_scheduler"):
        from scheduler.jobs.schedule import start_embedded

        app.extensions["wfm_scheduler"] = start_embedded(app)
