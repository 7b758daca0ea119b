"""The planner area: staffing levels, history and forecast, roster generation, review,
edits, publication, version comparison and absence repair.

Views are thin: they parse input, call ``scheduler.planning`` services, commit, and
render.  Every rule is decided by the services (and the engines behind them).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from babel import numbers as babel_numbers
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from optimizer import timeutil
from scheduler import overview
from scheduler.db import utcnow
from scheduler.models import Agent, Job, Queue, Roster, RosterVersion, SpecialDay, Team, User
from scheduler.planning import forecasting, queries, rosters
from scheduler.planning.roster_problem import site_templates
from webapp.i18n import format_skeleton, holidays_between, solver_status_label
from webapp.extensions import db
from webapp.params import date_arg, int_arg
from webapp.planner.forms import (
    AbsenceForm, EditForm, EmptyForm, ForecastForm, GenerateForm, HistoryConfirmForm, HistoryUploadForm,
    QueueParametersForm, SpecialDayForm, choices,
)
from webapp.security import require
from webapp.site import site_today

bp = Blueprint("planner", __name__, url_prefix="/planner")

#: Names of the roster rules (the validator's rule ids) for the edit check page.
RULE_LABELS = {
    "shift_definition": _l("Shift definition"), "one_shift_per_day": _l("One shift a day"),
    "time_off": _l("Approved time off"), "night_eligibility": _l("Night work eligibility"),
    "max_shifts_per_template": _l("Shifts of one kind"), "pinned": _l("Fixed shift"),
    "rest": _l("Minimum rest between shifts"), "rotation": _l("Shift rotation"),
    "max_consecutive_days": _l("Maximum days in a row"), "min_consecutive_days": _l("Minimum days in a row"),
    "min_consecutive_days_off": _l("Minimum days off in a row"), "max_nights_in_row": _l("Maximum nights in a row"),
    "min_days_off_per_week": _l("Days off per week"), "max_weekends": _l("Weekends worked"),
    "weekly_hours": _l("Contract hours per week"), "total_minutes": _l("Total hours"), "breaks": _l("Breaks"),
    "fixed_activities": _l("Training and meetings"), "supervisor_on_duty": _l("Supervisor on duty"),
    "coverage": _l("Coverage of the requirement"), "preference": _l("Agent preference"),
}

#: Names of the engine's rule families (an infeasible period's conflicting rules).
RULE_FAMILY_LABELS = {
    "time_off": RULE_LABELS["time_off"], "night_eligibility": RULE_LABELS["night_eligibility"],
    "max_shifts_per_template": RULE_LABELS["max_shifts_per_template"], "pinned": RULE_LABELS["pinned"],
    "fixed_activities": RULE_LABELS["fixed_activities"], "rest_and_rotation": _l("Rest between shifts and rotation"),
    "consecutive_days": _l("Days in a row"), "consecutive_days_off": RULE_LABELS["min_consecutive_days_off"],
    "nights_in_row": RULE_LABELS["max_nights_in_row"], "days_off_per_week": RULE_LABELS["min_days_off_per_week"],
    "weekends": RULE_LABELS["max_weekends"], "weekly_hours_min": _l("Contract hours per week (minimum)"),
    "weekly_hours_max": _l("Contract hours per week (maximum)"), "total_minutes_min": _l("Total hours (minimum)"),
    "total_minutes_max": _l("Total hours (maximum)"), "supervisor_on_duty": RULE_LABELS["supervisor_on_duty"],
    "one_shift_per_day": RULE_LABELS["one_shift_per_day"], "skills": _l("Skills"),
}


def _site():
    site = g.get("site")
    if site is None:
        abort(404)
    return site


def _queues(site) -> list[Queue]:
    return list(db.session.scalars(sa.select(Queue).where(Queue.site_id == site.id).order_by(Queue.code)))


def _teams(site) -> list[Team]:
    return list(db.session.scalars(sa.select(Team).where(Team.site_id == site.id).order_by(Team.name)))


@bp.route("/")
@require("home.planner")
def home() -> Any:
    site = g.get("site")
    run = forecasting.latest_run(db.session, site) if site else None
    recent = list(db.session.scalars(sa.select(Roster).where(Roster.site_id == (site.id if site else -1))
                                     .order_by(Roster.start_date.desc()).limit(5)))
    run_last = run.first_day + timedelta(days=run.days - 1) if run else None
    return render_template("planner/home.html", stats=overview.counts(db.session), run=run, run_last=run_last,
                           rosters=recent)


# ----------------------------------------------------------------------------- staffing


@bp.route("/staffing")
@require("staffing.view")
def staffing() -> Any:
    site = _site()
    queues = _queues(site)
    if not queues:
        return render_template("planner/staffing.html", queues=[], series=None, heat=None)
    qid = int_arg("queue", queues[0].id, 0, 2**31 - 1)
    queue = next((q for q in queues if q.id == qid), queues[0])
    run = forecasting.latest_run(db.session, site)
    default_day = run.first_day if run and not run.first_day <= site_today() < run.first_day + timedelta(days=run.days) else site_today()
    day = date_arg("day", default_day)
    span = "day" if request.args.get("span") == "day" else "week"
    start = day if span == "day" else timeutil.week_start(day, site.week_start)
    days = 1 if span == "day" else 7
    week = timeutil.week_start(day, site.week_start)
    # the week view's chart and heat map cover the same week: compute its heads once
    shared = queries.scheduled_by_queue(db.session, site, queues, week, 7) if span == "week" else None
    series = queries.staffing_series(db.session, site, queue, start, days, scheduled=shared)
    series.holidays = holidays_between(site, start, start + timedelta(days=days - 1))  # names in the reader's language
    heat = queries.week_heatmap(db.session, site, week, queues=queues, scheduled=shared)
    form = QueueParametersForm(obj=queue, formdata=None)
    form.sl_target.data = round(queue.sl_target * 100, 1)
    form.max_occupancy.data = round(queue.max_occupancy * 100, 1)
    form.shrinkage.data = round(queue.shrinkage * 100, 1)
    special_form = SpecialDayForm(formdata=None)
    special_form.queue_id.choices = choices([(0, _("All queues"))] + [(q.id, q.code) for q in queues])
    specials = list(db.session.scalars(sa.select(SpecialDay).where(SpecialDay.site_id == site.id)
                                       .where(SpecialDay.day >= site_today() - timedelta(days=7)).order_by(SpecialDay.day)))
    return render_template("planner/staffing.html", queues=queues, queue=queue, series=series, heat=heat,
                           heat_titles=_heat_titles(heat), chart=_chart(series), day=day, span=span, start=start, run=run,
                           form=form, special_form=special_form, specials=specials,
                           prev_day=start - timedelta(days=days), next_day=start + timedelta(days=days))


def _chart(series: queries.StaffingSeries) -> dict:
    data = series.chart_data()
    # 672 labels a week: convert each instant once and format each local day once
    # (a Babel call per label was a third of the page's time)
    tz = get_timezone()
    local = [t.astimezone(tz) for t in series.timestamps]
    if series.days == 1:
        data["labels"] = [f"{t.hour:02d}:{t.minute:02d}" for t in local]
    else:  # weekday and date in the reader's order ("Mon, 11/30 09:00" / "11/30（週一） 09:00")
        day_label: dict[date, str] = {}
        for t in local:
            if t.date() not in day_label:
                day_label[t.date()] = format_skeleton("MEd", t.date())
        data["labels"] = [f"{day_label[t.date()]} {t.hour:02d}:{t.minute:02d}" for t in local]
    return data


def _heat_titles(heat: queries.HeatMap) -> list[list[str]]:
    """The heat map cells' tooltips ("Mon 09:00 · required 12.5, scheduled 11.0"): the
    sentence translated once, each distinct figure formatted once (three Babel calls per
    cell, 840 cells, were most of the page's time)."""
    day_names = [format_date(d, "EEE") for d in heat.days]
    sentence = _("required %(r)s, scheduled %(s)s", r="%(r)s", s="%(s)s")
    locale = get_locale()
    pattern = babel_numbers.parse_pattern("#,##0.0")
    numbers: dict[float, str] = {}

    def num(v: float) -> str:
        text = numbers.get(v)
        if text is None:
            text = numbers[v] = pattern.apply(v, locale)  # = format_decimal(v, "#,##0.0")
        return text

    return [[f"{day_names[k // 24]} {k % 24:02d}:00 · " + sentence % {"r": num(req), "s": num(sch)}
             for k, (req, sch, _gap, _level) in enumerate(cells)] for _q, cells in heat.rows]


@bp.route("/queues/<int:queue_id>/parameters", methods=["POST"])
@require("staffing.edit")
def queue_parameters(queue_id: int) -> Any:
    site = _site()
    queue = db.session.get(Queue, queue_id)
    if queue is None or queue.site_id != site.id:
        abort(404)
    form = QueueParametersForm()
    if not form.validate():
        for name, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, name).label.text, message=e), "error")
        return redirect(url_for("planner.staffing", queue=queue.id), 303)
    queue.sl_target = form.sl_target.data / 100.0
    queue.sl_seconds = form.sl_seconds.data
    queue.asa_seconds = form.asa_seconds.data or None
    queue.max_occupancy = form.max_occupancy.data / 100.0
    queue.shrinkage = form.shrinkage.data / 100.0
    queue.staffing_model = form.staffing_model.data
    queue.patience_seconds = form.patience_seconds.data or None
    queue.aht_override = bool(form.aht_override.data)
    queue.aht_seconds = form.aht_seconds.data
    db.session.flush()
    n = forecasting.recompute_queue_requirements(db.session, queue)
    db.session.commit()
    flash(_("Parameters of %(queue)s saved; %(n)s requirement intervals recomputed.", queue=queue.code,
            n=n), "success")
    return redirect(url_for("planner.staffing", queue=queue.id, day=request.form.get("back_day") or None), 303)


@bp.route("/special-days", methods=["POST"])
@require("staffing.edit")
def special_day_add() -> Any:
    site = _site()
    form = SpecialDayForm()
    form.queue_id.choices = choices([(0, "*")] + [(q.id, q.code) for q in _queues(site)])
    if not form.validate():
        for name, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, name).label.text, message=e), "error")
        return redirect(url_for("planner.staffing"), 303)
    db.session.add(SpecialDay(site_id=site.id, queue_id=form.queue_id.data or None, day=form.day.data,
                              label=form.label.data, uplift=form.uplift.data))
    db.session.commit()
    flash(_("Special day saved. Run the forecast again to apply it."), "success")
    return redirect(url_for("planner.staffing", day=form.day.data.isoformat()), 303)


@bp.route("/special-days/<int:special_id>/delete", methods=["POST"])
@require("staffing.edit")
def special_day_delete(special_id: int) -> Any:
    site = _site()
    form = EmptyForm()
    if not form.validate():
        abort(400)
    special = db.session.get(SpecialDay, special_id)
    if special is None or special.site_id != site.id:
        abort(404)
    db.session.delete(special)
    db.session.commit()
    flash(_("Special day removed."), "success")
    return redirect(url_for("planner.staffing"), 303)


# ----------------------------------------------------------------------------- history and forecast


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _staged(token: str) -> tuple[Path, str] | None:
    if not token.isalnum():
        return None
    for p in _upload_dir().glob(f"history-{token}.*"):
        return p, p.suffix
    return None


@bp.route("/forecast")
@require("forecast.run")
def forecast() -> Any:
    site = _site()
    run = forecasting.latest_run(db.session, site)
    bounds = forecasting.history_bounds(db.session, site)
    queues = _queues(site)
    code = request.args.get("queue", "")[:20]
    accuracy = (run.accuracy or {}) if run else {}
    if code not in accuracy and accuracy:
        code = sorted(accuracy)[0]
    jobs = _recent_jobs("forecast_run")
    acc_chart = None
    if code:
        fold = accuracy[code].get("last_fold") or {}
        labels = []
        for t in fold.get("timestamp", []):
            when = datetime.fromisoformat(t)
            labels.append(f"{format_skeleton('MEd', when)} {format_datetime(when, 'HH:mm')}")
        acc_chart = {"labels": labels, "actual": fold.get("actual", []), "forecast": fold.get("forecast", [])}
    return render_template("planner/forecast.html", run=run, bounds=bounds, queues=queues, code=code,
                           accuracy=accuracy, acc_chart=acc_chart, upload_form=HistoryUploadForm(),
                           forecast_form=ForecastForm(), jobs=jobs)


@bp.route("/history/upload", methods=["POST"])
@require("history.import")
def history_upload() -> Any:
    site = _site()
    form = HistoryUploadForm()
    if not form.validate():
        flash(_("Choose a CSV or XLSX file."), "error")
        return redirect(url_for("planner.forecast"), 303)
    upload = form.file.data
    filename = Path(upload.filename or "history.csv").name
    suffix = Path(filename).suffix.lower()
    if suffix not in forecasting.UPLOAD_SUFFIXES:
        flash(_("The file must be .csv or .xlsx."), "error")
        return redirect(url_for("planner.forecast"), 303)
    token = secrets.token_hex(16)
    path = _upload_dir() / f"history-{token}{suffix}"
    upload.save(path)
    preview = forecasting.preview_history(db.session, site, path, filename)
    if not preview.ok:
        path.unlink(missing_ok=True)
    return render_template("planner/history_preview.html", preview=preview, token=token,
                           confirm_form=HistoryConfirmForm(token=token))


@bp.route("/history/confirm", methods=["POST"])
@require("history.import")
def history_confirm() -> Any:
    site = _site()
    form = HistoryConfirmForm()
    staged = _staged(form.token.data or "") if form.validate() else None
    if staged is None:
        flash(_("The uploaded file is no longer available; upload it again."), "error")
        return redirect(url_for("planner.forecast"), 303)
    path, suffix = staged
    preview = forecasting.preview_history(db.session, site, path, f"upload{suffix}")
    if not preview.ok:
        path.unlink(missing_ok=True)
        flash(_("The file has problems; nothing was saved."), "error")
        return redirect(url_for("planner.forecast"), 303)
    n = forecasting.save_history(db.session, site, preview.history)
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("%(n)s history intervals saved.", n=n), "success")
    return redirect(url_for("planner.forecast"), 303)


@bp.route("/forecast/run", methods=["POST"])
@require("forecast.run")
def forecast_run() -> Any:
    from scheduler.jobs import submit_job

    site = _site()
    form = ForecastForm()
    if not form.validate():
        flash(_("Forecast 1 to 56 days."), "error")
        return redirect(url_for("planner.forecast"), 303)
    if forecasting.history_bounds(db.session, site) is None:
        flash(_("There is no contact history yet: upload history first."), "error")
        return redirect(url_for("planner.forecast"), 303)
    methods = list(forecasting.ALL_METHODS if form.thorough.data else forecasting.QUICK_METHODS)
    job = submit_job(db.session, "forecast_run", {"site_id": site.id, "horizon_days": form.horizon_days.data,
                                                  "methods": methods}, current_user.id)
    db.session.commit()
    return redirect(url_for("planner.job", job_id=job.id), 303)


# ----------------------------------------------------------------------------- jobs


PLANNER_JOBS = ("roster_solve", "roster_repair", "forecast_run")


def _recent_jobs(*kinds: str, limit: int = 8) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.kind.in_(kinds or PLANNER_JOBS))
                                   .order_by(Job.id.desc()).limit(limit)))


def _done_url(job: Job) -> str | None:
    result = job.result or {}
    if job.kind in ("roster_solve", "roster_repair") and result.get("roster_id") and result.get("version_id"):
        return url_for("planner.roster", roster_id=result["roster_id"], version=result["version_id"])
    if job.kind == "forecast_run" and result.get("run_id"):
        return url_for("planner.forecast")
    return None


@bp.route("/jobs/<int:job_id>")
@require("roster.view")
def job(job_id: int) -> Any:
    item = db.session.get(Job, job_id)
    if item is None or item.kind not in PLANNER_JOBS:
        abort(404)
    # a roster job without a draft shows the engine's explanation: agents by name, rules by label
    return render_template("planner/job.html", job=item, done_url=url_for("planner.job_result", job_id=item.id),
                           result_url=_done_url(item), family_labels=RULE_FAMILY_LABELS,
                           agent_names={str(a): name for a, name in _agent_choices(_site())})


@bp.route("/jobs/<int:job_id>/result")
@require("roster.view")
def job_result(job_id: int) -> Any:
    """Where a finished job's result lives (the progress bar links here before it knows)."""
    item = db.session.get(Job, job_id)
    if item is None or item.kind not in PLANNER_JOBS:
        abort(404)
    url = _done_url(item)
    if item.status != "done" or url is None:
        if item.status == "done":
            flash(_("No roster was found within the time limit (solver status %(status)s). Try a longer time limit.",
                    status=solver_status_label((item.result or {}).get("status") or "?")), "warning")
        return redirect(url_for("planner.job", job_id=item.id), 303)
    return redirect(url, 303)


# ----------------------------------------------------------------------------- rosters


@bp.route("/rosters")
@require("roster.view")
def rosters_list() -> Any:
    site = _site()
    items = list(db.session.scalars(sa.select(Roster).where(Roster.site_id == site.id)
                                    .order_by(Roster.start_date.desc(), Roster.id.desc()).limit(50)))
    form = GenerateForm(formdata=None)
    form.teams.choices = choices([(t.id, t.name) for t in _teams(site)])
    form.start.data = timeutil.week_start(site_today(), site.week_start) + timedelta(days=7)
    return render_template("planner/rosters.html", rosters=items, form=form,
                           jobs=_recent_jobs("roster_solve", "roster_repair"))


@bp.route("/rosters/generate", methods=["POST"])
@require("roster.generate")
def generate() -> Any:
    site = _site()
    form = GenerateForm()
    form.teams.choices = choices([(t.id, t.name) for t in _teams(site)])
    if not form.validate():
        for name, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, name).label.text, message=e), "error")
        return redirect(url_for("planner.rosters_list"), 303)
    req = rosters.SolveRequest(site.id, form.start.data, form.days.data, tuple(form.teams.data or ()),
                               float(form.time_limit.data))
    job = rosters.submit_roster_solve(db.session, req, current_user.id)
    db.session.commit()
    return redirect(url_for("planner.job", job_id=job.id), 303)


def _roster_or_404(roster_id: int) -> Roster:
    roster = db.session.get(Roster, roster_id)
    site = g.get("site")
    if roster is None or site is None or roster.site_id != site.id:
        abort(404)
    return roster


def _version(roster: Roster) -> RosterVersion | None:
    vid = int_arg("version", 0, 0, 2**31 - 1)
    if vid:
        v = db.session.get(RosterVersion, vid)
        if v is None or v.roster_id != roster.id:
            abort(404)
        return v
    return roster.draft or roster.latest_published


def _agent_choices(site) -> list[tuple[int, str]]:
    rows = db.session.execute(sa.select(Agent.id, User.display_name, Team.name).join(User, User.id == Agent.user_id)
                              .join(Team, Team.id == Agent.team_id).where(Team.site_id == site.id, Agent.active.is_(True))
                              .order_by(Team.name, User.display_name)).all()
    return [(a, f"{name} · {team}") for a, name, team in rows]


def _grid_rows_html(grid: queries.RosterGrid) -> Markup:
    """The grid's body rows (500 agents x 28 days = 14,000 cells), built here with each
    shift code's cell escaped once: cell by cell in Jinja was most of the page's time."""
    cell_of: dict[str | None, str] = {None: "<td></td>"}
    out = []
    for r in grid.rows:
        cells = []
        for c in r.cells:
            c = c or None  # an empty code is an empty cell, as before
            html = cell_of.get(c)
            if html is None:
                t = grid.templates.get(c)
                title = f' title="{escape(c)} {escape(t.hours)}"' if t else ""
                html = cell_of[c] = f'<td class="t-{escape(c)}"{title}>{escape(c)}</td>'
            cells.append(html)
        mark = '<span class="sup-mark">★</span>' if r.supervisor else ""
        team = escape(r.team)
        out.append(f'\n    <tr data-agent="{r.agent_id}"><th class="agent" title="{team} · {escape(r.skills)}">'
                   f'{escape(r.name)}{mark} <span class="muted">{team}</span></th>{"".join(cells)}</tr>')
    return Markup("".join(out))


@bp.route("/rosters/<int:roster_id>")
@require("roster.view")
def roster(roster_id: int) -> Any:
    site = _site()
    item = _roster_or_404(roster_id)
    version = _version(item)
    team_id = int_arg("team", 0, 0, 2**31 - 1) or None
    queue_id = int_arg("queue", 0, 0, 2**31 - 1) or None
    grid = queries.roster_grid(db.session, version, team_id=team_id, queue_id=queue_id) if version else None
    agents = _agent_choices(site)
    codes = [(t.code, f"{t.code} · {t.name}") for t in site_templates(db.session, site.id)]
    edit_form = EditForm(formdata=None)
    edit_form.agent_id.choices = choices(agents)
    edit_form.other_agent_id.choices = choices([("", "—")] + agents)
    edit_form.code.choices = choices([("", "—")] + codes)
    absence_form = AbsenceForm(formdata=None)
    absence_form.agent_id.choices = choices(agents)
    return render_template(
        "planner/roster.html", roster=item, version=version, grid=grid, grid_rows=_grid_rows_html(grid) if grid else "",
        versions=queries.versions_of(db.session, item.id),
        teams=_teams(site), queues=_queues(site), team_id=team_id, queue_id=queue_id, edit_form=edit_form,
        absence_form=absence_form, action_form=EmptyForm(), holidays=holidays_between(site, item.start_date, item.start_date + timedelta(days=item.days - 1)),
        today=site_today(), outcome=None, agent_names={str(a): name for a, name in agents}, rule_labels=RULE_LABELS,
        relaxations=[{**r, "day": date.fromisoformat(r["date"]) if r.get("date") else None}
                     for r in ((version.summary or {}).get("relaxations") or [] if version else [])],
        family_labels=RULE_FAMILY_LABELS)


@bp.route("/rosters/<int:roster_id>/gantt")
@require("roster.view")
def gantt(roster_id: int) -> Any:
    site = _site()
    item = _roster_or_404(roster_id)
    version = _version(item)
    first, last = item.start_date, item.start_date + timedelta(days=item.days - 1)
    day = date_arg("day", min(max(site_today(), first), last))
    day = min(max(day, first), last)
    team_id = int_arg("team", 0, 0, 2**31 - 1) or None
    chart = queries.day_gantt(db.session, version, day, team_id=team_id) if version else None
    return render_template("planner/gantt.html", roster=item, version=version, chart=chart, day=day,
                           teams=_teams(site), team_id=team_id, holidays=holidays_between(site, day, day),
                           prev_day=day - timedelta(days=1) if day > first else None,
                           next_day=day + timedelta(days=1) if day < last else None)


@bp.route("/rosters/<int:roster_id>/edit", methods=["POST"])
@require("roster.edit")
def edit(roster_id: int) -> Any:
    site = _site()
    item = _roster_or_404(roster_id)
    form = EditForm()
    agents = _agent_choices(site)
    form.agent_id.choices = choices(agents)
    form.other_agent_id.choices = choices([("", "—")] + agents)
    form.code.choices = choices([("", "—")] + [(t.code, t.code) for t in site_templates(db.session, site.id)])
    if not form.validate():
        for name, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, name).label.text, message=e), "error")
        return redirect(url_for("planner.roster", roster_id=item.id), 303)
    change = rosters.ShiftEdit(form.action.data, form.agent_id.data, form.day.data, form.code.data or None,
                               form.target_day.data, form.other_agent_id.data)
    version = rosters.ensure_draft(db.session, item)
    outcome = rosters.apply_edit(db.session, version, change, confirm_soft=form.confirm.data == "1")
    if outcome.saved:
        db.session.commit()
        if outcome.soft:
            flash(_("Saved, although it breaks soft rules: %(rules)s.",
                    rules=", ".join(sorted({p.rule for p in outcome.soft}))), "warning")
        else:
            flash(_("The change is saved in the draft."), "success")
        return redirect(url_for("planner.roster", roster_id=item.id, version=version.id), 303)
    db.session.commit()  # the draft copy (if one was made) is kept; the refused change is not in it
    status = 409 if outcome.hard else 200
    return render_template("planner/edit_outcome.html", roster=item, version=version, outcome=outcome, form=form,
                           rule_labels=RULE_LABELS), status


@bp.route("/rosters/<int:roster_id>/publish", methods=["POST"])
@require("roster.publish")
def publish(roster_id: int) -> Any:
    item = _roster_or_404(roster_id)
    if not EmptyForm().validate():
        abort(400)
    draft = item.draft
    if draft is None:
        flash(_("There is no draft to publish."), "error")
        return redirect(url_for("planner.roster", roster_id=item.id), 303)
    result = rosters.publish(db.session, draft, user_id=current_user.id, now=utcnow())
    db.session.commit()
    flash(_("Version %(number)s published; %(agents)s agents notified of changes to their shifts.",
            number=result.number, agents=result.changed_agents), "success")
    return redirect(url_for("planner.roster", roster_id=item.id, version=draft.id), 303)


@bp.route("/rosters/<int:roster_id>/discard", methods=["POST"])
@require("roster.edit")
def discard(roster_id: int) -> Any:
    item = _roster_or_404(roster_id)
    if not EmptyForm().validate():
        abort(400)
    draft = item.draft
    if draft is None:
        flash(_("There is no draft to discard."), "error")
    else:
        rosters.discard_draft(db.session, draft)
        db.session.commit()
        flash(_("The draft was discarded."), "success")
    return redirect(url_for("planner.roster", roster_id=item.id), 303)


@bp.route("/rosters/<int:roster_id>/diff")
@require("roster.view")
def diff(roster_id: int) -> Any:
    item = _roster_or_404(roster_id)
    versions = queries.versions_of(db.session, item.id)
    ids = {v.id for v in versions}
    new_id = int_arg("new", 0, 0, 2**31 - 1)
    old_id = int_arg("old", 0, 0, 2**31 - 1)
    if new_id not in ids:
        new_id = versions[-1].id if versions else 0
    if old_id not in ids or old_id == new_id:
        older = [v.id for v in versions if v.id != new_id and v.status == "published"]
        old_id = older[-1] if older else 0
    rows = rosters.diff_versions(db.session, old_id or None, new_id) if new_id else []
    return render_template("planner/diff.html", roster=item, versions=versions, rows=rows, old_id=old_id,
                           new_id=new_id, agents=len({r.agent_id for r in rows}))


@bp.route("/rosters/<int:roster_id>/absence", methods=["POST"])
@require("roster.edit")
def absence(roster_id: int) -> Any:
    site = _site()
    item = _roster_or_404(roster_id)
    form = AbsenceForm()
    form.agent_id.choices = choices(_agent_choices(site))
    if not form.validate():
        for name, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, name).label.text, message=e), "error")
        return redirect(url_for("planner.roster", roster_id=item.id), 303)
    limit = float(min(current_app.config.get("SOLVE_TIME_LIMIT", 60), 60))
    job = rosters.report_absence(db.session, rosters.AbsenceRequest(item.id, form.agent_id.data, form.start.data,
                                                                    form.end.data, limit), current_user.id, utcnow())
    db.session.commit()
    return redirect(url_for("planner.job", job_id=job.id), 303)
