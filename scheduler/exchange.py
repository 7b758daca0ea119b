"""Roster export rows and agent import from CSV/XLSX.

Import is all-or-nothing: every row is checked first and every problem is reported with
its row number and column; nothing is written unless the whole file is clean, so a
planner never has to work out which half of a file made it in.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer import timeutil
from scheduler.accounts import create_user
from scheduler.errors import ValidationError
from scheduler.models import Agent, AgentSkill, Queue, Roster, RosterVersion, Shift, ShiftActivity, Team, User, VersionStatus

# -- export ----------------------------------------------------------------------------

#: Column keys of the roster export, in order; the web layer translates the headers.
EXPORT_COLUMNS = ("employee_no", "agent", "team", "date", "shift", "start", "end", "activities")


def roster_export_rows(session: Session, roster_id: int, number: int | None = None) -> tuple[RosterVersion, list[tuple]]:
    """Rows of a published version (the latest when ``number`` is None), in local time."""
    roster = session.get(Roster, roster_id) if 0 < roster_id < 2**31 else None
    if roster is None:
        raise ValidationError("no such roster", field="roster_id")
    q = sa.select(RosterVersion).where(RosterVersion.roster_id == roster_id, RosterVersion.status == VersionStatus.PUBLISHED)
    q = q.where(RosterVersion.number == number) if number is not None else q.order_by(RosterVersion.number.desc())
    version = session.scalars(q.limit(1)).first()
    if version is None:
        raise ValidationError("this roster has no such published version", field="version")
    tz = roster.site.timezone
    shifts = session.execute(
        sa.select(Shift.id, Agent.employee_no, User.display_name, Team.name, Shift.day, Shift.template_code,
                  Shift.start_at, Shift.end_at)
        .join(Agent, Shift.agent_id == Agent.id).join(User, Agent.user_id == User.id).join(Team, Agent.team_id == Team.id)
        .where(Shift.version_id == version.id).order_by(Team.name, User.display_name, Shift.day)
    ).all()
    acts: dict[int, list[str]] = {}
    for sid, kind, st, en in session.execute(
        sa.select(ShiftActivity.shift_id, ShiftActivity.kind, ShiftActivity.start_at, ShiftActivity.end_at)
        .join(Shift, Shift.id == ShiftActivity.shift_id).where(Shift.version_id == version.id)
        .order_by(ShiftActivity.start_at)
    ):
        acts.setdefault(sid, []).append(
            f"{kind} {timeutil.to_local(st, tz):%H:%M}-{timeutil.to_local(en, tz):%H:%M}")
    rows = [(emp, name, team, day.isoformat(), code, timeutil.to_local(st, tz).isoformat(timespec="minutes"),
             timeutil.to_local(en, tz).isoformat(timespec="minutes"), "; ".join(acts.get(sid, [])))
            for sid, emp, name, team, day, code, st, en in shifts]
    return version, rows


# -- import ----------------------------------------------------------------------------

IMPORT_COLUMNS = ("employee_no", "username", "display_name", "team", "skills")
OPTIONAL_COLUMNS = ("email", "employment_type", "min_hours_week", "max_hours_week", "night_ok", "is_supervisor",
                    "hire_date", "languages")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """CSV (UTF-8, optional BOM) or XLSX rows as dicts keyed by the lower-cased header."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises many types for a broken file
            raise ValidationError("the file is not a readable XLSX workbook", field="file") from err
        values = [["" if v is None else str(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
    elif name.endswith(".csv") or not name:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ValidationError("the CSV file must be UTF-8 encoded", field="file") from err
        values = list(csv.reader(io.StringIO(text)))
    else:
        raise ValidationError("upload a .csv or .xlsx file", field="file")
    if not values:
        raise ValidationError("the file is empty", field="file")
    header = [h.strip().lower() for h in values[0]]
    return [dict(zip(header, (c.strip() for c in row))) for row in values[1:] if any(c.strip() for c in row)]


def _bool(text: str) -> bool | None:
    return {"": False, "0": False, "1": True, "true": True, "false": False, "yes": True, "no": False}.get(text.lower())


def import_agents(session: Session, rows: list[dict[str, str]], *, site_id: int, dry_run: bool = False) -> ImportResult:
    """Create users (role agent, plus supervisor when flagged) and agent profiles."""
    errors: list[RowError] = []
    if rows:
        missing = [c for c in IMPORT_COLUMNS if c not in rows[0]]
        for c in missing:
            errors.append(RowError(1, c, "missing column"))
        if missing:
            return ImportResult(0, tuple(errors))
    if len(rows) > 5000:
        return ImportResult(0, (RowError(1, "file", "at most 5000 rows per file"),))
    teams = {t.name: t.id for t in session.scalars(sa.select(Team).where(Team.site_id == site_id))}
    queues = {q.code: q.id for q in session.scalars(sa.select(Queue))}
    taken_emp = set(session.scalars(sa.select(Agent.employee_no)))
    taken_user = set(session.scalars(sa.select(User.username)))
    parsed = []
    for i, r in enumerate(rows, start=2):  # row 1 is the header
        def err(col: str, msg: str) -> None:
            errors.append(RowError(i, col, msg))

        emp, username, name = r.get("employee_no", ""), r.get("username", ""), r.get("display_name", "")
        if not emp or len(emp) > 20:
            err("employee_no", "required, at most 20 characters")
        elif emp in taken_emp:
            err("employee_no", "already exists")
        if not username or len(username) > 64:
            err("username", "required, at most 64 characters")
        elif username in taken_user:
            err("username", "already exists")
        if not name or len(name) > 120:
            err("display_name", "required, at most 120 characters")
        team = teams.get(r.get("team", ""))
        if team is None:
            err("team", "unknown team")
        skills = [s.strip() for s in r.get("skills", "").replace(",", ";").split(";") if s.strip()]
        if not skills or any(s not in queues for s in skills) or len(set(skills)) != len(skills):
            err("skills", "give known queue codes separated by ;")
        nums = {}
        for col, default in (("min_hours_week", 36.0), ("max_hours_week", 40.0)):
            try:
                nums[col] = float(r.get(col) or default)
                if not 0 <= nums[col] <= 80:
                    raise ValueError
            except ValueError:
                err(col, "a number of hours from 0 to 80")
        if len(nums) == 2 and nums["min_hours_week"] > nums["max_hours_week"]:
            err("max_hours_week", "smaller than min_hours_week")
        flags = {c: _bool(r.get(c, "")) for c in ("night_ok", "is_supervisor")}
        for c, v in flags.items():
            if v is None:
                err(c, "use yes/no, true/false or 1/0")
        try:
            hire = date.fromisoformat(r["hire_date"]) if r.get("hire_date") else date.today()
        except ValueError:
            err("hire_date", "a date as YYYY-MM-DD")
            hire = None
        kind = r.get("employment_type") or "full_time"
        if kind not in ("full_time", "part_time", "contractor"):
            err("employment_type", "full_time, part_time or contractor")
        taken_emp.add(emp)
        taken_user.add(username)
        parsed.append((r, emp, username, name, team, skills, nums, flags, hire, kind))
    if errors or dry_run:
        return ImportResult(0 if errors else len(parsed), tuple(errors))
    for r, emp, username, name, team, skills, nums, flags, hire, kind in parsed:
        roles = ["agent"] + (["supervisor"] if flags["is_supervisor"] else [])
        user = create_user(session, username=username, password=secrets.token_urlsafe(24), display_name=name,
                           roles=roles, email=r.get("email") or None)
        agent = Agent(user_id=user.id, employee_no=emp, team_id=team, employment_type=kind,
                      min_hours_week=nums["min_hours_week"], max_hours_week=nums["max_hours_week"],
                      night_ok=bool(flags["night_ok"]), is_supervisor=bool(flags["is_supervisor"]), hire_date=hire,
                      languages=(r.get("languages") or "")[:60])
        agent.skills = [AgentSkill(queue_id=queues[s], proficiency=3) for s in skills]
        session.add(agent)
    session.flush()
    return ImportResult(len(parsed), ())
