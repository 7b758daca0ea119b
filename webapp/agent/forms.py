"""Forms of the agent area.  Labels and messages are marked for translation; the rules
(past dates, overlaps, swap rules) are checked by the domain services, not here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

TIME_OFF_KINDS = {"vacation": _l("Vacation"), "personal": _l("Personal day"), "sick": _l("Sick leave"),
                  "training": _l("External training")}


def choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms' option objects (labels may be lazy strings)."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class TimeOffForm(FlaskForm):
    start_date = DateField(_l("First day"), validators=[DataRequired(message=_l("Give the first day."))])
    end_date = DateField(_l("Last day"), validators=[DataRequired(message=_l("Give the last day."))])
    kind = SelectField(_l("Kind"), choices=choices(TIME_OFF_KINDS))
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=1000)])


class SwapForm(FlaskForm):
    colleague_id = SelectField(_l("Colleague"), coerce=int, validate_choice=True)
    requester_day = DateField(_l("My day"), validators=[DataRequired(message=_l("Give the day of your shift."))])
    colleague_day = DateField(_l("Colleague's day (empty: the same day)"), validators=[Optional()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


PREFERENCE_KINDS = {"want": _l("I would like"), "avoid": _l("I would rather not have")}


class PreferenceForm(FlaskForm):
    kind = SelectField(_l("Wish"), choices=choices(PREFERENCE_KINDS))
    shift_code = SelectField(_l("Shift"))
    day = DateField(_l("On date"), validators=[Optional()])
    weekday = SelectField(_l("Or every"), coerce=int, choices=[], validators=[Optional()])
    valid_until = DateField(_l("Until (for a weekday)"), validators=[Optional()])
    weight = IntegerField(_l("How much it matters (1-10)"), default=5,
                          validators=[InputRequired(message=_l("Give a weight from 1 to 10.")),
                                      NumberRange(min=1, max=10, message=_l("Give a weight from 1 to 10."))])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])
