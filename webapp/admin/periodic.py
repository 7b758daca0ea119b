"""Admin pages for the periodic jobs: cron and on/off per job, "run now", run history.
(Routes on the admin blueprint; imported by webapp.admin.views.)"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from scheduler.errors import ValidationError
from scheduler.jobs import periodic, submit_job
from scheduler.models import PeriodicRun
from webapp.admin.views import bp
from webapp.extensions import db
from webapp.params import int_arg
from webapp.security import require


class PeriodicJobForm(FlaskForm):
    cron = StringField(_l("Schedule (cron)"), validators=[DataRequired(message=_l("Enter a cron expression.")),
                                                          Length(max=120)])
    enabled = BooleanField(_l("Enabled"))


class RunNowForm(FlaskForm):
    pass


def _definition(job_id: str) -> periodic.PeriodicDefinition:
    d = periodic.DEFINITIONS.get(job_id)
    if d is None:
        abort(404)
    return d


@bp.route("/periodic")
@require("jobs.configure")
def periodic_jobs() -> Any:
    rows = periodic.sync_definitions(db.session)
    db.session.commit()
    tz = periodic.site_timezone(db.session)
    last = {}
    for r in db.session.scalars(db.select(PeriodicRun).order_by(PeriodicRun.id.desc()).limit(500)).all():
        last.setdefault(r.job_id, r)
    items = []
    for row in rows:
        try:
            nxt = periodic.next_fire_time(row.cron, tz, periodic.utcnow()) if row.enabled else None
        except ValidationError:
            nxt = None
        form = PeriodicJobForm(data={"cron": row.cron, "enabled": row.enabled})
        items.append({"row": row, "definition": periodic.DEFINITIONS[row.id], "next": nxt, "last": last.get(row.id),
                      "form": form})
    return render_template("admin/periodic.html", items=items, run_form=RunNowForm(), timezone=tz)


@bp.route("/periodic/<job_id>", methods=["POST"])
@require("jobs.configure")
def periodic_update(job_id: str) -> Any:
    _definition(job_id)
    form = PeriodicJobForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, field).label.text if hasattr(form, field)
                        else field, message=e), "error")
        return redirect(url_for("admin.periodic_jobs"), 303)
    try:
        periodic.update_job(db.session, job_id, cron=form.cron.data, enabled=form.enabled.data,
                            user_id=current_user.id)
    except ValidationError as err:
        db.session.rollback()
        flash(_("%(field)s: %(message)s", field=form.cron.label.text, message=err.message), "error")
        return redirect(url_for("admin.periodic_jobs"), 303)
    db.session.commit()
    flash(_("Schedule of %(job)s saved.", job=job_id), "success")
    return redirect(url_for("admin.periodic_jobs"), 303)


@bp.route("/periodic/<job_id>/run", methods=["POST"])
@require("jobs.configure")
def periodic_run_now(job_id: str) -> Any:
    _definition(job_id)
    if not RunNowForm().validate_on_submit():
        abort(400)
    job = submit_job(db.session, "periodic_run", {"periodic_id": job_id}, current_user.id)
    db.session.commit()
    return redirect(url_for("jobs.page", job_id=job.id), 303)


@bp.route("/periodic/<job_id>/runs")
@require("jobs.configure")
def periodic_runs(job_id: str) -> Any:
    d = _definition(job_id)
    page = int_arg("page", 1, 1, 100_000)
    query = db.select(PeriodicRun).where(PeriodicRun.job_id == job_id).order_by(PeriodicRun.id.desc())
    pagination = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template("admin/periodic_runs.html", definition=d, pagination=pagination)
