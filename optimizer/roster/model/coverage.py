"""Who is on the phone when: breaks, off-phone activities, skills, supervisor, cover.

Agents with the same skills and supervisor flag (a *profile*) are interchangeable for
coverage, so the model counts them per (profile, day, template) instead of placing each
agent's breaks: ``n`` agents on the shift, ``b[r][k]`` of them take break rule ``r`` at
option ``k``.  This is exact (any counts can be handed out to the agents afterwards, see
``solve.assign_breaks``) and keeps the model small at contact-center size.  An agent with
a fixed activity on a day gets a unit of its own, so its break avoids the activity.

Multi-skill agents are allocated per interval to one of their queues with integer flow
variables ``y[profile, queue, t]`` (equivalent to a per-agent allocation, because agents
of a profile are interchangeable), so coverage is known per queue.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from ortools.sat.python import cp_model

from optimizer import timeutil
from optimizer.roster.model.variables import BreakUnit, RosterVars


def _activity_intervals(rv: RosterVars, start: datetime, end: datetime) -> list[int]:
    tl = rv.timeline
    return [i for i, t in enumerate(tl.grid) if t < end and t + tl.step > start]


def special_days(rv: RosterVars) -> dict[tuple[int, int], list[tuple[datetime, datetime]]]:
    """(agent, day) pairs whose possible shifts meet a fixed activity, with the blocks."""
    ids = {a.id: i for i, a in enumerate(rv.problem.agents)}
    out: dict[tuple[int, int], list[tuple[datetime, datetime]]] = defaultdict(list)
    for act in rv.problem.activities:
        for (d, _), slot in rv.timeline.slots.items():
            if slot.start < act.end and act.start < slot.end:
                blocks = out[ids[act.agent_id], d]
                if (act.start, act.end) not in blocks:
                    blocks.append((act.start, act.end))
    return out


def needs_units(rv: RosterVars) -> bool:
    p = rv.problem
    return bool(p.requirements or p.rules.supervisor_always_on_duty or p.activities)


def add_break_units(rv: RosterVars) -> None:
    """Every shift gets each of its breaks inside the allowed window; the break counts
    are chosen by the solver so that breaks are staggered where coverage needs it."""
    p, m, tl = rv.problem, rv.model, rv.timeline
    special = special_days(rv)
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for a in range(len(p.agents)):
        for d in range(p.days):
            if (a, d) not in special:
                groups[rv.profile_of[a], d].append(a)
    # Without queue coverage, only supervisors' breaks matter (and those of agents with
    # a fixed activity, whose break must avoid it): other units would be dead weight.
    wanted = set(range(len(rv.profiles))) if p.requirements else {
        g for g, (_, sup) in enumerate(rv.profiles) if sup and p.rules.supervisor_always_on_duty}
    todo: list[tuple[int, int, list[int], list[tuple[datetime, datetime]]]] = [
        (g, d, members, []) for (g, d), members in groups.items() if g in wanted
    ]
    todo += [(rv.profile_of[a], d, [a], blocks) for (a, d), blocks in special.items()]
    for g, d, members, blocks in todo:
        for t in p.templates:
            slot = tl.slots[d, t.code]
            if len(members) == 1:
                n = rv.x[members[0], d, t.code]
            else:
                n = m.new_int_var(0, len(members), f"n[{g},{d},{t.code}]")
                m.add(n == sum(rv.x[a, d, t.code] for a in members))
            unit = BreakUnit(g, d, t.code, members, n)
            for r, options in enumerate(slot.break_options):
                counts = []
                for off, _ in options:
                    bs = slot.start.timestamp() + off * 60
                    be = bs + t.breaks[r].length_minutes * 60
                    if any(bs < b_end.timestamp() and b_start.timestamp() < be for b_start, b_end in blocks):
                        counts.append(None)
                        continue
                    counts.append(m.new_int_var(0, len(members), f"brk[{g},{d},{t.code},{r},{off},{members[0] if blocks else '*'}]"))
                real = [c for c in counts if c is not None]
                m.add(sum(real) == n)
                unit.b.append(counts)  # type: ignore[arg-type]
            rv.units.append(unit)


def build_on_phone(rv: RosterVars) -> None:
    """On-phone head count per (profile, interval): agents on shift, minus those on a
    break, minus those in a fixed activity, plus previous-roster shifts running into the
    horizon."""
    tl = rv.timeline
    terms: dict[tuple[int, int], list[tuple[int, object]]] = defaultdict(list)
    const: dict[tuple[int, int], int] = defaultdict(int)
    for u in rv.units:
        slot = tl.slots[u.d, u.code]
        for i in slot.intervals:
            terms[u.profile, i].append((1, u.n))
        for r, counts in enumerate(u.b):
            for (off, cover), c in zip(slot.break_options[r], counts):
                if c is None:
                    continue
                for i in cover:
                    terms[u.profile, i].append((-1, c))
    ids = {a.id: i for i, a in enumerate(rv.problem.agents)}
    for act in rv.problem.activities:
        a = ids[act.agent_id]
        g = rv.profile_of[a]
        # Off the phone only while on the shift that hosts the block (always, while
        # fixed activities are hard; ``explain`` may relax the rule, and then an
        # agent without a host shift must not count as -1 on the phone).
        hosts = [rv.x[a, s.d, code] for (_, code), s in tl.slots.items()
                 if s.start <= act.start and act.end <= s.end]
        for i in _activity_intervals(rv, act.start, act.end):
            terms[g, i].extend((-1, h) for h in hosts)
    for agent_id, shifts in tl.previous_by_agent().items():
        if agent_id not in ids:
            continue
        g = rv.profile_of[ids[agent_id]]
        for prev in shifts:
            _, _, cover, on_break = tl.carry_in(prev)
            for i in cover:
                if i not in on_break:
                    const[g, i] += 1
    for key in set(terms) | set(const):
        lst = terms.get(key, [])
        expr = cp_model.LinearExpr.weighted_sum([v for _, v in lst], [c for c, _ in lst]) if lst else 0
        rv.on_phone[key] = expr + const.get(key, 0)


def unknown_first_night(rv: RosterVars) -> set[int]:
    """Grid indices exempt from the supervisor rule: intervals of the first day that no
    shift starting inside the horizon can span, when there is no history (no previous
    roster before the first day).  Only the night before the horizon could cover them,
    and nobody recorded who worked it; with a history that night is known (a day without
    a shift is a day off) and its shifts count as carry-in, so nothing is exempt."""
    tl = rv.timeline
    if tl.history_dates():
        return set()
    _, first_day_end = timeutil.local_day_bounds(rv.problem.start_date, rv.problem.timezone)
    spanned = {i for slot in tl.slots.values() for i in slot.intervals}
    return {i for i, t in enumerate(tl.grid) if t < first_day_end and i not in spanned}


def supervised_outside(rv: RosterVars) -> set[int]:
    """Grid indices a supervisor outside the problem attends for the whole interval
    (``Problem.supervised``: another team's supervisor in a roster of some teams)."""
    spans = rv.problem.supervised
    if not spans:
        return set()
    step = timedelta(minutes=rv.problem.interval_minutes)
    return {i for i, t in enumerate(rv.timeline.grid) if any(s <= t and t + step <= e for s, e in spans)}


def add_supervisor_on_duty(rv: RosterVars) -> None:
    """At least one supervisor on duty (on shift, not on a break, not in a meeting) in
    every interval, 24/7: the bank's service desk is never unattended.  Exempt:
    ``unknown_first_night`` (a first roster cannot staff the night before it starts) and
    the intervals a supervisor outside the problem attends (``supervised_outside``)."""
    if not rv.problem.rules.supervisor_always_on_duty:
        return
    sup = [g for g, (_, is_sup) in enumerate(rv.profiles) if is_sup]
    exempt = unknown_first_night(rv) | supervised_outside(rv)
    for i in range(len(rv.timeline.grid)):
        if i in exempt:
            continue
        exprs = [rv.on_phone[g, i] for g in sup if (g, i) in rv.on_phone]
        rv.model.add(sum(exprs) >= 1)


def add_queue_coverage(rv: RosterVars) -> None:
    """Skills: an agent covers only queues it is skilled for; a multi-skill profile's
    on-phone agents are split among its queues by ``y``.  Shortfall against
    ``agents_scheduled`` is priced by queue impact, deeper shortfall more; surplus a little."""
    p, m, w = rv.problem, rv.model, rv.problem.weights
    queues = p.queues
    if not queues:
        return
    req = rv.timeline.required()
    contrib: dict[tuple[str, int], list] = defaultdict(list)
    for g, (skills, _) in enumerate(rv.profiles):
        qs = [q for q in skills if q in queues]
        if not qs:
            continue
        size = sum(1 for a in range(len(p.agents)) if rv.profile_of[a] == g)
        for i in range(len(rv.timeline.grid)):
            expr = rv.on_phone.get((g, i))
            if expr is None or isinstance(expr, int):
                continue
            if len(qs) == 1:
                contrib[qs[0], i].append(expr)
                continue
            ys = [m.new_int_var(0, size, f"y[{g},{q},{i}]") for q in qs]
            m.add(sum(ys) == expr)
            for q, y in zip(qs, ys):
                contrib[q, i].append(y)
    for q in queues:
        qw = w.queue_weight(q)
        for i in range(len(rv.timeline.grid)):
            cov = sum(contrib.get((q, i), []))
            rv.coverage[q, i] = cov
            need = req.get((q, i), 0)
            if need > 0:
                under = m.new_int_var(0, need, f"under[{q},{i}]")
                m.add(cov + under >= need)
                rv.add_soft("under_coverage", w.under_coverage * qw, under, queue=q, detail=str(i))
                keep = int(need * w.deep_shortfall_share)
                if w.deep_shortfall and need - keep > 0:
                    deep = m.new_int_var(0, need - keep, f"deep[{q},{i}]")
                    m.add(deep >= under - keep)
                    rv.add_soft("deep_shortfall", w.deep_shortfall * qw, deep, queue=q, detail=str(i))
            if w.over_coverage and contrib.get((q, i)):
                over = m.new_int_var(0, len(p.agents), f"over[{q},{i}]")
                m.add(over >= cov - need)
                rv.add_soft("over_coverage", w.over_coverage, over, queue=q, detail=str(i))


def add_shift_demands(rv: RosterVars) -> None:
    """Head count per (date, template) with its own under/over weights (nurse-rostering
    cover; also fixed desks or back-office teams)."""
    days = {day: d for d, day in enumerate(rv.timeline.dates)}
    n_agents = len(rv.problem.agents)
    for dem in rv.problem.shift_demands:
        d = days.get(dem.date)
        if d is None:
            continue
        count = sum(rv.x[a, d, dem.shift_code] for a in range(n_agents))
        if dem.weight_under:
            u = rv.model.new_int_var(0, dem.required, f"cover_under[{d},{dem.shift_code}]")
            rv.model.add(count + u >= dem.required)
            rv.add_soft("shift_cover_under", dem.weight_under, u, day=d, detail=dem.shift_code)
        if dem.weight_over:
            o = rv.model.new_int_var(0, n_agents, f"cover_over[{d},{dem.shift_code}]")
            rv.model.add(o >= count - dem.required)
            rv.add_soft("shift_cover_over", dem.weight_over, o, day=d, detail=dem.shift_code)
