"""Demo training data for the demo bank contact center.

A realistic catalogue: onboarding, product knowledge (cards, loans, wealth),
communication, service attitude, and the compliance trio every bank regulator asks about
(consumer protection / fair treatment, anti-money laundering, data privacy), each with a
question bank; plans for new hires and the annual compliance refresh; a year of completed
attempts (simulated from each agent's ability, so the item analysis has something to
say), certifications of which some expire soon and some have lapsed, past sessions with
reaction surveys, and weekly quality figures around the courses.

Deterministic for a seed and a ``today``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.models import Agent, User, UserRole
from training.models import (
    Assignment, Attempt, AttemptAnswer, AttemptStatus, Certification, Choice, Course, Enrolment, PlanItem,
    QualityFigure, Question, SurveyResponse, TrainingPlan, TrainingSession,
)
from training.pure.dates import certification_expiry

UTC = timezone.utc

# (code, title, category, type, delivery, minutes, mandatory, validity months, per attempt, pass mark)
COURSES = [
    ("ONB-101", "Welcome to the contact center: systems and call flow", "systems", "onboarding", "classroom", 240, False, None, 5, 0.7),
    ("ONB-102", "Bank products essentials for new hires", "products", "onboarding", "classroom", 240, False, None, 5, 0.7),
    ("PRD-CARD", "Credit cards: fees, disputes and chargebacks", "products", "on_the_job", "virtual", 120, False, None, 5, 0.8),
    ("PRD-LOAN", "Personal loans and mortgages: eligibility and disclosures", "products", "on_the_job", "classroom", 120, False, None, 5, 0.8),
    ("PRD-WLTH", "Wealth products: funds, suitability and risk profiling", "products", "targeted", "classroom", 180, False, 24, 5, 0.8),
    ("COM-EMP", "Empathy and de-escalation on difficult calls", "communication", "on_the_job", "virtual", 90, False, None, 4, 0.75),
    ("SRV-ATT", "Service attitude: ownership and first-contact resolution", "service", "on_the_job", "elearning", 60, False, None, 4, 0.75),
    ("CMP-CP", "Consumer protection and fair treatment of customers", "compliance", "on_the_job", "elearning", 60, True, 12, 5, 0.8),
    ("CMP-AML", "Anti-money laundering and counter-terrorist financing", "compliance", "on_the_job", "elearning", 90, True, 12, 5, 0.8),
    ("CMP-PRIV", "Personal data protection and customer privacy", "compliance", "on_the_job", "elearning", 60, True, 12, 5, 0.8),
]

# kind, text, choices [(text, correct)] (true/false: [("true"|"false", correct)]), explanation
QUESTIONS: dict[str, list[tuple]] = {
    "CMP-AML": [
        ("true_false", "A customer who repeatedly deposits cash just under the reporting threshold may be structuring.", True,
         "Splitting deposits to avoid the threshold report is a classic red flag."),
        ("true_false", "You should tell a customer that you are filing a suspicious transaction report about them.", False,
         "Tipping-off is an offence; never disclose a report."),
        ("single", "Who decides whether a suspicious transaction report is filed?",
         [("The AML compliance officer", True), ("The agent who took the call", False), ("The customer's branch manager", False)],
         "Agents escalate internally; the compliance officer files."),
        ("multiple", "Which of these are red flags on a call?",
         [("Third party gives instructions on the account", True), ("Customer asks how to avoid reports", True),
          ("Customer asks for the branch opening hours", False), ("Sudden large transfers to high-risk jurisdictions", True)], ""),
        ("single", "Customer due diligence must be refreshed when...",
         [("The customer's risk profile changes", True), ("The customer changes their password", False), ("Every call", False)], ""),
        ("true_false", "Politically exposed persons need enhanced due diligence.", True, ""),
        ("short_text", "A caller wants to send a large transfer for a friend he met online and sounds pressured. What do you do?", None,
         "Look for scam and mule indicators, slow down, escalate to fraud/AML."),
    ],
    "CMP-CP": [
        ("true_false", "Fees and charges must be disclosed before the customer agrees to a product.", True, ""),
        ("single", "A customer in financial difficulty asks for help with card repayments. The first step is to...",
         [("Refer them to the hardship / debt-relief process", True), ("Offer a balance transfer card", False), ("End the call", False)], ""),
        ("multiple", "Which practices breach fair treatment?",
         [("Pressuring an elderly customer to buy an investment", True), ("Explaining cancellation rights", False),
          ("Hiding an early-repayment fee", True), ("Recording a complaint", False)], ""),
        ("true_false", "A complaint must be logged even if the agent thinks it is unjustified.", True, ""),
        ("single", "The cooling-off period lets the customer...",
         [("Cancel without penalty within a set time", True), ("Delay the first repayment", False), ("Skip identity checks", False)], ""),
        ("true_false", "Cross-selling is allowed when the product is suitable and the customer agrees.", True, ""),
    ],
    "CMP-PRIV": [
        ("true_false", "You may confirm a customer's balance to their spouse if the spouse knows the account number.", False,
         "Only the customer or an authorised third party, after verification."),
        ("single", "Before discussing an account, you must...",
         [("Verify the caller's identity", True), ("Ask for their mother's maiden name only", False), ("Send an SMS", False)], ""),
        ("multiple", "Which are personal data?",
         [("National ID number", True), ("Mobile number", True), ("The bank's hotline number", False), ("Transaction history", True)], ""),
        ("true_false", "Customer data may be copied to a personal USB stick to work from home.", False, ""),
        ("single", "You sent a statement to the wrong e-mail address. You...",
         [("Report the breach to the data protection officer at once", True), ("Ask the recipient to delete it and forget it", False),
          ("Do nothing if the amount is small", False)], ""),
        ("true_false", "Call recordings are personal data.", True, ""),
    ],
    "PRD-CARD": [
        ("single", "A cardholder disputes a transaction they did not make. You...",
         [("Block the card and open a dispute", True), ("Tell them to call the merchant", False), ("Waive the annual fee", False)], ""),
        ("true_false", "Interest is charged on purchases when the statement balance is paid in full by the due date.", False, ""),
        ("multiple", "Which information does a chargeback request need?",
         [("Transaction date and amount", True), ("Merchant name", True), ("Customer's salary", False)], ""),
        ("true_false", "The minimum payment clears the whole balance.", False, ""),
        ("single", "A lost card is reported at 02:00. The customer should call...",
         [("The 24/7 fraud and lost-card hotline", True), ("Their branch at 09:00", False), ("Nobody", False)], ""),
    ],
    "COM-EMP": [
        ("single", "An angry caller shouts about a fee. Your first move is to...",
         [("Acknowledge the frustration and listen", True), ("Quote the fee policy", False), ("Transfer the call", False)], ""),
        ("true_false", "Using the customer's name helps build rapport.", True, ""),
        ("multiple", "Which phrases de-escalate?",
         [("I understand why that is frustrating", True), ("Calm down", False), ("Let me see what I can do right now", True)], ""),
        ("true_false", "Silence while you check a system should be explained to the caller.", True, ""),
    ],
    "SRV-ATT": [
        ("true_false", "Owning a problem means following up even after transferring it.", True, ""),
        ("single", "First-contact resolution improves most when agents...",
         [("Resolve the root need on the first call", True), ("Keep calls short at any cost", False), ("Avoid callbacks", False)], ""),
        ("true_false", "Promising a callback time you cannot keep is acceptable if the customer is calm.", False, ""),
        ("single", "A customer's issue needs another department. You...",
         [("Do a warm transfer and summarise the case", True), ("Give them the department's number", False), ("Ask them to e-mail", False)], ""),
    ],
}


def _generic_questions(title: str) -> list[tuple]:
    return [
        ("true_false", f"{title}: the procedure manual is the reference when in doubt.", True, ""),
        ("single", f"{title}: who do you ask when a case is not covered?",
         [("Your team lead or the knowledge base", True), ("The customer", False), ("Nobody", False)], ""),
        ("true_false", f"{title}: notes on the customer record are optional.", False, ""),
        ("single", f"{title}: a customer asks for something outside policy. You...",
         [("Explain the policy and offer alternatives", True), ("Make an exception quietly", False), ("End the call", False)], ""),
        ("true_false", f"{title}: every call must be wrapped up with the right disposition code.", True, ""),
    ]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def load(session: Session, *, seed: int = 7, today: date | None = None,
         progress: Callable[[str], None] = lambda _m: None) -> str:
    """Create the training demo on top of the demo center (caller commits)."""
    rng = np.random.default_rng(seed + 101)
    today = today or datetime.now(UTC).date()
    trainer = session.scalar(sa.select(User).join(UserRole).where(UserRole.role == "trainer").order_by(User.id))
    agents = list(session.scalars(sa.select(Agent).where(Agent.active).order_by(Agent.id)))
    if not agents:
        return "no agents: training demo skipped"

    progress("training courses and question banks")
    courses: dict[str, Course] = {}
    for code, title, cat, typ, delivery, minutes, mandatory, validity, per_attempt, pass_mark in COURSES:
        c = Course(code=code, title=title, category=cat, course_type=typ, delivery=delivery, duration_minutes=minutes,
                   mandatory=mandatory, validity_months=validity, questions_per_attempt=per_attempt, pass_mark=pass_mark,
                   max_attempts=3, time_limit_minutes=20 if mandatory else 30, owner_id=trainer.id if trainer else None,
                   description=f"{title}.")
        for kind, text, spec, explanation in QUESTIONS.get(code, _generic_questions(title)):
            q = Question(kind=kind, text=text, points=2.0 if kind == "short_text" else 1.0, explanation=explanation)
            if kind == "true_false":
                q.choices = [Choice(position=0, text="true", correct=bool(spec)), Choice(position=1, text="false", correct=not spec)]
            elif kind in ("single", "multiple"):
                q.choices = [Choice(position=i, text=t, correct=ok) for i, (t, ok) in enumerate(spec)]
            c.questions.append(q)
        session.add(c)
        courses[code] = c
    session.flush()
    courses["PRD-WLTH"].prerequisites = [courses["ONB-102"]]

    progress("training plans and assignments")
    onboarding = TrainingPlan(name="New-hire onboarding", audience="cohort", created_by_id=trainer.id if trainer else None,
                              description="First four weeks: systems, products, communication, then the compliance trio.")
    onboarding.items = [PlanItem(course_id=courses[c].id, position=i, offset_days=d) for i, (c, d) in enumerate(
        [("ONB-101", 3), ("ONB-102", 7), ("COM-EMP", 14), ("CMP-CP", 21), ("CMP-AML", 21), ("CMP-PRIV", 21)])]
    refresh = TrainingPlan(name="Annual compliance refresh", audience="team", created_by_id=trainer.id if trainer else None,
                           description="Mandatory yearly renewal of the regulatory certifications.")
    refresh.items = [PlanItem(course_id=courses[c].id, position=i, offset_days=30) for i, c in enumerate(["CMP-CP", "CMP-AML", "CMP-PRIV"])]
    cards = TrainingPlan(name="Cards product update", audience="skill", created_by_id=trainer.id if trainer else None,
                         description="New dispute rules for card agents.")
    cards.items = [PlanItem(course_id=courses["PRD-CARD"].id, position=0, offset_days=21)]
    session.add_all([onboarding, refresh, cards])
    session.flush()

    ability = {a.id: float(rng.normal(0.6, 1.0)) for a in agents}
    difficulty = {q.id: float(rng.normal(-0.6, 0.9)) for c in courses.values() for q in c.questions}
    counts = {"attempts": 0, "certs": 0}

    def attempt(agent: Agent, course: Course, when: datetime, number: int) -> Attempt:
        pool = [q for q in course.questions]
        drawn = [pool[i] for i in rng.choice(len(pool), size=min(course.questions_per_attempt, len(pool)), replace=False)]
        att = Attempt(course_id=course.id, agent_id=agent.id, number=number, started_at=when,
                      deadline_at=when + timedelta(minutes=course.time_limit_minutes),
                      submitted_at=when + timedelta(minutes=int(rng.integers(6, course.time_limit_minutes))),
                      question_ids=[q.id for q in drawn], status=AttemptStatus.GRADED)
        earned = possible = 0.0
        for q in drawn:
            p_right = 1.0 / (1.0 + np.exp(-(ability[agent.id] - difficulty[q.id]) * 1.4))
            right = bool(rng.random() < p_right)
            if q.kind == "short_text":
                pts = q.points * (1.0 if right else float(rng.choice([0.0, 0.5])))
                ans = AttemptAnswer(question_id=q.id, choice_ids=[], text="I would slow down, check the indicators and escalate.",
                                    points_awarded=pts, max_points=q.points, grader_comment="")
            else:
                key = [c.id for c in q.choices if c.correct]
                wrong = [c.id for c in q.choices if not c.correct] or key
                chosen = key if right else [int(rng.choice(wrong))]
                ans = AttemptAnswer(question_id=q.id, choice_ids=chosen, text="", points_awarded=q.points if right else 0.0,
                                    max_points=q.points)
            att.answers.append(ans)
            earned += ans.points_awarded or 0.0
            possible += q.points
        att.score = earned / possible if possible else 0.0
        att.passed = att.score + 1e-9 >= course.pass_mark
        att.graded_at = att.submitted_at
        att.graded_by_id = trainer.id if trainer else None
        session.add(att)
        counts["attempts"] += 1
        return att

    def certify(agent: Agent, course: Course, when: datetime, att: Attempt) -> None:
        session.add(Certification(agent_id=agent.id, course_id=course.id, attempt_id=att.id, granted_at=when,
                                  expires_on=certification_expiry(when.date(), course.validity_months)))
        counts["certs"] += 1

    progress("a year of assessment results and certifications")
    for agent in agents:
        # compliance: most agents certified at some point in the last 14 months
        for code in ("CMP-CP", "CMP-AML", "CMP-PRIV"):
            if rng.random() < 0.12:
                continue  # never certified: missing
            course = courses[code]
            days_ago = int(rng.integers(5, 420))
            when = _at(today - timedelta(days=days_ago), int(rng.integers(1, 9)))
            for n in (1, 2, 3):
                att = attempt(agent, course, when + timedelta(days=2 * (n - 1)), n)
                session.flush()
                if att.passed:
                    certify(agent, course, att.submitted_at, att)
                    break
        for code, share in (("PRD-CARD", 0.45), ("COM-EMP", 0.35), ("SRV-ATT", 0.3), ("PRD-LOAN", 0.2)):
            if rng.random() < share:
                course = courses[code]
                att = attempt(agent, course, _at(today - timedelta(days=int(rng.integers(10, 200))), 3), 1)
                session.flush()
                if att.passed:
                    certify(agent, course, att.submitted_at, att)
    session.flush()

    # assignments: the annual refresh for the first two teams, due in three weeks
    for agent in agents:
        if agent.team_id in {a.team_id for a in agents[:1]}:
            for item in refresh.items:
                session.add(Assignment(agent_id=agent.id, course_id=item.course_id, plan_id=refresh.id, position=item.position,
                                       audience_label="team", due_date=today + timedelta(days=21),
                                       assigned_by_id=trainer.id if trainer else None,
                                       assigned_at=_at(today - timedelta(days=9), 2)))
    newest = sorted(agents, key=lambda a: a.hire_date)[-6:]
    for agent in newest:
        for item in onboarding.items:
            due = today + timedelta(days=item.offset_days - 10)
            session.add(Assignment(agent_id=agent.id, course_id=item.course_id, plan_id=onboarding.id, position=item.position,
                                   audience_label="cohort", due_date=due, assigned_by_id=trainer.id if trainer else None,
                                   assigned_at=_at(today - timedelta(days=10), 2)))
    session.flush()
    # assignments whose course the agent already holds are complete
    held = {(c.agent_id, c.course_id) for c in session.scalars(sa.select(Certification))}
    for asg in session.scalars(sa.select(Assignment)):
        if (asg.agent_id, asg.course_id) in held:
            asg.completed_at = asg.assigned_at + timedelta(days=int(rng.integers(1, 8)))

    progress("past sessions, reaction surveys, weekly quality figures")
    n_sessions = 0
    for k, code in enumerate(("COM-EMP", "PRD-CARD", "SRV-ATT")):
        course = courses[code]
        day = today - timedelta(days=30 + 14 * k)
        ts = TrainingSession(course_id=course.id, start_at=_at(day, 2), end_at=_at(day, 2) + timedelta(minutes=course.duration_minutes),
                             delivery="virtual" if course.delivery == "virtual" else "classroom", capacity=12,
                             location="Training room 3F" if course.delivery != "virtual" else "Teams",
                             trainer_id=trainer.id if trainer else None)
        session.add(ts)
        session.flush()
        for agent in [agents[i] for i in rng.choice(len(agents), size=min(10, len(agents)), replace=False)]:
            session.add(Enrolment(session_id=ts.id, agent_id=agent.id, attended=True))
            if rng.random() < 0.8:
                session.add(SurveyResponse(session_id=ts.id, agent_id=agent.id, satisfaction=int(rng.integers(3, 6)),
                                           relevance=int(rng.integers(3, 6)), trainer_rating=int(rng.integers(3, 6)),
                                           comment=str(rng.choice(["Useful role plays.", "More real call examples please.", "", ""])),
                                           submitted_at=ts.end_at + timedelta(hours=1)))
        n_sessions += 1

    monday = today - timedelta(days=today.weekday())
    rows = []
    for agent in agents:
        base = float(rng.normal(82, 6))
        for w in range(16, 0, -1):
            week = monday - timedelta(weeks=w)
            lift = 3.0 if w < 8 else 0.0  # the communication programme eight weeks ago
            rows.append(dict(agent_id=agent.id, week_start=week,
                             qa_score=round(min(100.0, max(40.0, base + lift + float(rng.normal(0, 3)))), 1),
                             csat=round(min(100.0, max(40.0, base + 4 + lift + float(rng.normal(0, 4)))), 1),
                             fcr=round(min(100.0, max(30.0, base - 12 + lift + float(rng.normal(0, 5)))), 1)))
    session.execute(sa.insert(QualityFigure), rows)
    session.flush()
    return (f"{len(courses)} courses, 3 plans, {counts['attempts']} attempts, {counts['certs']} certifications, "
            f"{n_sessions} past sessions, {len(rows)} weekly quality rows")
