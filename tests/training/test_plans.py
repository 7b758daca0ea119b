"""Plans and assignments: audiences, due dates from offsets, no duplicate open
assignments, progress."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from scheduler.db import db
from scheduler.errors import ValidationError
from scheduler.models import Notification
from training.models import Assignment
from training.operations.plans import AudienceSpec, add_plan_item, assign_course, assign_plan, create_plan
from training.queries.progress import my_training
from tests.training.factories import course_with_questions, site_with_team


def test_plan_assignment_due_dates_and_no_duplicates(app) -> None:
    _, team, _, _, agents = site_with_team(3)
    c1, c2 = course_with_questions("C1"), course_with_questions("C2")
    plan = create_plan(db.session, "Onboarding", "", "cohort", None)
    add_plan_item(db.session, plan.id, c1.id, 7)
    add_plan_item(db.session, plan.id, c2.id, 21, target_date=date(2026, 4, 30))
    with pytest.raises(ValidationError):
        add_plan_item(db.session, plan.id, c1.id, 3)
    cohort = AudienceSpec(kind="cohort", hired_from=date(2026, 1, 2), hired_to=date(2026, 1, 3))
    out = assign_plan(db.session, plan.id, cohort, date(2026, 4, 1), None)
    assert (out.agents, out.created, out.skipped) == (2, 4, 0)  # hired 1/2 and 1/3 (the supervisor 1/1 is not)
    dues = sorted({a.due_date for a in db.session.scalars(sa.select(Assignment))})
    assert dues == [date(2026, 4, 8), date(2026, 4, 30)]
    again = assign_plan(db.session, plan.id, AudienceSpec(kind="team", team_id=team.id), date(2026, 5, 1), None)
    assert again.created == 4 and again.skipped == 4  # 4 team members, 2 already hold open assignments
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(Notification.kind == "training_assigned")) == 4


def test_audience_errors_name_the_field(app) -> None:
    site_with_team(1)
    c = course_with_questions()
    with pytest.raises(ValidationError) as err:
        assign_course(db.session, c.id, AudienceSpec(kind="team", team_id=None), date(2026, 4, 1), None)
    assert err.value.field == "team"
    with pytest.raises(ValidationError) as err:
        assign_course(db.session, c.id, AudienceSpec(kind="individual", agent_ids=(999,)), date(2026, 4, 1), None)
    assert err.value.field == "agents"
    with pytest.raises(ValidationError):
        assign_course(db.session, c.id, AudienceSpec(kind="individual", agent_ids=(1,)), date(2026, 3, 1), None,
                      today=date(2026, 3, 10))


def test_progress_shows_overdue_and_done(app) -> None:
    from training.operations import assessments as ops
    from tests.training.factories import correct_answers

    _, _, _, _, agents = site_with_team(1)
    c1, c2 = course_with_questions("C1"), course_with_questions("C2")
    plan = create_plan(db.session, "Refresh", "", "team", None)
    add_plan_item(db.session, plan.id, c1.id, 5)
    add_plan_item(db.session, plan.id, c2.id, 10)
    assign_plan(db.session, plan.id, AudienceSpec(kind="individual", agent_ids=(agents[0].id,)), date(2026, 3, 1), None)
    now = datetime(2026, 3, 8, 9, tzinfo=timezone.utc)
    att = ops.start_attempt(db.session, c2.id, agents[0].id, now)
    ops.submit_attempt(db.session, att.id, agents[0].id, correct_answers(c2, att), now)
    view = my_training(db.session, agents[0].id, date(2026, 3, 8), now)
    [group] = view.groups
    assert group.name == "Refresh" and [i.status for i in group.items] == ["overdue", "done"]
    assert group.share_done == 0.5 and view.certifications[0].course_id == c2.id
