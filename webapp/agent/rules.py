"""Display names of the roster rules and activity kinds, in the reader's language.

The validator names rules with stable identifiers; people see these labels with the
agent and the day concerned (never the validator's English detail text alone).
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from optimizer.roster.validator import Violation

RULE_LABELS = {
    "shift_definition": _l("shift definition"),
    "one_shift_per_day": _l("one shift a day"),
    "time_off": _l("approved time off"),
    "night_eligibility": _l("night shifts need night eligibility"),
    "max_shifts_per_template": _l("maximum shifts of a kind"),
    "pinned": _l("fixed shift"),
    "rest": _l("minimum rest between shifts"),
    "rotation": _l("shift rotation"),
    "max_consecutive_days": _l("maximum working days in a row"),
    "min_consecutive_days": _l("minimum working days in a row"),
    "min_consecutive_days_off": _l("minimum days off in a row"),
    "max_nights_in_row": _l("maximum nights in a row"),
    "min_days_off_per_week": _l("days off per week"),
    "max_weekends": _l("maximum weekends worked"),
    "weekly_hours": _l("weekly contract hours"),
    "total_minutes": _l("total working time"),
    "breaks": _l("breaks"),
    "fixed_activities": _l("training or meeting inside a shift"),
    "supervisor_on_duty": _l("a supervisor on duty at all times"),
}

ACTIVITY_LABELS = {
    "break": _l("Break"),
    "lunch": _l("Lunch"),
    "training": _l("Training"),
    "meeting": _l("Meeting"),
    "coaching": _l("Coaching"),
}


def describe_violation(v: Violation, names: dict[str, str] | None = None) -> str:
    """"minimum rest between shifts (Chen Mei, Tue 8 Dec)" in the reader's language."""
    label = str(RULE_LABELS.get(v.rule, v.rule))
    who = (names or {}).get(v.agent_id or "", "")
    when = format_date(v.date, "medium") if v.date else ""
    detail = ", ".join(x for x in (who, when) if x)
    return _("%(rule)s (%(detail)s)", rule=label, detail=detail) if detail else label
