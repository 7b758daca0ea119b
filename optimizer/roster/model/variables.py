"""The variables container: every CP-SAT variable of a roster model, by name.

``x[a, d, s]`` is the one decision: agent index ``a`` works template ``s`` on day ``d``.
Everything else (worked day, night, group head counts, break counts, coverage) is
derived from it, so a hint, a pin or a repair only ever talks about ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.roster.model.timeline import Timeline
from optimizer.roster.problem import Problem


@dataclass
class SoftTerm:
    """One priced soft-rule violation: ``weight * var`` enters the objective; ``rule``,
    ``agent``, ``day`` and ``detail`` let the summary say what was violated."""

    rule: str
    weight: int
    var: cp_model.IntVar
    agent: str | None = None
    day: int | None = None
    detail: str = ""
    queue: str | None = None


@dataclass
class BreakUnit:
    """Agents of one profile sharing a template on a day.  Their head count ``n`` and
    their break starts ``b[r][k]`` (how many take break rule r at option k) are what
    coverage needs; which agent takes which break is decided after the solve."""

    profile: int
    d: int
    code: str
    agents: list[int]
    n: cp_model.LinearExprT
    b: list[list[cp_model.IntVar]] = field(default_factory=list)


@dataclass
class RosterVars:
    model: cp_model.CpModel
    problem: Problem
    timeline: Timeline
    x: dict[tuple[int, int, str], cp_model.IntVar]
    work: dict[tuple[int, int], cp_model.IntVar]
    night: dict[tuple[int, int], cp_model.LinearExprT]
    #: profile key (skills, supervisor) per profile index, and each agent's profile
    profiles: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    profile_of: list[int] = field(default_factory=list)
    units: list[BreakUnit] = field(default_factory=list)
    #: on-phone head count per (profile, interval)
    on_phone: dict[tuple[int, int], cp_model.LinearExprT] = field(default_factory=dict)
    #: coverage per (queue, interval)
    coverage: dict[tuple[str, int], cp_model.LinearExprT] = field(default_factory=dict)
    soft: list[SoftTerm] = field(default_factory=list)

    def add_soft(self, rule: str, weight: int, var: cp_model.IntVar, **info: object) -> None:
        if weight > 0:
            self.soft.append(SoftTerm(rule, weight, var, **info))  # type: ignore[arg-type]


def create_vars(problem: Problem, timeline: Timeline) -> RosterVars:
    """Create ``x``, the worked-day booleans and the night indicators."""
    m = cp_model.CpModel()
    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    work: dict[tuple[int, int], cp_model.IntVar] = {}
    night: dict[tuple[int, int], cp_model.LinearExprT] = {}
    for a, agent in enumerate(problem.agents):
        for d in range(problem.days):
            for t in problem.templates:
                x[a, d, t.code] = m.new_bool_var(f"x[{agent.id},{d},{t.code}]")
            w = m.new_bool_var(f"work[{agent.id},{d}]")
            # At most one shift per agent per day is structural: work is the sum.
            m.add(w == sum(x[a, d, t.code] for t in problem.templates))
            work[a, d] = w
            night[a, d] = sum(x[a, d, t.code] for t in problem.templates if t.is_night)
    rv = RosterVars(m, problem, timeline, x, work, night)
    keys: dict[tuple[tuple[str, ...], bool], int] = {}
    for agent in problem.agents:
        key = (tuple(sorted(agent.skills)), agent.supervisor)
        if key not in keys:
            keys[key] = len(keys)
            rv.profiles.append(key)
        rv.profile_of.append(keys[key])
    return rv
