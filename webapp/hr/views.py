"""The HR area: training results per course, team and agent, item analysis, compliance,
evaluation (levels 1-4), exports.  HR and trainers see everyone; supervisors their team
(the Scope filters every query); agents are refused."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms.validators import Optional

from optimizer.timeutil import to_local
from scheduler.db import utcnow
from scheduler.models import Agent
from training import exports
from training.models import Course
from training.operations.evaluation import QualityImportError, import_quality
from training.queries import compliance as compliance_q
from training.queries import evaluation as evaluation_q
from training.queries import results as results_q
from training.queries.scope import Scope, scope_for
from webapp.extensions import db
from webapp.params import int_arg
from webapp.security import require
from webapp.site import site_today

bp = Blueprint("hr", __name__, url_prefix="/hr")

VIEW = ("training.results", "training.view_team")

STATUS_LABELS = {"valid": _l("Valid"), "expiring": _l("Expiring"), "expired": _l("Expired"), "missing": _l("Missing")}
FIGURE_LABELS = {"qa_score": _l("Quality score"), "csat": _l("Customer satisfaction"), "fcr": _l("First-contact resolution")}


class QualityImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[Optional()])


def _scope() -> Scope:
    return scope_for(db.session, current_user)


def _dashboard() -> Any:
    scope = _scope()
    return render_template(
        "hr/home.html", scope=scope,
        by_course=results_q.results_by(db.session, scope, "course"),
        by_team=results_q.results_by(db.session, scope, "team"),
        compliance=compliance_q.compliance_status(db.session, scope, site_today()),
    )


@bp.route("/")
@require("home.hr")
def home() -> Any:
    return _dashboard()


@bp.route("/results")
@require(*VIEW, any_of=True)
def results() -> Any:
    return _dashboard()


@bp.route("/courses/<int:course_id>")
@require(*VIEW, any_of=True)
def course(course_id: int) -> Any:
    course = db.get_or_404(Course, course_id)
    scope = _scope()
    weeks = int_arg("weeks", 8, 1, 52)
    return render_template(
        "hr/course.html", course=course, scope=scope, weeks=weeks,
        summary=next(iter(results_q.results_by(db.session, scope, "course", course.id)), None),
        by_team=results_q.results_by(db.session, scope, "team", course.id),
        by_agent=results_q.results_by(db.session, scope, "agent", course.id),
        score_counts=results_q.score_distribution(db.session, scope, course.id),
        items=results_q.item_analysis(db.session, scope, course),
        survey=evaluation_q.survey_summary(db.session, scope, course.id),
        before_after=evaluation_q.course_before_after(db.session, scope, course.id, weeks),
        compliance=next(iter(compliance_q.compliance_status(db.session, scope, site_today(), course.id)), None),
        figure_labels=FIGURE_LABELS, status_labels=STATUS_LABELS,
    )


@bp.route("/agents/<int:agent_id>")
@require(*VIEW, any_of=True)
def agent(agent_id: int) -> Any:
    scope = _scope()
    agent = db.get_or_404(Agent, agent_id)
    if scope.nothing or (scope.team_id is not None and agent.team_id != scope.team_id):
        abort(404)
    from training.queries.progress import my_training

    now = utcnow()
    return render_template("hr/agent.html", agent=agent, data=my_training(db.session, agent.id, site_today(), now))


@bp.route("/compliance")
@require(*VIEW, any_of=True)
def compliance() -> Any:
    return render_template("hr/compliance.html", compliance=compliance_q.compliance_status(db.session, _scope(), site_today()),
                           status_labels=STATUS_LABELS, expiring_days=compliance_q.EXPIRING_DAYS)


def _results_table() -> tuple[list[str], list[list[Any]]]:
    headers = [_("Employee number"), _("Agent"), _("Team"), _("Course code"), _("Course"), _("Attempt"), _("Started"),
               _("Submitted"), _("Score (%)"), _("Passed"), _("Timed out"), _("Overridden")]
    tz = g.site.timezone if g.site else "UTC"
    rows = [[a.agent.employee_no, a.agent.user.display_name, a.agent.team.name, a.course.code, a.course.title, a.number,
             to_local(a.started_at, tz), to_local(a.submitted_at, tz) if a.submitted_at else "",
             round(a.score * 100, 1) if a.score is not None else "",
             "" if a.passed is None else (_("yes") if a.passed else _("no")),
             _("yes") if a.timed_out else _("no"), _("yes") if a.overridden else _("no")]
            for a in results_q.attempt_rows(db.session, _scope())]
    return headers, rows


def _compliance_table() -> tuple[list[str], list[list[Any]]]:
    headers = [_("Course code"), _("Course"), _("Employee number"), _("Agent"), _("Team"), _("Status"), _("Valid until")]
    rows = []
    for cc in compliance_q.compliance_status(db.session, _scope(), site_today()):
        for r in cc.rows:
            rows.append([cc.course.code, cc.course.title, r.agent.employee_no, r.agent.user.display_name, r.agent.team.name,
                         str(STATUS_LABELS[r.status]), r.expires_on or ""])
    return headers, rows


@bp.route("/export/<what>.<fmt>")
@require(*VIEW, any_of=True)
def export(what: str, fmt: str) -> Any:
    if what not in ("results", "compliance") or fmt not in ("csv", "xlsx"):
        abort(404)
    headers, rows = _results_table() if what == "results" else _compliance_table()
    name = f"training-{what}-{site_today().isoformat()}.{fmt}"
    if fmt == "csv":
        body, mime = exports.to_csv(headers, rows), "text/csv; charset=utf-8"
    else:
        title = _("Results") if what == "results" else _("Compliance")
        body, mime = exports.to_xlsx(title, headers, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/quality", methods=["GET", "POST"])
@require("training.results")
def quality() -> Any:
    form = QualityImportForm()
    problems = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a file."), "error")
        else:
            try:
                out = import_quality(db.session, upload.filename, upload.read())
            except QualityImportError as err:
                db.session.rollback()
                problems = err.problems
            else:
                db.session.commit()
                flash(_("%(rows)s row(s) imported: %(created)s new, %(updated)s updated.", rows=out.rows,
                        created=out.created, updated=out.updated), "success")
                return redirect(url_for("hr.quality"))
    courses = db.session.scalars(sa.select(Course).order_by(Course.code)).all()
    return render_template("hr/quality.html", form=form, problems=problems, courses=courses)
