"""Trainer forms.  Labels and messages are translated lazily; the services re-check every
rule (the form is a convenience, the domain decides)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DecimalField, HiddenField, IntegerField, RadioField, SelectField,
    SelectMultipleField, StringField, TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

CATEGORY_LABELS = {
    "products": _l("Financial products knowledge"),
    "communication": _l("Communication skills"),
    "service": _l("Service attitude"),
    "compliance": _l("Laws, regulations and compliance"),
    "systems": _l("Systems"),
}
TYPE_LABELS = {
    "onboarding": _l("Pre-job (onboarding)"),
    "on_the_job": _l("On-the-job"),
    "targeted": _l("Special (targeted)"),
}
DELIVERY_LABELS = {"classroom": _l("Classroom"), "virtual": _l("Virtual"), "elearning": _l("E-learning")}
KIND_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "true_false": _l("True / false"),
    "short_text": _l("Short text (graded by a trainer)"),
}
AUDIENCE_LABELS = {
    "cohort": _l("New-hire cohort"),
    "team": _l("Team"),
    "skill": _l("Skill"),
    "individual": _l("Individual agents"),
}
CHOICE_SLOTS = 6


def choices(pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class CourseForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Code is required.")), Length(max=30)])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Title is required.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    category = SelectField(_l("Category"), choices=choices(CATEGORY_LABELS))
    course_type = SelectField(_l("Type"), choices=choices(TYPE_LABELS))
    delivery = SelectField(_l("Delivery"), choices=choices(DELIVERY_LABELS))
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=120,
                                    validators=[InputRequired(), NumberRange(15, 480, _l("Duration must be 15 to 480 minutes."))])
    mandatory = BooleanField(_l("Mandatory"))
    validity_months = IntegerField(_l("Certification valid for (months, empty = no expiry)"),
                                   validators=[Optional(), NumberRange(1, 120, _l("Validity must be 1 to 120 months."))])
    questions_per_attempt = IntegerField(_l("Questions per attempt"), default=10,
                                         validators=[InputRequired(), NumberRange(1, 100, _l("1 to 100 questions."))])
    time_limit_minutes = IntegerField(_l("Time limit (minutes)"), default=30,
                                      validators=[InputRequired(), NumberRange(1, 600, _l("1 to 600 minutes."))])
    pass_mark = IntegerField(_l("Pass mark (%)"), default=80,
                             validators=[InputRequired(), NumberRange(1, 100, _l("Pass mark must be 1 to 100 %."))])
    max_attempts = IntegerField(_l("Maximum attempts"), default=3,
                                validators=[InputRequired(), NumberRange(1, 20, _l("1 to 20 attempts."))])
    prerequisites = SelectMultipleField(_l("Prerequisites"), coerce=int, validate_choice=True)


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Question type"), choices=choices(KIND_LABELS))
    text = TextAreaField(_l("Question"), validators=[DataRequired(_l("The question text is required.")), Length(max=5000)])
    points = DecimalField(_l("Points"), default=1, places=1,
                          validators=[InputRequired(), NumberRange(0.5, 100, _l("Points must be 0.5 to 100."))])
    explanation = TextAreaField(_l("Explanation shown after submission"), validators=[Optional(), Length(max=5000)])
    true_is_correct = RadioField(_l("Correct answer"), choices=choices([("true", _l("True")), ("false", _l("False"))]), default="true")


for _i in range(1, CHOICE_SLOTS + 1):
    setattr(QuestionForm, f"choice_{_i}", StringField(_l("Choice %(n)s", n=_i), validators=[Optional(), Length(max=500)]))
    setattr(QuestionForm, f"correct_{_i}", BooleanField(_l("Correct")))


class PlanForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Name is required.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    audience = SelectField(_l("Designed for"), choices=choices(AUDIENCE_LABELS))


class PlanItemForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=int, validate_choice=True)
    offset_days = IntegerField(_l("Due after (days from start)"), default=14,
                               validators=[InputRequired(), NumberRange(0, 730, _l("0 to 730 days."))])
    target_date = DateField(_l("Or fixed target date"), validators=[Optional()])


class AssignForm(FlaskForm):
    audience = SelectField(_l("Audience"), choices=choices(AUDIENCE_LABELS), default="team")
    team = SelectField(_l("Team"), coerce=int, validate_choice=True)
    queue = SelectField(_l("Skill"), coerce=int, validate_choice=True)
    hired_from = DateField(_l("Hired from"), validators=[Optional()])
    hired_to = DateField(_l("Hired until"), validators=[Optional()])
    employees = StringField(_l("Employee numbers (comma-separated)"), validators=[Optional(), Length(max=2000)])
    start_date = DateField(_l("Start / due date"), validators=[InputRequired(_l("Give a date."))])


class SessionForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=int, validate_choice=True)
    day = DateField(_l("Day"), validators=[InputRequired(_l("Give a date."))])
    start_time = StringField(_l("Start time (HH:MM)"), validators=[DataRequired(), Length(max=5)])
    capacity = IntegerField(_l("Capacity"), default=12, validators=[InputRequired(), NumberRange(1, 200)])
    delivery = SelectField(_l("Delivery"), choices=choices([("classroom", _l("Classroom")), ("virtual", _l("Virtual"))]))
    location = StringField(_l("Room or link"), validators=[Optional(), Length(max=120)])


class EnrolForm(FlaskForm):
    employees = StringField(_l("Employee numbers (comma-separated)"),
                            validators=[DataRequired(_l("Give at least one employee number.")), Length(max=2000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class AcceptSlotForm(FlaskForm):
    course_id = HiddenField(validators=[DataRequired()])
    start = HiddenField(validators=[DataRequired()])
    agent_ids = HiddenField(validators=[DataRequired()])
    capacity = HiddenField(validators=[DataRequired()])
    location = StringField(_l("Room or link"), validators=[Optional(), Length(max=120)])


class OverrideForm(FlaskForm):
    score = IntegerField(_l("New score (%)"), validators=[InputRequired(), NumberRange(0, 100, _l("0 to 100 %."))])
    reason = TextAreaField(_l("Reason (kept in the audit log)"),
                           validators=[DataRequired(_l("Say why the result is overridden.")), Length(max=2000)])


class GradeForm(FlaskForm):
    """Points and comments per short-text answer are read from ``points_<id>`` and
    ``comment_<id>``; the form itself carries the overall feedback and the CSRF token."""

    feedback = TextAreaField(_l("Feedback to the agent"), validators=[Optional(), Length(max=5000)])
