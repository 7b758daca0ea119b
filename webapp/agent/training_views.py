"""The agent's training pages ("my training"), registered on the agent blueprint: plan
and progress, sessions, taking an assessment, results, the reaction survey.

The assessment page is built from ``training.queries.assessments.paper``: question texts
and choice ids only.  Time limits and grading are the server's business.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from optimizer.timeutil import to_local
from scheduler.db import utcnow
from scheduler.errors import ValidationError
from training.models import AttemptStatus, Course, QuestionKind, TrainingSession
from training.operations import assessments as ops
from training.operations.evaluation import SurveyData, submit_survey
from training.queries import assessments as paper_q
from training.queries.progress import my_training
from training.queries.scope import agent_of
from webapp.agent.views import bp
from webapp.extensions import db
from webapp.security import require
from webapp.site import site_tz

RATINGS = [SelectChoice(str(i), str(i)) for i in range(1, 6)]


class PlainForm(FlaskForm):
    """CSRF only (the answers are read per question)."""


class SurveyForm(FlaskForm):
    satisfaction = RadioField(_l("Overall, how satisfied are you with the session?"), choices=RATINGS,
                              validators=[InputRequired(_l("Choose 1 to 5."))])
    relevance = RadioField(_l("How useful is it for your daily work?"), choices=RATINGS,
                           validators=[InputRequired(_l("Choose 1 to 5."))])
    trainer_rating = RadioField(_l("How would you rate the trainer?"), choices=RATINGS,
                                validators=[InputRequired(_l("Choose 1 to 5."))])
    comment = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])


def _me():
    agent = agent_of(db.session, current_user.id)
    if agent is None:
        abort(404)
    return agent


@bp.route("/training")
@require("training.view_own")
def training() -> Any:
    agent = agent_of(db.session, current_user.id)
    now = utcnow()
    if agent is not None and ops.submit_expired_attempts(db.session, now, agent.id):
        db.session.commit()
    data = my_training(db.session, agent.id, to_local(now, site_tz()).date(), now) if agent else None
    return render_template("agent/training/index.html", data=data, form=PlainForm())


@bp.route("/training/courses/<int:course_id>/start", methods=["POST"])
@require("assessment.take")
def attempt_start(course_id: int) -> Any:
    agent = _me()
    course = db.get_or_404(Course, course_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    attempt = ops.start_attempt(db.session, course.id, agent.id, utcnow())
    db.session.commit()
    return redirect(url_for("agent.attempt", attempt_id=attempt.id))


def _answers_from_form(questions: list[dict]) -> dict[int, ops.AnswerInput]:
    out: dict[int, ops.AnswerInput] = {}
    for q in questions:
        key = f"q{q['id']}"
        try:
            if q["kind"] == QuestionKind.SHORT_TEXT:
                out[q["id"]] = ops.AnswerInput(text=(request.form.get(key) or "")[:5000])
            elif q["kind"] == QuestionKind.MULTIPLE:
                out[q["id"]] = ops.AnswerInput(choice_ids=tuple(int(v) for v in request.form.getlist(key)[:20]))
            else:
                raw = request.form.get(key)
                out[q["id"]] = ops.AnswerInput(choice_ids=(int(raw),) if raw else ())
        except ValueError:
            raise ValidationError(_("unknown choice"), field=key) from None
    return out


@bp.route("/training/attempts/<int:attempt_id>", methods=["GET", "POST"])
@require("assessment.take")
def attempt(attempt_id: int) -> Any:
    agent = _me()
    now = utcnow()
    att = ops.get_own_attempt(db.session, attempt_id, agent.id, now)
    if request.method == "POST":
        if not PlainForm().validate_on_submit():
            abort(400)
        questions = paper_q.paper(db.session, att)
        if att.status != AttemptStatus.IN_PROGRESS:
            db.session.commit()  # a time-out found by this request is kept
            flash(_("The time ran out: the attempt was submitted with the answers saved before the deadline."), "warning")
            return redirect(url_for("agent.attempt", attempt_id=att.id))
        answers = _answers_from_form(questions)
        if request.form.get("action") == "save":
            ops.save_answers(db.session, att.id, agent.id, answers, now)
            db.session.commit()
            flash(_("Answers saved."), "success")
            return redirect(url_for("agent.attempt", attempt_id=att.id))
        ops.submit_attempt(db.session, att.id, agent.id, answers, now)
        db.session.commit()
        flash(_("Submitted."), "success")
        return redirect(url_for("agent.attempt", attempt_id=att.id))
    db.session.commit()  # keep a time-out submission made while loading
    if att.status == AttemptStatus.IN_PROGRESS:
        remaining = max(0, int((att.deadline_at - now).total_seconds()))
        return render_template("agent/training/attempt.html", att=att, questions=paper_q.paper(db.session, att),
                               remaining=remaining, form=PlainForm())
    return render_template("agent/training/result.html", att=att, items=paper_q.review(db.session, att))


@bp.route("/training/sessions/<int:session_id>/survey", methods=["GET", "POST"])
@require("training.view_own")
def survey(session_id: int) -> Any:
    agent = _me()
    ts = db.get_or_404(TrainingSession, session_id)
    form = SurveyForm()
    if form.validate_on_submit():
        submit_survey(db.session, ts.id, agent.id, SurveyData(int(form.satisfaction.data), int(form.relevance.data),
                                                              int(form.trainer_rating.data), form.comment.data or ""), utcnow())
        db.session.commit()
        flash(_("Thank you for your feedback."), "success")
        return redirect(url_for("agent.training"))
    return render_template("agent/training/survey.html", ts=ts, form=form)
