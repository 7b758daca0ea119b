"""Roster generation, edits checked by the engine's validator, publication, diff, repair."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from optimizer.progress import NEVER_CANCELLED, no_progress
from scheduler.db import db
from scheduler.errors import Conflict
from scheduler.models import (
    AuditLog, Job, Notification, Roster, RosterVersion, Shift, ShiftActivity, ShiftTemplate, TimeOff,
)
from scheduler.planning import rosters
from scheduler.planning.roster_problem import build_problem
from tests.scheduler.planning.factories import START, agent_ids, tiny_center, user_id

NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def _generate(site, days: int = 7) -> RosterVersion:
    req = rosters.SolveRequest(site.id, START, days, (), 4.0)
    out = rosters.solve_and_store(db.session, req, created_by_id=None, progress=no_progress, cancel=NEVER_CANCELLED)
    db.session.commit()
    assert out["version_id"], out
    return db.session.get(RosterVersion, out["version_id"])


def _shifts(version: RosterVersion) -> dict:
    return {(s.agent_id, s.day): s.template_code for s in db.session.scalars(
        sa.select(Shift).where(Shift.version_id == version.id))}


def _busiest(shifts: dict) -> tuple:
    """A shift of the agent with the most shifts (deleting it keeps their contract hours)."""
    counts: dict = {}
    for a, _d in shifts:
        counts[a] = counts.get(a, 0) + 1
    top = max(counts, key=lambda a: (counts[a], -a))
    key = min(k for k in shifts if k[0] == top)
    return key, shifts[key]


def test_problem_from_database(app) -> None:
    site = tiny_center(db.session)
    built = build_problem(db.session, site, START, 7)
    p = built.problem
    assert len(p.agents) == 6 and sum(a.supervisor for a in p.agents) == 1
    assert {t.code for t in p.templates} == {"D", "P"}
    assert p.template("D").unpaid_break_minutes == 60
    assert {r.queue for r in p.requirements} == {"SUPPORT", "SALES"}
    assert not p.rules.supervisor_always_on_duty  # no 24/7 queue


def test_generate_writes_a_valid_draft_with_breaks(app) -> None:
    site = tiny_center(db.session)
    version = _generate(site)
    assert version.status == "draft" and version.number is None
    shifts = _shifts(version)
    assert shifts and all(day.weekday() < 7 for _a, day in shifts)
    lunches = db.session.scalar(sa.select(sa.func.count()).select_from(ShiftActivity).join(Shift)
                                .where(Shift.version_id == version.id, ShiftActivity.kind == "lunch"))
    assert lunches == sum(1 for c in shifts.values() if c == "D")
    assert version.summary["status"] in ("OPTIMAL", "FEASIBLE")
    # a second generation for the same period replaces the draft of the same roster
    again = _generate(site)
    assert again.roster_id == version.roster_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterVersion)) == 1


def test_publish_numbers_versions_notifies_and_diffs(app) -> None:
    site = tiny_center(db.session)
    version = _generate(site)
    planner = user_id(db.session, "tplanner")
    first = rosters.publish(db.session, version, user_id=planner, now=NOW)
    db.session.commit()
    assert first.number == 1 and version.status == "published"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.kind == "roster_published")) == first.changed_agents > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "publish")) == 1
    with pytest.raises(Conflict):
        version.ensure_editable()

    roster = db.session.get(Roster, version.roster_id)
    draft = rosters.ensure_draft(db.session, roster)
    assert _shifts(draft) == _shifts(version)
    (agent, day), code = _busiest(_shifts(draft))
    outcome = rosters.apply_edit(db.session, draft, rosters.ShiftEdit("delete", agent, day), confirm_soft=True)
    assert outcome.saved, outcome
    db.session.commit()
    diff = rosters.diff_versions(db.session, version.id, draft.id)
    assert [(d.agent_id, d.day, d.old_code, d.new_code) for d in diff] == [(agent, day, code, None)]
    second = rosters.publish(db.session, draft, user_id=planner, now=NOW)
    db.session.commit()
    assert second.number == 2
    changed = db.session.scalars(sa.select(Notification).where(Notification.kind == "shift_changed")).all()
    assert [n.params for n in changed] == [{"day": day.isoformat(), "old": code, "new": "OFF"}]


def test_hard_violation_blocks_the_edit_and_names_rule_and_agent(app) -> None:
    site = tiny_center(db.session)
    version = _generate(site)
    shifts = _shifts(version)
    # an agent who works Monday..: a 7th day in a row, or time off: give approved leave then add a shift on it
    agent = agent_ids(db.session)[1]
    free_day = next(START + timedelta(days=k) for k in range(7) if (agent, START + timedelta(days=k)) not in shifts)
    db.session.add(TimeOff(agent_id=agent, start_date=free_day, end_date=free_day, status="approved"))
    db.session.commit()
    outcome = rosters.apply_edit(db.session, version, rosters.ShiftEdit("add", agent, free_day, "D"), confirm_soft=True)
    assert not outcome.saved
    # the leave is named (adding a day may break a days-off rule too: also hard)
    leave = [p for p in outcome.hard if p.rule == "time_off"]
    assert leave and leave[0].agents == ("Agent 1",) and leave[0].day == free_day
    # and says why in the reader's language (the validator's sentence, translated)
    from flask_babel import force_locale
    with app.test_request_context():
        assert str(leave[0].message) == "Works on a day of approved time off."
        with force_locale("zh_Hant_TW"):
            assert str(leave[0].message) == "在已核准的休假日上班。"
        with force_locale("zh_Hans_CN"):
            assert str(leave[0].message) == "在已批准的休假日上班。"
    assert (agent, free_day) not in _shifts(version)


def test_soft_only_edit_needs_confirmation(app) -> None:
    site = tiny_center(db.session)
    version = _generate(site)
    shifts = _shifts(version)
    # removing a Monday day shift leaves the requirement less covered: soft only
    (agent, day) = next(k for k, c in shifts.items() if c == "D" and k[1].weekday() < 5)
    edit = rosters.ShiftEdit("change", agent, day, "P")
    outcome = rosters.apply_edit(db.session, version, edit)
    if outcome.hard:  # changing D to P may drop the weekly hours below contract: that is hard
        assert {p.rule for p in outcome.hard} <= {"weekly_hours"}
        return
    assert outcome.needs_confirmation and [p.rule for p in outcome.soft] == ["coverage"]
    assert _shifts(version)[agent, day] == "D"
    assert rosters.apply_edit(db.session, version, edit, confirm_soft=True).saved
    assert _shifts(version)[agent, day] == "P"


def test_swap_exchanges_shifts(app) -> None:
    site = tiny_center(db.session)
    version = _generate(site)
    shifts = _shifts(version)
    a, b = agent_ids(db.session)[1:3]
    day = next(START + timedelta(days=k) for k in range(7)
               if shifts.get((a, START + timedelta(days=k))) != shifts.get((b, START + timedelta(days=k))))
    outcome = rosters.apply_edit(db.session, version, rosters.ShiftEdit("swap", a, day, other_agent_id=b),
                                 confirm_soft=True)
    after = _shifts(version)
    if outcome.saved:
        assert after.get((a, day)) == shifts.get((b, day)) and after.get((b, day)) == shifts.get((a, day))
    else:
        assert outcome.hard and after == shifts


def test_edit_refuses_bad_input(app) -> None:
    from scheduler.errors import ValidationError

    site = tiny_center(db.session)
    version = _generate(site)
    agent = agent_ids(db.session)[0]
    with pytest.raises(ValidationError):
        rosters.apply_edit(db.session, version, rosters.ShiftEdit("add", agent, START - timedelta(days=3), "D"))
    with pytest.raises(ValidationError):
        rosters.ShiftEdit("explode", agent, START)
    with pytest.raises(ValidationError):
        rosters.apply_edit(db.session, version, rosters.ShiftEdit("add", agent, START, "ZZ"))


def test_roster_solve_job_end_to_end(app) -> None:
    from scheduler.jobs import submit_job
    from scheduler.jobs.dispatch import in_process_pool

    site = tiny_center(db.session)
    db.session.commit()
    req = rosters.SolveRequest(site.id, START, 7, (), 3.0)
    job = rosters.submit_roster_solve(db.session, req, None)
    db.session.commit()
    in_process_pool().wait(timeout=120)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done", job.error
    assert job.result["version_id"] and job.progress["solutions"] >= 1
    assert submit_job  # the public interface is what the view uses


def test_absence_repair_proposes_minimal_changes(app) -> None:
    site = tiny_center(db.session)
    version = _generate(site)
    rosters.publish(db.session, version, user_id=None, now=NOW)
    db.session.commit()
    shifts = _shifts(version)
    (agent, day) = next(k for k, c in shifts.items() if k[1].weekday() < 5)
    params = {"roster_id": version.roster_id, "base_version_id": version.id, "agent_id": agent,
              "start": day.isoformat(), "end": day.isoformat(), "time_limit": 4}
    db.session.add(TimeOff(agent_id=agent, start_date=day, end_date=day, status="approved", kind="sick"))
    out = rosters.repair_and_store(db.session, params, progress=no_progress, cancel=NEVER_CANCELLED)
    db.session.commit()
    assert out["version_id"], out
    proposal = db.session.get(RosterVersion, out["version_id"])
    repaired = _shifts(proposal)
    assert (agent, day) not in repaired
    changed = {k for k in set(shifts) | set(repaired) if shifts.get(k) != repaired.get(k)}
    # the absent shift plus a handful of refills, all in the absence's week (the engine's
    # minimal-change repair: optimizer.roster.repair)
    assert out["changes"] == len(changed) and 1 <= len(changed) <= 4, changed
    assert all(abs((k[1] - day).days) <= 7 for k in changed)
    assert proposal.summary["kind"] == "repair" and proposal.summary["neighbourhood"]
    # rejecting drops the proposal; the published version is untouched
    rosters.discard_draft(db.session, proposal)
    db.session.commit()
    assert _shifts(version) == shifts


def test_weekly_job_submits_next_period_once(app) -> None:
    site = tiny_center(db.session)
    db.session.commit()
    first = rosters.create_draft_for_next_period(db.session, now=NOW, time_limit=2)
    db.session.commit()
    assert len(first["submitted"]) == 1
    second = rosters.create_draft_for_next_period(db.session, now=NOW, time_limit=2)
    db.session.rollback()
    from scheduler.jobs.dispatch import in_process_pool

    in_process_pool().wait(timeout=120)
    assert second["submitted"] == [] or second["submitted"][0]["start"] != first["submitted"][0]["start"]
    assert site.id


@pytest.mark.parametrize(("start", "length", "hours"), [("09:00", 540, "09:00\u201318:00"),
                                                       ("22:00", 540, "22:00\u201307:00"),
                                                       ("16:00", 480, "16:00\u201300:00")])
def test_template_hours_read_as_clock_times(start: str, length: int, hours: str) -> None:
    assert ShiftTemplate(code="X", name="X", start=start, length_minutes=length).hours == hours
