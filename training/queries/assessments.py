"""What an agent's browser receives for an attempt.

``paper`` builds plain dicts holding question texts and choice ids and texts, and
nothing else: templates get no ORM object that could reach ``Choice.correct``, so a
careless template cannot leak a key.  ``review`` (after submission) adds the keys and
explanations.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from training.models import Attempt, AttemptStatus, Question


def _questions(session: Session, attempt: Attempt) -> list[Question]:
    by_id = {q.id: q for q in session.scalars(sa.select(Question).where(Question.id.in_(attempt.question_ids)))}
    return [by_id[i] for i in attempt.question_ids if i in by_id]


def paper(session: Session, attempt: Attempt) -> list[dict[str, Any]]:
    saved = {a.question_id: a for a in attempt.answers}
    out = []
    for n, q in enumerate(_questions(session, attempt), start=1):
        ans = saved.get(q.id)
        out.append({
            "number": n,
            "id": q.id,
            "kind": q.kind,
            "text": q.text,
            "points": q.points,
            "choices": [{"id": c.id, "text": c.text} for c in q.choices],
            "chosen": list(ans.choice_ids) if ans else [],
            "answer_text": ans.text if ans else "",
        })
    return out


def review(session: Session, attempt: Attempt) -> list[dict[str, Any]]:
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise ValueError("no review before submission")
    saved = {a.question_id: a for a in attempt.answers}
    out = []
    for n, q in enumerate(_questions(session, attempt), start=1):
        ans = saved.get(q.id)
        out.append({
            "number": n, "id": q.id, "kind": q.kind, "text": q.text, "points": q.points,
            "explanation": q.explanation,
            "choices": [{"id": c.id, "text": c.text, "correct": c.correct} for c in q.choices],
            "chosen": list(ans.choice_ids) if ans else [],
            "answer_text": ans.text if ans else "",
            "answer_id": ans.id if ans else None,
            "awarded": ans.points_awarded if ans else None,
            "comment": ans.grader_comment if ans else "",
        })
    return out
