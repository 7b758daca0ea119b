"""The trainer area: courses and question banks, plans and assignments, sessions and
their placement, the grading queue.  Views are thin: they call training services."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from optimizer.timeutil import parse_hhmm, to_local, to_utc
from scheduler.db import utcnow
from scheduler.errors import DomainError, ValidationError
from training.models import Attempt, Course, PlanItem, Question, TrainingPlan, TrainingSession
from training.operations import assessments as assessment_ops
from training.operations import courses as course_ops
from training.operations import plans as plan_ops
from training.operations import sessions as session_ops
from training.queries import assessments as assessment_q
from training.queries import people
from training.queries.results import grading_queue
from webapp.extensions import db
from webapp.params import date_arg, int_arg, str_arg
from webapp.security import require
from webapp.trainer import forms as F
from webapp.site import site_today, site_tz

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


def _course_choices() -> list[tuple[int, str]]:
    return [(c.id, f"{c.code} · {c.title}") for c in db.session.scalars(sa.select(Course).where(Course.active).order_by(Course.code))]


@bp.route("/")
@require("home.trainer")
def home() -> Any:
    now = utcnow()
    courses = db.session.scalars(sa.select(Course).order_by(Course.code)).all()
    sessions = db.session.scalars(sa.select(TrainingSession).where(TrainingSession.end_at >= now)
                                  .order_by(TrainingSession.start_at).limit(20)).all()
    plans = db.session.scalars(sa.select(TrainingPlan).order_by(TrainingPlan.name)).all()
    return render_template("trainer/home.html", courses=courses, sessions=sessions, plans=plans,
                           queue_size=len(grading_queue(db.session)), labels=F)


# ----------------------------------------------------------------------------- courses


def _course_data(form: F.CourseForm) -> course_ops.CourseData:
    return course_ops.CourseData(
        code=form.code.data or "", title=form.title.data or "", description=form.description.data or "",
        category=form.category.data, course_type=form.course_type.data, delivery=form.delivery.data,
        duration_minutes=form.duration_minutes.data, mandatory=bool(form.mandatory.data),
        validity_months=form.validity_months.data, questions_per_attempt=form.questions_per_attempt.data,
        time_limit_minutes=form.time_limit_minutes.data, pass_mark=form.pass_mark.data / 100.0,
        max_attempts=form.max_attempts.data, prerequisite_ids=tuple(form.prerequisites.data or ()),
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@require("training.manage")
def course_new() -> Any:
    form = F.CourseForm()
    form.prerequisites.choices = F.choices(_course_choices())
    if form.validate_on_submit():
        course = course_ops.create_course(db.session, _course_data(form), current_user.id)
        db.session.commit()
        flash(_("Course %(code)s created. Add its questions next.", code=course.code), "success")
        return redirect(url_for("trainer.course", course_id=course.id))
    return render_template("trainer/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@require("training.manage")
def course_edit(course_id: int) -> Any:
    course = db.get_or_404(Course, course_id)
    form = F.CourseForm(obj=course) if request.method == "GET" else F.CourseForm()
    form.prerequisites.choices = F.choices([c for c in _course_choices() if c[0] != course.id])
    if request.method == "GET":
        form.pass_mark.data = round(course.pass_mark * 100)
        form.prerequisites.data = [p.id for p in course.prerequisites]
    if form.validate_on_submit():
        course_ops.update_course(db.session, course.id, _course_data(form))
        db.session.commit()
        flash(_("Course saved."), "success")
        return redirect(url_for("trainer.course", course_id=course.id))
    return render_template("trainer/course_form.html", form=form, course=course)


@bp.route("/courses/<int:course_id>")
@require("training.manage")
def course(course_id: int) -> Any:
    course = db.get_or_404(Course, course_id)
    qform = F.QuestionForm()
    aform = F.AssignForm()
    aform.team.choices = F.choices(people.team_choices(db.session))
    aform.queue.choices = F.choices(people.queue_choices(db.session))
    return render_template("trainer/course.html", course=course, qform=qform, aform=aform, labels=F,
                           choice_slots=range(1, F.CHOICE_SLOTS + 1))


@bp.route("/courses/<int:course_id>/questions", methods=["POST"])
@require("training.manage")
def question_add(course_id: int) -> Any:
    course = db.get_or_404(Course, course_id)
    form = F.QuestionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.course", course_id=course.id))
    choices = tuple((getattr(form, f"choice_{i}").data or "", bool(getattr(form, f"correct_{i}").data))
                    for i in range(1, F.CHOICE_SLOTS + 1))
    course_ops.add_question(db.session, course.id, course_ops.QuestionData(
        kind=form.kind.data, text=form.text.data or "", points=float(form.points.data or Decimal(1)),
        explanation=form.explanation.data or "", choices=choices, true_is_correct=form.true_is_correct.data == "true"))
    db.session.commit()
    flash(_("Question added."), "success")
    return redirect(url_for("trainer.course", course_id=course.id) + "#questions")


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
@require("training.manage")
def question_retire(question_id: int) -> Any:
    q = db.get_or_404(Question, question_id)
    if not F.CancelForm().validate_on_submit():
        abort(400)
    course_ops.retire_question(db.session, q.id)
    db.session.commit()
    flash(_("Question retired; past attempts keep it."), "success")
    return redirect(url_for("trainer.course", course_id=q.course_id) + "#questions")


def _audience(form: F.AssignForm) -> plan_ops.AudienceSpec:
    agent_ids: tuple[int, ...] = ()
    if form.audience.data == "individual":
        agent_ids = tuple(people.agent_ids_from_employee_numbers(db.session, form.employees.data or ""))
    return plan_ops.AudienceSpec(kind=form.audience.data, team_id=form.team.data, queue_id=form.queue.data,
                                 hired_from=form.hired_from.data, hired_to=form.hired_to.data, agent_ids=agent_ids)


def _assign_form() -> F.AssignForm:
    form = F.AssignForm()
    form.team.choices = F.choices(people.team_choices(db.session))
    form.queue.choices = F.choices(people.queue_choices(db.session))
    return form


@bp.route("/courses/<int:course_id>/assign", methods=["POST"])
@require("training.manage")
def course_assign(course_id: int) -> Any:
    course = db.get_or_404(Course, course_id)
    form = _assign_form()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.course", course_id=course.id))
    out = plan_ops.assign_course(db.session, course.id, _audience(form), form.start_date.data, current_user.id,
                                 today=site_today())
    db.session.commit()
    flash(_("%(created)s assignment(s) created for %(agents)s agent(s); %(skipped)s already open.",
            created=out.created, agents=out.agents, skipped=out.skipped), "success")
    return redirect(url_for("trainer.course", course_id=course.id))


# ----------------------------------------------------------------------------- plans


@bp.route("/plans", methods=["GET", "POST"])
@require("training.manage")
def plans() -> Any:
    form = F.PlanForm()
    if form.validate_on_submit():
        plan = plan_ops.create_plan(db.session, form.name.data or "", form.description.data or "", form.audience.data,
                                    current_user.id)
        db.session.commit()
        flash(_("Plan created. Add its courses."), "success")
        return redirect(url_for("trainer.plan", plan_id=plan.id))
    all_plans = db.session.scalars(sa.select(TrainingPlan).order_by(TrainingPlan.name)).all()
    return render_template("trainer/plans.html", plans=all_plans, form=form, labels=F)


@bp.route("/plans/<int:plan_id>")
@require("training.manage")
def plan(plan_id: int) -> Any:
    plan = db.get_or_404(TrainingPlan, plan_id)
    item_form = F.PlanItemForm()
    item_form.course.choices = F.choices(_course_choices())
    return render_template("trainer/plan.html", plan=plan, item_form=item_form, aform=_assign_form(), labels=F,
                           cancel_form=F.CancelForm())


@bp.route("/plans/<int:plan_id>/items", methods=["POST"])
@require("training.manage")
def plan_item_add(plan_id: int) -> Any:
    plan = db.get_or_404(TrainingPlan, plan_id)
    form = F.PlanItemForm()
    form.course.choices = F.choices(_course_choices())
    if form.validate_on_submit():
        plan_ops.add_plan_item(db.session, plan.id, form.course.data, form.offset_days.data, form.target_date.data)
        db.session.commit()
        flash(_("Course added to the plan."), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("trainer.plan", plan_id=plan.id))


@bp.route("/plan-items/<int:item_id>/delete", methods=["POST"])
@require("training.manage")
def plan_item_delete(item_id: int) -> Any:
    item = db.get_or_404(PlanItem, item_id)
    if not F.CancelForm().validate_on_submit():
        abort(400)
    plan_id = item.plan_id
    plan_ops.remove_plan_item(db.session, item.id)
    db.session.commit()
    return redirect(url_for("trainer.plan", plan_id=plan_id))


@bp.route("/plans/<int:plan_id>/assign", methods=["POST"])
@require("training.manage")
def plan_assign(plan_id: int) -> Any:
    plan = db.get_or_404(TrainingPlan, plan_id)
    form = _assign_form()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.plan", plan_id=plan.id))
    out = plan_ops.assign_plan(db.session, plan.id, _audience(form), form.start_date.data, current_user.id)
    db.session.commit()
    flash(_("%(created)s assignment(s) created for %(agents)s agent(s); %(skipped)s already open.",
            created=out.created, agents=out.agents, skipped=out.skipped), "success")
    return redirect(url_for("trainer.plan", plan_id=plan.id))


# ----------------------------------------------------------------------------- sessions


@bp.route("/sessions", methods=["GET", "POST"])
@require("training.manage")
def sessions() -> Any:
    form = F.SessionForm()
    form.course.choices = F.choices(_course_choices())
    if form.validate_on_submit():
        try:
            start_local = datetime.combine(form.day.data, parse_hhmm(form.start_time.data or ""))
        except ValueError:
            raise ValidationError(_("expected HH:MM"), field="start_time") from None
        course = db.get_or_404(Course, form.course.data)
        start = to_utc(start_local, site_tz())
        ts = session_ops.create_session(db.session, session_ops.SessionData(
            course_id=course.id, start_at=start, end_at=start + timedelta(minutes=course.duration_minutes),
            capacity=form.capacity.data, delivery=form.delivery.data, location=form.location.data or "",
            trainer_id=current_user.id))
        db.session.commit()
        flash(_("Session scheduled. Enrol agents."), "success")
        return redirect(url_for("trainer.session_detail", session_id=ts.id))
    elif request.method == "POST":
        _flash_errors(form)
    rows = db.session.scalars(sa.select(TrainingSession).order_by(TrainingSession.start_at.desc()).limit(200)).all()
    return render_template("trainer/sessions.html", sessions=rows, form=form)


@bp.route("/sessions/<int:session_id>")
@require("training.manage")
def session_detail(session_id: int) -> Any:
    ts = db.get_or_404(TrainingSession, session_id)
    from training.queries.evaluation import survey_summary
    from training.queries.scope import Scope

    return render_template("trainer/session.html", ts=ts, enrol_form=F.EnrolForm(), cancel_form=F.CancelForm(),
                           survey=survey_summary(db.session, Scope(), ts.course_id))


@bp.route("/sessions/<int:session_id>/enrol", methods=["POST"])
@require("training.manage")
def session_enrol(session_id: int) -> Any:
    ts = db.get_or_404(TrainingSession, session_id)
    form = F.EnrolForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.session_detail", session_id=ts.id))
    ids = people.agent_ids_from_employee_numbers(db.session, form.employees.data or "")
    out = session_ops.enrol(db.session, ts.id, ids)
    db.session.commit()
    flash(_("%(n)s agent(s) enrolled.", n=len(out.enrolled)), "success")
    if out.without_shift:
        flash(_("%(n)s agent(s) have no published shift holding the session; tell the planner.", n=len(out.without_shift)), "warning")
    return redirect(url_for("trainer.session_detail", session_id=ts.id))


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@require("training.manage")
def session_cancel(session_id: int) -> Any:
    ts = db.get_or_404(TrainingSession, session_id)
    form = F.CancelForm()
    if not form.validate_on_submit():
        abort(400)
    session_ops.cancel_session(db.session, ts.id, form.reason.data or "")
    db.session.commit()
    flash(_("Session cancelled; the agents' shifts are freed."), "success")
    return redirect(url_for("trainer.session_detail", session_id=ts.id))


# ----------------------------------------------------------------------------- placement


@bp.route("/placement")
@require("training.manage")
def placement() -> Any:
    from training import placement as placement_svc

    today = site_today()
    course_id = int_arg("course", 0, 0, 2**31 - 1)
    team_id = int_arg("team", 0, 0, 2**31 - 1)
    employees = str_arg("employees", "", 2000)
    start = date_arg("start", today)
    days = int_arg("days", 7, 1, placement_svc.MAX_DAYS)
    capacity = int_arg("capacity", 12, 1, 200)
    outcome = None
    error = None
    if course_id and (team_id or employees):
        try:
            ids = people.team_agent_ids(db.session, team_id) if team_id else []
            if employees:
                ids += people.agent_ids_from_employee_numbers(db.session, employees)
            outcome = placement_svc.propose(db.session, placement_svc.PlacementRequest(
                course_id=course_id, agent_ids=tuple(dict.fromkeys(ids)), start_day=start, days=days, capacity=capacity))
        except DomainError as err:  # shown beside the form rather than as a redirect
            error = err.message
    return render_template("trainer/placement.html", courses=_course_choices(), teams=people.team_choices(db.session),
                           course_id=course_id, team_id=team_id, employees=employees, start=start, days=days,
                           capacity=capacity, outcome=outcome, error=error, accept_form=F.AcceptSlotForm(),
                           tz=site_tz(), to_local=to_local)


@bp.route("/placement/accept", methods=["POST"])
@require("training.manage")
def placement_accept() -> Any:
    from training import placement as placement_svc

    form = F.AcceptSlotForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.placement"))
    try:
        course_id = int(form.course_id.data)
        capacity = int(form.capacity.data)
        start = datetime.fromisoformat(form.start.data)
        agent_ids = tuple(int(x) for x in (form.agent_ids.data or "").split(",") if x.strip())
    except (TypeError, ValueError):
        raise ValidationError(_("the proposal was garbled; propose again"), field="start") from None
    ids_ok = all(0 < i < 2**31 for i in agent_ids) and 0 < course_id < 2**31
    if start.tzinfo is None or not agent_ids or not ids_ok or len(agent_ids) > 200 or not 1 <= capacity <= 200:
        raise ValidationError(_("the proposal was garbled; propose again"), field="start")
    course = db.get_or_404(Course, course_id)
    impact = placement_svc.evaluate(db.session, course, start, agent_ids, site_tz())
    ts = session_ops.create_session(db.session, session_ops.SessionData(
        course_id=course.id, start_at=start, end_at=start + timedelta(minutes=course.duration_minutes),
        capacity=max(capacity, len(agent_ids)), delivery="virtual" if course.delivery == "virtual" else "classroom",
        location=form.location.data or "", trainer_id=current_user.id), placement=placement_svc.proposal_summary(impact))
    session_ops.enrol(db.session, ts.id, list(agent_ids))
    db.session.commit()
    flash(_("Session accepted: %(n)s agent(s) enrolled and the session placed in their shifts.", n=len(agent_ids)), "success")
    return redirect(url_for("trainer.session_detail", session_id=ts.id))


# ----------------------------------------------------------------------------- grading


@bp.route("/grading")
@require("training.grade")
def grading() -> Any:
    recent = db.session.scalars(sa.select(Attempt).where(Attempt.status == "graded")
                                .order_by(Attempt.graded_at.desc()).limit(30)).all()
    return render_template("trainer/grading.html", queue=grading_queue(db.session), recent=recent)


@bp.route("/attempts/<int:attempt_id>")
@require("training.grade")
def attempt(attempt_id: int) -> Any:
    att = db.get_or_404(Attempt, attempt_id)
    assessment_ops.enforce_deadline(db.session, att, utcnow())
    db.session.commit()
    items = assessment_q.review(db.session, att) if att.status != "in_progress" else []
    return render_template("trainer/attempt.html", att=att, items=items, grade_form=F.GradeForm(),
                           override_form=F.OverrideForm())


@bp.route("/attempts/<int:attempt_id>/grade", methods=["POST"])
@require("training.grade")
def attempt_grade(attempt_id: int) -> Any:
    att = db.get_or_404(Attempt, attempt_id)
    form = F.GradeForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.attempt", attempt_id=att.id))
    grades: dict[int, tuple[float, str]] = {}
    for ans in att.answers:
        raw = request.form.get(f"points_{ans.id}")
        if raw is None:
            continue
        try:
            points = float(raw)
        except ValueError:
            raise ValidationError(_("points must be a number"), field=f"points_{ans.id}") from None
        if points != points:  # NaN
            raise ValidationError(_("points must be a number"), field=f"points_{ans.id}")
        grades[ans.id] = (points, (request.form.get(f"comment_{ans.id}") or "")[:2000])
    assessment_ops.grade_answers(db.session, att.id, grades, form.feedback.data or "", current_user.id, utcnow())
    db.session.commit()
    flash(_("Grades saved."), "success")
    return redirect(url_for("trainer.attempt", attempt_id=att.id))


@bp.route("/attempts/<int:attempt_id>/override", methods=["POST"])
@require("training.grade")
def attempt_override(attempt_id: int) -> Any:
    att = db.get_or_404(Attempt, attempt_id)
    form = F.OverrideForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("trainer.attempt", attempt_id=att.id))
    assessment_ops.override_result(db.session, att.id, form.score.data / 100.0, form.reason.data or "",
                                   current_user.id, utcnow())
    db.session.commit()
    flash(_("Result overridden; the reason is in the audit log."), "success")
    return redirect(url_for("trainer.attempt", attempt_id=att.id))


def _flash_errors(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        for e in errors:
            flash(_("%(field)s: %(message)s", field=label.text if label else name, message=e), "error")
