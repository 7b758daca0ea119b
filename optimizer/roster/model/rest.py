"""Rest between shifts and rotation rules (what may follow what)."""

from __future__ import annotations

from datetime import timedelta

from optimizer.roster.model.variables import RosterVars

LOOKAHEAD_DAYS = 2  # a shift of at most 24 h cannot clash with one 3 days later under <= 24 h rest


def add_rest_and_rotation(rv: RosterVars) -> None:
    """Minimum rest between the end of a shift and the start of the next (working-time
    law: 11 h by default), shifts never overlap, and a template's ``forbidden_next``
    templates are not worked the next day.  Rest is measured between UTC instants, so a
    night that contains a clock change gets its true length.  Shifts of the previous
    roster constrain the first days of the horizon."""
    p, tl, m = rv.problem, rv.timeline, rv.model
    rest = timedelta(hours=p.rules.min_rest_hours or 0)
    lookahead = LOOKAHEAD_DAYS + int((p.rules.min_rest_hours or 0) // 24)
    conflicts: dict[tuple[int, str, int], list[str]] = {}
    for (d, code), slot in tl.slots.items():
        for k in range(1, lookahead + 1):
            if d + k >= p.days:
                break
            bad = []
            for t in p.templates:
                nxt = tl.slots[d + k, t.code]
                if nxt.start < slot.end + rest or (k == 1 and t.code in slot.template.forbidden_next):
                    bad.append(t.code)
            if bad:
                conflicts[d, code, k] = bad
    for a in range(len(p.agents)):
        for (d, code, k), bad in conflicts.items():
            m.add(rv.x[a, d, code] + sum(rv.x[a, d + k, c] for c in bad) <= 1)
    ids = {agent.id: i for i, agent in enumerate(p.agents)}
    for agent_id, shifts in tl.previous_by_agent().items():
        a = ids.get(agent_id)
        if a is None:
            continue
        for prev in shifts:
            _, end, _, _ = tl.carry_in(prev)
            follow = p.template(prev.shift_code).forbidden_next
            for (d, code), slot in tl.slots.items():
                if slot.start < end + rest or (
                    (p.start_date - prev.date).days == 1 and d == 0 and code in follow
                ):
                    m.add(rv.x[a, d, code] == 0)
