"""JSON API, version 1.  Token authentication (``Authorization: Bearer …``) and the same
permission checks as the pages (``@require``), plus the same domain scope checks
(an agent sees their own shifts, a supervisor their team's, a planner everyone's).

Browsers may read the API with their session cookie; a write made with a session
cookie instead of a bearer token needs the CSRF token (``X-CSRFToken`` header), so a
hostile page cannot make a logged-in browser post to the API.  The OpenAPI document
(``/api/v1/openapi.json``) describes every route; a test keeps the two in step.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from functools import wraps
from typing import Any, Callable

import sqlalchemy as sa
from flask import Blueprint, Response, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from optimizer import timeutil
from scheduler import exchange
from scheduler.accounts import user_for_api_token
from scheduler.db import utcnow
from scheduler.errors import NotFound, ValidationError
from scheduler.models import Agent, Queue, Roster, RosterVersion, SwapRequest, TimeOff, User
from scheduler.selfservice import queries, swaps, timeoff
from scheduler.selfservice.scope import supervised_team_id
from webapp.extensions import csrf, db
from webapp.i18n import localized_message, rule_sentence
from webapp.params import date_arg, int_arg, str_arg
from webapp.security import public, require, user_can
from webapp.site import site_today

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent automatically by browsers, so CSRF does not apply to them;
# session-cookie writes are checked by ``_write`` below.
csrf.exempt(bp)

MAX_DAYS = 62


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.api_user = user_for_api_token(db.session, header[7:].strip())


def _write(view: Callable[..., Any]) -> Callable[..., Any]:
    """Writes authenticated by a session cookie must carry the CSRF token."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "api_user", None) is None:
            csrf.protect()
        return view(*args, **kwargs)

    return wrapped


def _user() -> User:
    return getattr(g, "api_user", None) or current_user


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("send a JSON object", field="body")
    return body


def _date(body: dict, name: str, required: bool = True) -> date | None:
    raw = body.get(name)
    if raw in (None, "") and not required:
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationError("a date as YYYY-MM-DD", field=name) from None


def _int(body: dict, name: str) -> int:
    raw = body.get(name)
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit() or len(str(raw)) > 9:
        raise ValidationError("a positive whole number", field=name)
    return int(raw)


def _text(body: dict, name: str, limit: int) -> str:
    raw = body.get(name, "")
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw) > limit:
        raise ValidationError("text too long or not text", field=name)
    return raw


def _me() -> Agent:
    agent = queries.agent_for_user(db.session, _user().id)
    if agent is None:
        raise NotFound("your account has no agent profile", field="agent")
    return agent


# -- reference data --------------------------------------------------------------------

@bp.route("/openapi.json")
@public
def openapi() -> Any:
    from webapp.api.openapi import document

    return jsonify(document())


@bp.route("/queues")
@require("staffing.view")
def queues() -> Any:
    rows = db.session.scalars(db.select(Queue).order_by(Queue.code)).all()
    return jsonify([
        {"code": q.code, "name": q.name, "open_24_7": q.open_24_7, "sl_target": q.sl_target,
         "sl_seconds": q.sl_seconds, "max_occupancy": q.max_occupancy, "shrinkage": q.shrinkage}
        for q in rows
    ])


@bp.route("/requirements")
@require("staffing.view")
def requirements() -> Any:
    """Stored staffing requirements (the planner's forecasts) per queue and interval."""
    from scheduler.planning.queries import requirements_for

    if not g.get("site"):
        return jsonify([])
    start = date_arg("start", site_today())
    days = int_arg("days", 1, 1, 14)
    queue = str_arg("queue", "", 20)
    lo, _ignored = timeutil.local_day_bounds(start, g.site.timezone)
    _ignored, hi = timeutil.local_day_bounds(start + timedelta(days=days - 1), g.site.timezone)
    rows = requirements_for(db.session, g.site.id, lo, hi)
    return jsonify([
        {"queue": r.queue_code, "interval_start": r.interval_start_utc.isoformat(), "agents_required": r.agents_required,
         "agents_on_phone": r.agents_on_phone, "volume": round(r.volume, 3), "aht_seconds": round(r.aht, 1)}
        for r in rows if not queue or r.queue_code == queue
    ])


@bp.route("/rosters")
@require("roster.view")
def rosters() -> Any:
    items = db.session.scalars(sa.select(Roster).order_by(Roster.start_date.desc()).limit(100)).all()
    versions: dict[int, list[RosterVersion]] = {}
    for v in db.session.scalars(sa.select(RosterVersion).where(RosterVersion.roster_id.in_([r.id for r in items] or [-1]))
                                .order_by(RosterVersion.id)):
        versions.setdefault(v.roster_id, []).append(v)
    return jsonify([
        {"id": r.id, "name": r.name, "start_date": r.start_date.isoformat(), "days": r.days,
         "versions": [{"id": v.id, "number": v.number, "status": v.status,
                       "published_at": v.published_at.isoformat() if v.published_at else None}
                      for v in versions.get(r.id, [])]}
        for r in items
    ])


@bp.route("/shifts")
@require("shifts.view_own", "team.view", "roster.view", any_of=True)
def shifts() -> Any:
    """Published shifts: all for planners, the team's for supervisors, one's own for agents."""
    user = _user()
    start = date_arg("start", site_today())
    days = int_arg("days", 7, 1, MAX_DAYS)
    if user_can(user, "roster.edit"):
        agent_ids = list(db.session.scalars(sa.select(Agent.id)))
    elif (team := supervised_team_id(db.session, user)) is not None:
        agent_ids = queries.team_agent_ids(db.session, team)
    else:
        me = queries.agent_for_user(db.session, user.id)
        agent_ids = [me.id] if me else []
    items = queries.published_shifts_on_days(db.session, agent_ids, start, start + timedelta(days=days - 1))
    return jsonify([_shift_json(s) for s in items])


def _shift_json(s: queries.ShiftView) -> dict[str, Any]:
    return {"id": s.id, "agent_id": s.agent_id, "day": s.day.isoformat(), "code": s.code,
            "start": s.start_at.isoformat(), "end": s.end_at.isoformat(), "roster_id": s.roster_id,
            "version": s.version_number,
            "activities": [{"kind": a.kind, "start": a.start_at.isoformat(), "end": a.end_at.isoformat(),
                            "label": a.label} for a in s.activities]}


# -- requests --------------------------------------------------------------------------

def _timeoff_json(t: TimeOff) -> dict[str, Any]:
    return {"id": t.id, "agent_id": t.agent_id, "start_date": t.start_date.isoformat(), "end_date": t.end_date.isoformat(),
            "kind": t.kind, "status": t.status, "reason": t.reason}


def _swap_json(s: SwapRequest) -> dict[str, Any]:
    return {"id": s.id, "requester_id": s.requester_id, "colleague_id": s.colleague_id,
            "requester_day": s.requester_day.isoformat(), "colleague_day": s.colleague_day.isoformat(),
            "requester_code": s.requester_code, "colleague_code": s.colleague_code, "status": s.status,
            "note": s.note, "result_version_id": s.result_version_id}


@bp.route("/requests")
@require("requests.create", "requests.approve", any_of=True)
def requests_list() -> Any:
    """Own requests for agents; the team's open requests for supervisors (``?scope=team``)."""
    user = _user()
    if str_arg("scope", "", 10) == "team" and user_can(user, "requests.approve"):
        team = supervised_team_id(db.session, user)
        if team is None:
            return jsonify({"time_off": [], "swaps": []})
        return jsonify({"time_off": [_timeoff_json(t) for t in queries.pending_time_off(db.session, team)],
                        "swaps": [_swap_json(s) for s in queries.pending_swaps(db.session, team)]})
    me = queries.agent_for_user(db.session, user.id)
    if me is None:
        return jsonify({"time_off": [], "swaps": []})
    return jsonify({"time_off": [_timeoff_json(t) for t in queries.time_off_of(db.session, me.id)],
                    "swaps": [_swap_json(s) for s in queries.swaps_of(db.session, me.id)]})


@bp.route("/requests/timeoff", methods=["POST"])
@require("requests.create")
@_write
def timeoff_create() -> Any:
    body = _json()
    item = timeoff.request_time_off(db.session, _me(), timeoff.TimeOffRequest(
        _date(body, "start_date"), _date(body, "end_date"), _text(body, "kind", 20) or "vacation",
        _text(body, "reason", 1000)), today=site_today())
    db.session.commit()
    return jsonify(_timeoff_json(item)), 201


@bp.route("/requests/swaps", methods=["POST"])
@require("requests.create")
@_write
def swap_create() -> Any:
    body = _json()
    try:
        item = swaps.offer_swap(db.session, _me(), swaps.SwapProposal(
            colleague_id=_int(body, "colleague_id"), requester_day=_date(body, "requester_day"),
            colleague_day=_date(body, "colleague_day", required=False), note=_text(body, "note", 500)), today=site_today())
    except swaps.SwapRefused as err:
        db.session.rollback()
        return jsonify({"error": {"status": 422, "message": _("This swap would break a roster rule."), "field": "swap",
                                  "violations": [{"rule": v.rule, "agent_id": v.agent_id,
                                                  "date": v.date.isoformat() if v.date else None, "detail": rule_sentence(v)}
                                                 for v in err.violations]}}), 422
    db.session.commit()
    return jsonify(_swap_json(item)), 201


def _decision(body: dict) -> bool:
    value = body.get("decision")
    if value not in ("approve", "reject"):
        raise ValidationError("approve or reject", field="decision")
    return value == "approve"


@bp.route("/requests/timeoff/<int:item_id>/decision", methods=["POST"])
@require("requests.approve")
@_write
def timeoff_decide(item_id: int) -> Any:
    item = queries.get_by_id(db.session, TimeOff, item_id)
    if item is None:
        abort(404)
    timeoff.decide_time_off(db.session, item, _user(), _decision(_json()), utcnow())
    db.session.commit()
    return jsonify(_timeoff_json(item))


@bp.route("/requests/swaps/<int:swap_id>/decision", methods=["POST"])
@require("requests.approve")
@_write
def swap_decide(swap_id: int) -> Any:
    item = queries.get_by_id(db.session, SwapRequest, swap_id)
    if item is None:
        abort(404)
    try:
        swaps.decide_swap(db.session, item, _user(), _decision(_json()), utcnow())
    except swaps.SwapRefused as err:
        db.session.rollback()
        return jsonify({"error": {"status": 422, "message": _("This swap would break a roster rule."), "field": "swap",
                                  "violations": [{"rule": v.rule, "agent_id": v.agent_id, "detail": rule_sentence(v)}
                                                 for v in err.violations]}}), 422
    db.session.commit()
    return jsonify(_swap_json(item))


@bp.route("/requests/swaps/<int:swap_id>/answer", methods=["POST"])
@require("requests.create")
@_write
def swap_answer(swap_id: int) -> Any:
    item = queries.get_by_id(db.session, SwapRequest, swap_id)
    if item is None:
        abort(404)
    answer = _json().get("answer")
    if answer not in ("accept", "decline", "cancel"):
        raise ValidationError("accept, decline or cancel", field="answer")
    if answer == "cancel":
        swaps.cancel_swap(db.session, item, _me())
    else:
        swaps.answer_swap(db.session, item, _me(), accept=answer == "accept", now=utcnow())
    db.session.commit()
    return jsonify(_swap_json(item))


# -- exports and imports ---------------------------------------------------------------

def export_headers() -> list[str]:
    """The export's column headers in the reader's language."""
    labels = {"employee_no": _("Employee number"), "agent": _("Agent"), "team": _("Team"), "date": _("Date"),
              "shift": _("Shift"), "start": _("Start"), "end": _("End"), "activities": _("Breaks and activities")}
    return [labels[c] for c in exchange.EXPORT_COLUMNS]


@bp.route("/rosters/<int:roster_id>/export")
@require("roster.view")
def roster_export(roster_id: int) -> Any:
    fmt = str_arg("format", "csv", 4)
    number = int_arg("version", 0, 0, 10**6) or None
    version, rows = exchange.roster_export_rows(db.session, roster_id, number)
    name = f"roster-{roster_id}-v{version.number}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("Roster"))
        ws.append(export_headers())
        for r in rows:
            ws.append(list(r))
        buf = io.BytesIO()
        wb.save(buf)
        resp = Response(buf.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp.headers["Content-Disposition"] = f"attachment; filename={name}.xlsx"
        return resp
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(export_headers())
    writer.writerows(rows)
    resp = Response("\ufeff" + out.getvalue(), mimetype="text/csv")  # BOM: Excel reads UTF-8 Chinese names
    resp.headers["Content-Disposition"] = f"attachment; filename={name}.csv"
    return resp


@bp.route("/agents/import", methods=["POST"])
@require("agents.import")
@_write
def agents_import() -> Any:
    """Upload ``file`` (CSV or XLSX, multipart); ``?dry_run=1`` checks without saving."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("upload a .csv or .xlsx file", field="file")
    if not g.get("site"):
        raise ValidationError("create a site first", field="site")
    rows = exchange.read_table(upload.filename or "", upload.read())
    result = exchange.import_agents(db.session, rows, site_id=g.site.id, dry_run=request.args.get("dry_run") == "1")
    if not result.ok:
        db.session.rollback()
        return jsonify({"error": {"status": 400, "message": _("The file has errors; nothing was imported."),
                                  "field": "file",
                                  "rows": [{"row": e.row, "column": e.column, "message": localized_message(e.message)}
                                           for e in result.errors]}}), 400
    if request.args.get("dry_run") == "1":
        db.session.rollback()
    else:
        db.session.commit()
    return jsonify({"created": result.created, "dry_run": request.args.get("dry_run") == "1"})
