"""The agent area ("me"): my shifts (week and month), the private calendar feed, my
requests (time off, swaps), my shift preferences, my API token.

Views are thin: reads come from ``scheduler.selfservice.queries``, writes from the
self-service operations, which also enforce every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import flask_babel
import sqlalchemy as sa
from babel import dates as babel_dates
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from scheduler import accounts
from scheduler.db import utcnow
from scheduler.errors import DomainError
from scheduler.models import OFF, Agent, ShiftPreference, ShiftTemplate, SwapRequest, TimeOff, User
from scheduler.selfservice import ical, preferences, queries, swaps, timeoff
from webapp.agent.forms import PREFERENCE_KINDS, TIME_OFF_KINDS, PreferenceForm, SwapForm, TimeOffForm, choices
from webapp.extensions import db
from webapp.i18n import first_weekday, in_locale, localized_message, month_weeks, week_days, weekday_name
from webapp.params import date_arg, str_arg
from webapp.security import ANY_ROLE, public, require
from webapp.site import site_today, site_tz

bp = Blueprint("agent", __name__, url_prefix="/me")


@bp.context_processor
def _labels() -> dict[str, Any]:
    from webapp.agent.rules import ACTIVITY_LABELS

    return {"ACTIVITY_LABELS": ACTIVITY_LABELS, "format_time": _time_formatter()}


def _time_formatter() -> Callable[..., str]:
    """Flask-Babel's ``format_time`` with the same output, for the calendar pages (a
    week shows ~40 times: shifts, breaks, sessions).  Flask-Babel resolves the locale,
    the zone and the pattern on every call (~0.3 ms each); here they are resolved once
    per page.  Anything but an aware datetime goes to Flask-Babel unchanged."""
    locale, tz = get_locale(), get_timezone()
    patterns: dict[str | None, Any] = {}

    def format_time(value: Any = None, format: str | None = None, rebase: bool = True) -> str:
        if not isinstance(value, datetime) or value.tzinfo is None or not rebase:
            return flask_babel.format_time(value, format, rebase)
        pattern = patterns.get(format)
        if pattern is None:
            resolved = flask_babel._get_format("time", format)  # the app's named formats, as Flask-Babel does
            if resolved in ("full", "long", "medium", "short"):
                resolved = babel_dates.get_time_format(resolved, locale=locale)
            pattern = patterns[format] = babel_dates.parse_pattern(resolved)
        local = value.astimezone(tz)
        if hasattr(tz, "normalize"):  # pytz zones, as Babel does
            local = tz.normalize(local)
        return pattern.apply(local.timetz(), locale, reference_date=value.date())

    return format_time

#: The feed covers this window around today (calendar clients re-fetch it hourly).
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 120


def _me() -> Agent | None:
    return queries.agent_for_user(db.session, current_user.id)


def _my_agent_id() -> int | None:
    """The agent id alone, for the calendar pages (loading the agent also loads its
    skills: two queries the busiest page does not need)."""
    return db.session.scalar(sa.select(Agent.id).where(Agent.user_id == current_user.id))


def _no_profile() -> Any:
    return render_template("agent/no_profile.html")


def _flash_error(err: DomainError) -> None:
    db.session.rollback()
    message = localized_message(err.message)
    violations = getattr(err, "violations", ())
    if violations:
        from webapp.agent.rules import describe_violation

        ids = {int(v.agent_id) for v in violations if v.agent_id and v.agent_id.isdigit()}
        names = {str(aid): name for aid, name in db.session.execute(
            sa.select(Agent.id, User.display_name).join(User, Agent.user_id == User.id).where(Agent.id.in_(ids)))}
        message = _("This swap would break a roster rule: %(rules)s",
                    rules="; ".join(describe_violation(v, names) for v in violations[:5]))
    flash(message, "error")


# -- my shifts -------------------------------------------------------------------------

@bp.route("/")
@require("home.agent")
def home() -> Any:
    """This week (the site's week), with breaks and training inside each shift."""
    me_id = _my_agent_id()
    if me_id is None:
        return _no_profile()
    today = site_today()
    day = date_arg("day", today)
    days = week_days(g.site, day)
    cal = queries.agent_calendar(db.session, me_id, days[0], days[-1])
    return render_template("agent/week.html", cal=cal, days=days, today=today,
                           prev_day=days[0] - timedelta(days=7), next_day=days[0] + timedelta(days=7),
                           open_swaps=queries.open_swap_count(db.session, me_id))


@bp.route("/month")
@require("shifts.view_own")
def month() -> Any:
    me_id = _my_agent_id()
    if me_id is None:
        return _no_profile()
    today = site_today()
    raw = str_arg("month", "", 7)
    try:
        first = date.fromisoformat(raw + "-01") if raw else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    weeks = month_weeks(g.site, first.year, first.month)
    cal = queries.agent_calendar(db.session, me_id, weeks[0][0], weeks[-1][-1])
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render_template("agent/month.html", cal=cal, weeks=weeks, first=first, today=today,
                           prev_month=prev_month, next_month=next_month)


# -- calendar feed ---------------------------------------------------------------------

@bp.route("/calendar")
@require("shifts.view_own")
def calendar_settings() -> Any:
    token = current_user.calendar_token
    url = url_for("agent.calendar_feed", token=token, _external=True) if token else None
    return render_template("agent/calendar.html", feed_url=url)


@bp.route("/calendar/regenerate", methods=["POST"])
@require("shifts.view_own")
def calendar_regenerate() -> Any:
    accounts.regenerate_calendar_token(current_user)
    db.session.commit()
    flash(_("A new calendar address was created. The old one no longer works."), "success")
    return redirect(url_for("agent.calendar_settings"), 303)


@bp.route("/calendar/revoke", methods=["POST"])
@require("shifts.view_own")
def calendar_revoke() -> Any:
    current_user.calendar_token = None
    db.session.commit()
    flash(_("The calendar address was switched off."), "success")
    return redirect(url_for("agent.calendar_settings"), 303)


@bp.route("/calendar/<token>.ics")
@public
def calendar_feed(token: str) -> Any:
    """Public (calendar servers have no session) but only for the holder of the secret."""
    user = queries.user_for_calendar_token(db.session, token)
    agent = queries.agent_for_user(db.session, user.id) if user else None
    if user is None or agent is None:
        abort(404)
    today = site_today()
    shifts = queries.published_shifts_on_days(db.session, [agent.id], today - timedelta(days=FEED_PAST_DAYS),
                                              today + timedelta(days=FEED_FUTURE_DAYS))
    with in_locale(user.locale or (g.site.default_locale if g.get("site") else None)):
        text = ical.FeedText(
            calendar_name=_("My shifts"), shift=_("Shift %(code)s (%(name)s)"),
            break_line=_("%(kind)s %(start)s–%(end)s"), session=_("%(label)s"),
            kinds=tuple(_activity_labels().items()),
        )
    body = ical.build_feed(shifts, agent_id=agent.id, tz=site_tz(), now=utcnow(), text=text, domain=request.host.split(":")[0])
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = "inline; filename=shifts.ics"
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


def _activity_labels() -> dict[str, str]:
    from webapp.agent.rules import ACTIVITY_LABELS

    return {k: str(v) for k, v in ACTIVITY_LABELS.items()}


# -- requests --------------------------------------------------------------------------

def _swap_form(me: Agent) -> SwapForm:
    form = SwapForm()
    mates = db.session.execute(
        sa.select(Agent.id, User.display_name).join(User, Agent.user_id == User.id)
        .where(Agent.team_id == me.team_id, Agent.id != me.id, Agent.active).order_by(User.display_name)
    ).all()
    form.colleague_id.choices = choices(mates)
    return form


@bp.route("/requests")
@require("requests.create")
def requests_page() -> Any:
    me = _me()
    if me is None:
        return _no_profile()
    return render_template("agent/requests.html", me=me, timeoff_form=TimeOffForm(), kinds=TIME_OFF_KINDS, swap_form=_swap_form(me),
                           time_off=queries.time_off_of(db.session, me.id), swaps=queries.swaps_of(db.session, me.id))


def _redirect_requests() -> Any:
    return redirect(url_for("agent.requests_page"), 303)


def _form_errors(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for e in errors:
            flash(_("%(field)s: %(message)s", field=label, message=e), "error")


@bp.route("/requests/timeoff", methods=["POST"])
@require("requests.create")
def timeoff_create() -> Any:
    me = _me()
    if me is None:
        return _no_profile()
    form = TimeOffForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _redirect_requests()
    try:
        timeoff.request_time_off(db.session, me, timeoff.TimeOffRequest(
            form.start_date.data, form.end_date.data, form.kind.data, form.reason.data or ""), today=site_today())
        db.session.commit()
        flash(_("Your time-off request was sent to your supervisors."), "success")
    except DomainError as err:
        _flash_error(err)
    return _redirect_requests()


@bp.route("/requests/timeoff/<int:item_id>/cancel", methods=["POST"])
@require("requests.create")
def timeoff_cancel(item_id: int) -> Any:
    me, item = _me(), queries.get_by_id(db.session, TimeOff, item_id)
    if me is None or item is None:
        abort(404)
    try:
        timeoff.cancel_time_off(db.session, item, me)
        db.session.commit()
        flash(_("The request was cancelled."), "success")
    except DomainError as err:
        _flash_error(err)
    return _redirect_requests()


@bp.route("/requests/swaps", methods=["POST"])
@require("requests.create")
def swap_create() -> Any:
    me = _me()
    if me is None:
        return _no_profile()
    form = _swap_form(me)
    if not form.validate_on_submit():
        _form_errors(form)
        return _redirect_requests()
    try:
        swaps.offer_swap(db.session, me, swaps.SwapProposal(
            colleague_id=form.colleague_id.data, requester_day=form.requester_day.data,
            colleague_day=form.colleague_day.data, note=form.note.data or ""), today=site_today())
        db.session.commit()
        flash(_("The swap passed the roster rules and was offered to your colleague."), "success")
    except DomainError as err:
        _flash_error(err)
    return _redirect_requests()


@bp.route("/requests/swaps/<int:swap_id>/answer", methods=["POST"])
@require("requests.create")
def swap_answer(swap_id: int) -> Any:
    """``action`` = accept / decline (the colleague) or cancel (the requester)."""
    me, swap = _me(), queries.get_by_id(db.session, SwapRequest, swap_id)
    if me is None or swap is None:
        abort(404)
    action = request.form.get("action", "")
    if action not in ("accept", "decline", "cancel"):
        flash(_("Choose accept, decline or cancel."), "error")
        return _redirect_requests()
    try:
        if action == "cancel":
            swaps.cancel_swap(db.session, swap, me)
            flash(_("The swap was cancelled."), "success")
        else:
            swaps.answer_swap(db.session, swap, me, accept=action == "accept", now=utcnow())
            flash(_("You accepted the swap; a supervisor will decide.") if action == "accept"
                  else _("You declined the swap."), "success")
        db.session.commit()
    except DomainError as err:
        _flash_error(err)
    return _redirect_requests()


# -- preferences -----------------------------------------------------------------------

def _preference_form() -> PreferenceForm:
    form = PreferenceForm()
    codes = db.session.execute(sa.select(ShiftTemplate.code, ShiftTemplate.name).where(ShiftTemplate.active)
                               .order_by(ShiftTemplate.start, ShiftTemplate.code)).all()
    form.shift_code.choices = choices(_shift_labels(codes))
    first = first_weekday(g.site)
    form.weekday.choices = choices([(-1, "—")] + [((first + i) % 7, weekday_name((first + i) % 7)) for i in range(7)])
    return form


def _shift_labels(codes: list | None = None) -> dict[str, str]:
    if codes is None:
        codes = db.session.execute(sa.select(ShiftTemplate.code, ShiftTemplate.name).where(ShiftTemplate.active)
                                   .order_by(ShiftTemplate.start, ShiftTemplate.code)).all()
    return {OFF: _("Day off"), **{c: f"{c} · {n}" for c, n in codes}}


@bp.route("/preferences")
@require("requests.create")
def preferences_page() -> Any:
    me = _me()
    if me is None:
        return _no_profile()
    return render_template("agent/preferences.html", form=_preference_form(), kinds=PREFERENCE_KINDS,
                           shift_labels=_shift_labels(),
                           items=preferences.preferences_of(db.session, me.id))


@bp.route("/preferences", methods=["POST"])
@require("requests.create")
def preference_create() -> Any:
    me = _me()
    if me is None:
        return _no_profile()
    form = _preference_form()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("agent.preferences_page"), 303)
    weekday = form.weekday.data if form.weekday.data is not None and form.weekday.data >= 0 else None
    try:
        preferences.add_preference(db.session, me, preferences.PreferenceInput(
            shift_code=form.shift_code.data, kind=form.kind.data, weight=form.weight.data, day=form.day.data,
            weekday=weekday, valid_from=site_today() if weekday is not None else None,
            valid_until=form.valid_until.data, note=form.note.data or ""), today=site_today())
        db.session.commit()
        flash(_("Your preference was saved; the next roster takes it into account."), "success")
    except DomainError as err:
        _flash_error(err)
    return redirect(url_for("agent.preferences_page"), 303)


@bp.route("/preferences/<int:pref_id>/delete", methods=["POST"])
@require("requests.create")
def preference_delete(pref_id: int) -> Any:
    me, pref = _me(), queries.get_by_id(db.session, ShiftPreference, pref_id)
    if me is None or pref is None:
        abort(404)
    try:
        preferences.delete_preference(db.session, pref, me)
        db.session.commit()
        flash(_("The preference was deleted."), "success")
    except DomainError as err:
        _flash_error(err)
    return redirect(url_for("agent.preferences_page"), 303)


# -- API token -------------------------------------------------------------------------

@bp.route("/api-token")
@require(*ANY_ROLE, any_of=True)
def api_token() -> Any:
    return render_template("agent/api_token.html", has_token=current_user.api_token_hash is not None, new_token=None)


@bp.route("/api-token", methods=["POST"])
@require(*ANY_ROLE, any_of=True)
def api_token_issue() -> Any:
    if request.form.get("action") == "revoke":
        current_user.api_token_hash = None
        db.session.commit()
        flash(_("Your API token was revoked."), "success")
        return redirect(url_for("agent.api_token"), 303)
    token = accounts.issue_api_token(current_user)
    db.session.commit()
    # shown once; only its hash is stored
    return render_template("agent/api_token.html", has_token=True, new_token=token)


from webapp.agent import training_views  # noqa: E402,F401  (registers the training pages on this blueprint)
