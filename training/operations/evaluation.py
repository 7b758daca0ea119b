"""Level 1 (reaction survey) and levels 3-4 (quality figures imported from CSV/XLSX)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from optimizer.forecast.history import ImportProblem
from scheduler.errors import Conflict, NotFound, PermissionDenied, ValidationError
from scheduler.models import Agent
from training.models import Enrolment, QualityFigure, SessionStatus, SurveyResponse, TrainingSession


@dataclass(frozen=True)
class SurveyData:
    satisfaction: int
    relevance: int
    trainer_rating: int
    comment: str = ""


def submit_survey(session: Session, session_id: int, agent_id: int, data: SurveyData, now: datetime) -> SurveyResponse:
    ts = session.get(TrainingSession, session_id)
    if ts is None or ts.status != SessionStatus.PLANNED:
        raise NotFound("session not found", field="session")
    enrolled = session.scalar(sa.select(Enrolment.id).where(Enrolment.session_id == ts.id, Enrolment.agent_id == agent_id))
    if not enrolled:
        raise PermissionDenied("you were not enrolled in this session", field="session")
    if now < ts.start_at:
        raise Conflict("the survey opens when the session has started", field="session")
    for name in ("satisfaction", "relevance", "trainer_rating"):
        if getattr(data, name) not in (1, 2, 3, 4, 5):
            raise ValidationError("choose 1 to 5", field=name)
    if session.scalar(sa.select(SurveyResponse.id).where(SurveyResponse.session_id == ts.id, SurveyResponse.agent_id == agent_id)):
        raise Conflict("you already answered this survey", field="session")
    resp = SurveyResponse(session_id=ts.id, agent_id=agent_id, satisfaction=data.satisfaction, relevance=data.relevance,
                          trainer_rating=data.trainer_rating, comment=data.comment.strip()[:2000], submitted_at=now)
    session.add(resp)
    session.flush()
    return resp


QUALITY_COLUMNS = ("employee_no", "week", "qa_score", "csat", "fcr")


class QualityImportError(ValueError):
    """The file was rejected; nothing was written.  ``problems`` lists every problem."""

    def __init__(self, source: str, problems: list[ImportProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class QualityImportResult:
    created: int = 0
    updated: int = 0
    rows: int = 0
    weeks: list[date] = field(default_factory=list)


def _read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a non-workbook
            raise QualityImportError(filename, [ImportProblem(None, None, f"cannot read workbook: {exc}")]) from None
        rows = list(wb.active.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip().lower() for h in rows[0]]
        return [{header[i]: ("" if v is None else (v.date().isoformat() if isinstance(v, datetime) else str(v)))
                 for i, v in enumerate(r) if i < len(header)} for r in rows[1:]]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QualityImportError(filename, [ImportProblem(None, None, "the file is not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text))
    reader.fieldnames = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    return [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]


def _percent(raw: str, row: int, col: str, problems: list[ImportProblem]) -> float | None:
    if raw == "":
        return None
    try:
        v = float(raw.rstrip("%"))
    except ValueError:
        problems.append(ImportProblem(row, col, f"not a number: {raw[:30]!r}"))
        return None
    if not 0.0 <= v <= 100.0:
        problems.append(ImportProblem(row, col, "must be between 0 and 100"))
        return None
    return v


def import_quality(session: Session, filename: str, content: bytes) -> QualityImportResult:
    """Import weekly figures (``employee_no, week, qa_score, csat, fcr``; week = any date of
    the week, stored as its Monday).  Every problem is reported with its row and column and
    nothing is written unless the whole file is valid; re-importing a week updates it."""
    rows = _read_rows(filename, content)
    problems: list[ImportProblem] = []
    if not rows:
        raise QualityImportError(filename, [ImportProblem(None, None, "no data rows")])
    missing = [c for c in ("employee_no", "week") if c not in rows[0]]
    if missing:
        raise QualityImportError(filename, [ImportProblem(1, c, "required column is missing") for c in missing])
    agents = dict(session.execute(sa.select(Agent.employee_no, Agent.id)).all())
    parsed: dict[tuple[int, date], tuple[float | None, float | None, float | None]] = {}
    for n, r in enumerate(rows, start=2):
        emp = r.get("employee_no", "")
        agent_id = agents.get(emp)
        if agent_id is None:
            problems.append(ImportProblem(n, "employee_no", f"unknown employee number {emp[:30]!r}"))
        try:
            day = date.fromisoformat(r.get("week", "")[:10])
        except ValueError:
            problems.append(ImportProblem(n, "week", "expected a date YYYY-MM-DD"))
            day = None
        values = tuple(_percent(r.get(c, ""), n, c, problems) for c in ("qa_score", "csat", "fcr"))
        if all(v is None for v in values) and not any(p.row == n for p in problems):
            problems.append(ImportProblem(n, None, "no figure given (qa_score, csat or fcr)"))
        if agent_id is not None and day is not None:
            monday = date.fromordinal(day.toordinal() - day.weekday())
            if (agent_id, monday) in parsed:
                problems.append(ImportProblem(n, "week", "duplicate employee and week"))
            parsed[(agent_id, monday)] = values  # type: ignore[assignment]
    if problems:
        raise QualityImportError(filename, problems)
    result = QualityImportResult(rows=len(rows))
    existing = {(f.agent_id, f.week_start): f for f in session.scalars(sa.select(QualityFigure).where(
        QualityFigure.week_start.in_({w for _, w in parsed})))}
    for (agent_id, week), (qa, csat, fcr) in parsed.items():
        fig = existing.get((agent_id, week))
        if fig is None:
            session.add(QualityFigure(agent_id=agent_id, week_start=week, qa_score=qa, csat=csat, fcr=fcr))
            result.created += 1
        else:
            fig.qa_score, fig.csat, fig.fcr = qa, csat, fcr
            result.updated += 1
    result.weeks = sorted({w for _, w in parsed})
    session.flush()
    return result
