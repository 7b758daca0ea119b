"""The supervisor area: duty board and handover log, team view, request approvals.

A supervisor sees and decides for their own team only; the domain services enforce it
(``scheduler.selfservice.scope``), the views only choose what to show.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from scheduler import dutyboard, overview
from scheduler.db import utcnow
from scheduler.errors import DomainError
from scheduler.models import HandoverNote, SwapRequest, Team, TimeOff
from scheduler.selfservice import queries, swaps, timeoff
from scheduler.selfservice.scope import supervised_team_id
from webapp.extensions import db
from webapp.i18n import localized_message, week_days
from webapp.params import date_arg, int_arg
from webapp.security import require, user_can
from webapp.site import site_today

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.context_processor
def _labels() -> dict[str, Any]:
    from webapp.agent.forms import TIME_OFF_KINDS
    from webapp.agent.rules import ACTIVITY_LABELS

    return {"ACTIVITY_LABELS": ACTIVITY_LABELS, "kinds": TIME_OFF_KINDS}


class HandoverForm(FlaskForm):
    what_happened = TextAreaField(_l("What happened"), validators=[
        DataRequired(message=_l("Say what happened during the shift.")), Length(max=5000)])
    open_issues = TextAreaField(_l("Open issues"), validators=[Optional(), Length(max=5000)])
    escalations = TextAreaField(_l("Escalations"), validators=[Optional(), Length(max=5000)])


def _flash_error(err: DomainError) -> None:
    db.session.rollback()
    violations = getattr(err, "violations", ())
    if violations:
        from webapp.agent.rules import describe_violation

        flash(_("This swap would break a roster rule: %(rules)s",
                rules="; ".join(describe_violation(v) for v in violations[:5])), "error")
    else:
        flash(localized_message(err.message), "error")


@bp.route("/")
@require("home.supervisor")
def home() -> Any:
    team_id = supervised_team_id(db.session, current_user)
    pending = (len(queries.pending_time_off(db.session, team_id)) + len(queries.pending_swaps(db.session, team_id))
               if team_id is not None else 0)
    open_handovers = sum(1 for n in dutyboard.handover_log(db.session, g.site.id, limit=0)) if g.get("site") else 0
    return render_template("supervisor/home.html", stats=overview.counts(db.session), pending=pending,
                           open_handovers=open_handovers, team=db.session.get(Team, team_id) if team_id else None)


# -- duty board and handover -----------------------------------------------------------

@bp.route("/board")
@require("dutyboard.view")
def board() -> Any:
    board = dutyboard.duty_board(db.session, utcnow())
    log = dutyboard.handover_log(db.session, g.site.id) if g.get("site") else []
    return render_template("supervisor/board.html", board=board, log=log, form=HandoverForm(),
                           can_write=user_can(current_user, "handover.write"))


@bp.route("/handover", methods=["POST"])
@require("handover.write")
def handover_create() -> Any:
    form = HandoverForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for e in errors:
                flash(_("%(field)s: %(message)s", field=getattr(form, name).label.text if hasattr(form, name) else name,
                        message=e), "error")
        return redirect(url_for("supervisor.board"), 303)
    if not g.get("site"):
        abort(404)
    try:
        dutyboard.write_handover(db.session, g.site.id, current_user, dutyboard.HandoverInput(
            form.what_happened.data or "", form.open_issues.data or "", form.escalations.data or ""))
        db.session.commit()
        flash(_("The handover was saved for the next shift."), "success")
    except DomainError as err:
        _flash_error(err)
    return redirect(url_for("supervisor.board"), 303)


@bp.route("/handover/<int:note_id>/acknowledge", methods=["POST"])
@require("handover.write")
def handover_acknowledge(note_id: int) -> Any:
    note = queries.get_by_id(db.session, HandoverNote, note_id)
    if note is None:
        abort(404)
    try:
        dutyboard.acknowledge_handover(db.session, note, current_user, utcnow())
        db.session.commit()
        flash(_("Handover acknowledged."), "success")
    except DomainError as err:
        _flash_error(err)
    return redirect(url_for("supervisor.board"), 303)


# -- team ------------------------------------------------------------------------------

def _visible_team_id() -> int | None:
    """A supervisor's own team; planners (who see every team) choose with ``?team=``."""
    own = supervised_team_id(db.session, current_user)
    if own is not None:
        return own
    if user_can(current_user, "roster.view") and not current_user.has_role("supervisor"):
        chosen = int_arg("team", 0, 0, 2**31 - 1)
        if chosen and db.session.get(Team, chosen) is not None:
            return chosen
        first = db.session.scalar(db.select(Team.id).order_by(Team.name).limit(1))
        return first
    return None


@bp.route("/team")
@require("team.view")
def team() -> Any:
    team_id = _visible_team_id()
    today = site_today()
    days = week_days(g.site, date_arg("day", today))
    members = queries.team_members(db.session, team_id) if team_id else []
    shifts = queries.published_shifts_on_days(db.session, [m.id for m in members], days[0], days[-1])
    grid = {(s.agent_id, s.day): s for s in shifts}
    teams = db.session.scalars(db.select(Team).order_by(Team.name)).all() if supervised_team_id(
        db.session, current_user) is None else []
    return render_template("supervisor/team.html", team=db.session.get(Team, team_id) if team_id else None,
                           teams=teams, members=members, days=days, grid=grid, today=today,
                           prev_day=days[0] - timedelta(days=7), next_day=days[0] + timedelta(days=7))


# -- approvals -------------------------------------------------------------------------

@bp.route("/approvals")
@require("requests.approve")
def approvals() -> Any:
    team_id = supervised_team_id(db.session, current_user)
    if team_id is None:
        return render_template("supervisor/approvals.html", team=None, time_off=[], swaps=[])
    return render_template("supervisor/approvals.html", team=db.session.get(Team, team_id),
                           time_off=queries.pending_time_off(db.session, team_id),
                           swaps=queries.pending_swaps(db.session, team_id))


def _decision() -> bool | None:
    value = request.form.get("decision", "")
    return {"approve": True, "reject": False}.get(value)


@bp.route("/timeoff/<int:item_id>/decide", methods=["POST"])
@require("requests.approve")
def timeoff_decide(item_id: int) -> Any:
    item, decision = queries.get_by_id(db.session, TimeOff, item_id), _decision()
    if item is None:
        abort(404)
    if decision is None:
        flash(_("Choose approve or reject."), "error")
        return redirect(url_for("supervisor.approvals"), 303)
    try:
        timeoff.decide_time_off(db.session, item, current_user, decision, utcnow())
        db.session.commit()
        flash(_("Time off approved.") if decision else _("Time off rejected."), "success")
    except DomainError as err:
        _flash_error(err)
    return redirect(url_for("supervisor.approvals"), 303)


@bp.route("/swaps/<int:swap_id>/decide", methods=["POST"])
@require("requests.approve")
def swap_decide(swap_id: int) -> Any:
    swap, decision = queries.get_by_id(db.session, SwapRequest, swap_id), _decision()
    if swap is None:
        abort(404)
    if decision is None:
        flash(_("Choose approve or reject."), "error")
        return redirect(url_for("supervisor.approvals"), 303)
    try:
        version = swaps.decide_swap(db.session, swap, current_user, decision, utcnow())
        db.session.commit()
        if version is not None:
            flash(_("Swap approved: roster version %(number)s is published.", number=version.number), "success")
        else:
            flash(_("Swap rejected."), "success")
    except DomainError as err:
        _flash_error(err)
    return redirect(url_for("supervisor.approvals"), 303)
