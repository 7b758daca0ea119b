"""Planner forms.  Labels and messages are translatable; the services re-check everything."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FloatField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select, html_params
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


def choices(pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


class LongSelect(Select):
    """WTForms's select markup for long lists (every agent of the site, three times on
    the roster page) built in one pass: the stock widget's per-option ``html_params``
    and ``Markup`` formatting cost ~25 ms per 500 options.  Options with their own
    attributes or groups fall back to the stock rendering."""

    def __call__(self, field, **kwargs):  # type: ignore[no-untyped-def]
        options = field.iter_choices()
        if field.has_groups() or any(c.render_kw for c in options):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for c in options:
            value = str(c.value) if isinstance(c.value, bool) else c.value
            attrs = " selected" if c.selected else ""
            if value is not None and value is not False:
                attrs += ' value' if value is True else f' value="{escape(value)}"'
            html.append(f"<option{attrs}>{escape(c.label or c.value)}</option>")
        html.append("</select>")
        return Markup("".join(html))


def optional_int(value: object) -> int | None:
    """Coerce a select value that may be left empty."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class QueueParametersForm(FlaskForm):
    """Service targets and staffing model of one queue; saving recomputes requirements."""

    sl_target = FloatField(_l("Service level target (%)"), validators=[
        InputRequired(_l("Enter the service level target.")),
        NumberRange(1, 99.9, _l("The service level target must be between 1 and 99.9 %%."))])
    sl_seconds = IntegerField(_l("Answered within (seconds)"), validators=[
        InputRequired(_l("Enter the answer time.")), NumberRange(0, 3600, _l("The answer time must be 0 to 3600 seconds."))])
    asa_seconds = IntegerField(_l("ASA target (seconds, optional)"), validators=[
        Optional(), NumberRange(1, 3600, _l("The ASA target must be 1 to 3600 seconds."))])
    max_occupancy = FloatField(_l("Maximum occupancy (%)"), validators=[
        InputRequired(_l("Enter the maximum occupancy.")), NumberRange(50, 100, _l("Maximum occupancy must be 50 to 100 %%."))])
    shrinkage = FloatField(_l("Shrinkage (%)"), validators=[
        InputRequired(_l("Enter the shrinkage.")), NumberRange(0, 80, _l("Shrinkage must be 0 to 80 %%."))])
    staffing_model = SelectField(_l("Queue model"), choices=choices([("erlang-c", _l("Erlang C (no abandonment)")),
                                                                    ("erlang-a", _l("Erlang A (callers abandon)"))]))
    patience_seconds = IntegerField(_l("Mean patience (seconds, Erlang A)"), validators=[
        Optional(), NumberRange(5, 3600, _l("Patience must be 5 to 3600 seconds."))])
    aht_override = BooleanField(_l("Override the forecast handle time"))
    aht_seconds = IntegerField(_l("Handle time (seconds)"), validators=[
        InputRequired(_l("Enter the handle time.")), NumberRange(10, 7200, _l("Handle time must be 10 to 7200 seconds."))])

    def validate(self, extra_validators=None) -> bool:  # type: ignore[override]
        ok = super().validate(extra_validators)
        # Optional() ends the field's own chain when empty, so the cross-field rule lives here.
        if self.staffing_model.data == "erlang-a" and not self.patience_seconds.data and not self.patience_seconds.errors:
            self.patience_seconds.errors = list(self.patience_seconds.errors) + [_l("Erlang A needs the callers' mean patience.")]
            ok = False
        return ok


class SpecialDayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter a date."))])
    label = StringField(_l("Label"), validators=[DataRequired(_l("Enter a label.")), Length(max=120)])
    uplift = FloatField(_l("Volume factor (1.3 = +30 %)"), validators=[
        InputRequired(_l("Enter the volume factor.")), NumberRange(0, 10, _l("The volume factor must be 0 to 10."))])
    queue_id = SelectField(_l("Queue"), coerce=int, choices=[])


class HistoryUploadForm(FlaskForm):
    file = FileField(_l("History file (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file."))])


class HistoryConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class ForecastForm(FlaskForm):
    horizon_days = IntegerField(_l("Days to forecast"), default=28, validators=[
        InputRequired(_l("Enter the number of days.")), NumberRange(1, 56, _l("Forecast 1 to 56 days."))])
    thorough = BooleanField(_l("Also try the slower methods (MSTL, ensemble)"))


class GenerateForm(FlaskForm):
    start = DateField(_l("First day"), validators=[InputRequired(_l("Enter the first day."))])
    days = IntegerField(_l("Days"), default=14, validators=[
        InputRequired(_l("Enter the number of days.")), NumberRange(1, 42, _l("A roster covers 1 to 42 days."))])
    teams = SelectMultipleField(_l("Teams (none = all)"), coerce=int, choices=[])
    time_limit = IntegerField(_l("Time limit (seconds)"), default=60, validators=[
        InputRequired(_l("Enter a time limit.")), NumberRange(5, 3600, _l("The time limit must be 5 to 3600 seconds."))])


class EditForm(FlaskForm):
    action = SelectField(_l("Change"), choices=choices([("add", _l("Add a shift")), ("change", _l("Change the shift")),
                                                        ("move", _l("Move to another day")), ("delete", _l("Delete the shift")),
                                                        ("swap", _l("Swap with a colleague"))]))
    agent_id = SelectField(_l("Agent"), coerce=int, choices=[], widget=LongSelect())
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter the day."))])
    code = SelectField(_l("Shift"), choices=[], validate_choice=False)
    target_day = DateField(_l("Move to"), validators=[Optional()])
    other_agent_id = SelectField(_l("Swap with"), coerce=optional_int, choices=[], validate_choice=False,
                                 widget=LongSelect())
    confirm = HiddenField(default="")


class AbsenceForm(FlaskForm):
    agent_id = SelectField(_l("Agent"), coerce=int, choices=[], widget=LongSelect())
    start = DateField(_l("First day absent"), validators=[InputRequired(_l("Enter the first day."))])
    end = DateField(_l("Last day absent"), validators=[InputRequired(_l("Enter the last day."))])


class EmptyForm(FlaskForm):
    """Buttons that only need the CSRF token (publish, discard)."""
