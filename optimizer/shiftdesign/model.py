"""CP-SAT model of the shift design problem.

Variables: ``workers[c][d]`` = employees starting candidate shift ``c`` on day ``d``
(integer), ``used[c]`` = candidate ``c`` is worked at least once (boolean), and per slot a
shortage and an excess (employees).  All of it in slots of the instance; the objective is
the README's, in its units (employee-minutes, a weight per distinct shift, duties term).

Formulation choices, each for speed:

* Coverage is posted as *differences*: coverage changes from slot t-1 to t only by the
  shifts starting at t minus those ending at t.  Each such row has a handful of terms
  (about 2 x lengths per start) instead of every shift overlapping t, which makes the LP
  relaxation CP-SAT builds far cheaper; one absolute row anchors the level.
* Domain bounds from demand: more employees on a shift than the largest demand inside it
  are over-staffing in every slot of the shift; removing one saves ``over * length``
  (420+ employee-minutes here) and costs nothing but a small change of the duties average,
  so ``workers[c][d] <= max demand over its slots``.
* ``used[c]`` is linked by ``workers[c][d] <= ub * used[c]`` and, because the objective
  pays for it, it is 0 whenever the candidate is idle.
* Event cuts (``_add_event_cuts``) make the LP relaxation count shifts; without them the
  big-M links above leave an LP bound near 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil

from ortools.sat.python import cp_model

from optimizer.shiftdesign.flexible import MINUTES_PER_DAY
from optimizer.shiftdesign.problem import ShiftDesignInstance

#: The duties-per-week term is a fraction; when its weight is non-zero the model's objective
#: is the README objective times this factor, with that one term estimated (see
#: ``_duties_penalty``; the scorer reports the exact value).
DUTIES_SCALE = 1000


@dataclass
class DesignVariables:
    """The decision variables, indexed like ``candidates`` and days."""

    candidates: list[tuple[int, int]]
    workers: list[list[cp_model.IntVar]]
    used: list[cp_model.IntVar]
    shortage: list[cp_model.IntVar]
    excess: list[cp_model.IntVar]
    objective_scale: int
    #: the duties-per-week estimate and the linear forms it bounds from above (none when
    #: its weight is 0): kept so that a hint can give it its value (``schedule_hint``)
    duties_penalty: cp_model.IntVar | None = None
    duties_forms: list[list[tuple[int, cp_model.IntVar]]] = field(default_factory=list)


def candidate_slots(instance: ShiftDesignInstance, start: int, length: int, day: int) -> list[int]:
    """Slots covered by a shift started on ``day`` (wrapped when cyclic, cut when not)."""
    slot = instance.slot_minutes
    first = (day * MINUTES_PER_DAY + start) // slot
    slots = range(first, first + length // slot)
    if instance.cyclic:
        return [t % instance.num_slots for t in slots]
    return [t for t in slots if t < instance.num_slots]


def _check_grid(instance: ShiftDesignInstance, candidates: list[tuple[int, int]]) -> None:
    slot = instance.slot_minutes
    for start, length in candidates:
        if start % slot or length % slot:
            raise ValueError(
                f"candidate shift {start // 60:02d}:{start % 60:02d}/{length} min is off the "
                f"{slot}-minute slot grid"
            )


def build_model(
    instance: ShiftDesignInstance, candidates: list[tuple[int, int]]
) -> tuple[cp_model.CpModel, DesignVariables]:
    """The model and its variables; the caller sets hints and parameters."""
    _check_grid(instance, candidates)
    model = cp_model.CpModel()
    demand = instance.requirements
    n_slots = instance.num_slots
    slot = instance.slot_minutes
    w = instance.weights

    workers: list[list[cp_model.IntVar]] = []
    upper: list[list[int]] = []
    used: list[cp_model.IntVar] = []
    starting_at: list[list[cp_model.IntVar]] = [[] for _ in range(n_slots)]
    ending_at: list[list[cp_model.IntVar]] = [[] for _ in range(n_slots)]
    covering_0: list[cp_model.IntVar] = []
    # Without a cost per distinct shift, "used" carries nothing: every candidate is open
    # (constant 1) and the event cuts are left out.  What remains is a min-cost flow whose
    # LP optimum is integral, so the LP alone solves the problem and proves it optimal.
    shifts_cost = w.per_shift > 0
    for c, (start, length) in enumerate(candidates):
        use = model.new_bool_var(f"used[{c}]") if shifts_cost else model.new_constant(1)
        row, row_ub = [], []
        for day in range(instance.days):
            covered = candidate_slots(instance, start, length, day)
            ub = max((demand[t] for t in covered), default=0)
            if instance.max_workers is not None:
                ub = min(ub, instance.max_workers)
            x = model.new_int_var(0, ub, f"workers[{c},{day}]")
            row.append(x)
            row_ub.append(ub)
            if ub == 0:
                continue
            if shifts_cost:
                model.add(x <= ub * use)
            first = (day * MINUTES_PER_DAY + start) // slot
            end = first + length // slot
            if first < n_slots:
                starting_at[first].append(x)
            if instance.cyclic:
                ending_at[end % n_slots].append(x)
            elif end < n_slots:
                ending_at[end].append(x)
            if 0 in covered:
                covering_0.append(x)
        workers.append(row)
        upper.append(row_ub)
        used.append(use)

    max_cover = sum(max(row, default=0) for row in upper)
    shortage = [model.new_int_var(0, demand[t], f"shortage[{t}]") for t in range(n_slots)]
    excess = [model.new_int_var(0, max(0, max_cover - demand[t]), f"excess[{t}]") for t in range(n_slots)]

    # level at slot 0, then changes slot by slot (see module docstring)
    model.add(sum(covering_0) - excess[0] + shortage[0] == demand[0])
    for t in range(1, n_slots):
        model.add(
            sum(starting_at[t])
            - sum(ending_at[t])
            - excess[t]
            + excess[t - 1]
            + shortage[t]
            - shortage[t - 1]
            == demand[t] - demand[t - 1]
        )

    if instance.max_cover is not None:
        # employees at work = demand - shortage + excess, at most the cap
        for t in range(n_slots):
            model.add(excess[t] - shortage[t] <= instance.max_cover - demand[t])

    if shifts_cost:
        _add_event_cuts(model, instance, candidates, used, shortage, excess)

    deviation = w.under * slot * sum(shortage) + w.over * slot * sum(excess)
    objective = deviation + w.per_shift * sum(used)
    v = DesignVariables(candidates, workers, used, shortage, excess, 1)
    if w.duties_per_week:
        v.objective_scale = DUTIES_SCALE
        v.duties_penalty, v.duties_forms = _duties_penalty(model, instance, candidates, workers, upper)
        objective = DUTIES_SCALE * objective + v.duties_penalty
    model.minimize(objective)
    return model, v


def schedule_hint(
    model: cp_model.CpModel,
    instance: ShiftDesignInstance,
    v: DesignVariables,
    counts: dict[tuple[int, int], tuple[int, ...]],
) -> None:
    """Hint ``model`` (built on ``v``) with a schedule: *every* variable, not just the workers.

    ``counts[(start, length)]`` = employees per day; candidates not in it are idle.  Why
    complete: with presolve off (``solve``) CP-SAT completes a partial hint by search, and
    with shortage, excess and the duties term left open that took 0.5-1 s per call on the
    15-minute TU Wien files (most of a one-second template-search slice) before it searched
    at all; with every variable hinted it starts from the schedule at once (measured on
    DataSet1/RandomExample14: a two-template sub-problem proved in 0.25 s instead of 3.4 s).
    """
    model.clear_hints()
    demand = instance.requirements
    cover = [0] * instance.num_slots
    values: dict[int, int] = {}
    for (start, length), row, use in zip(v.candidates, v.workers, v.used):
        row_counts = counts.get((start, length), (0,) * len(row))
        for day, (x, count) in enumerate(zip(row, row_counts)):
            values[x.index] = count
            model.add_hint(x, count)
            if count:
                for t in candidate_slots(instance, start, length, day):
                    cover[t] += count
        if instance.weights.per_shift:  # otherwise ``used`` is the constant 1
            model.add_hint(use, any(row_counts))
    for t, (short, over) in enumerate(zip(v.shortage, v.excess)):
        model.add_hint(short, max(0, demand[t] - cover[t]))
        model.add_hint(over, max(0, cover[t] - demand[t]))
    if v.duties_penalty is not None:
        form_values = (sum(coeff * values[x.index] for coeff, x in form) for form in v.duties_forms)
        model.add_hint(v.duties_penalty, max(0, *form_values))


def _add_event_cuts(
    model: cp_model.CpModel,
    instance: ShiftDesignInstance,
    candidates: list[tuple[int, int]],
    used: list[cp_model.IntVar],
    shortage: list[cp_model.IntVar],
    excess: list[cp_model.IntVar],
) -> None:
    """Valid inequalities that make the LP bound count shifts (the big-M links cannot).

    Where demand rises by ``r`` at slot t, either some shift starts at t, or the rise is
    absorbed by deviation: with no start at t, ``shortage[t] + excess[t-1] >= r``.  Hence
    ``r * (sum of used[c] for c starting at t's time of day) + shortage[t] + excess[t-1] >= r``.
    Symmetrically a fall by ``f`` needs a shift ending at t or ``excess[t] + shortage[t-1] >= f``.
    In the LP each rise now costs either a whole shift or the deviation that replaces it, so
    the bound approaches the number of distinct start (end) times the demand curve forces.
    """
    per_day = MINUTES_PER_DAY // instance.slot_minutes
    slot = instance.slot_minutes
    starting: dict[int, list[cp_model.IntVar]] = {}
    ending: dict[int, list[cp_model.IntVar]] = {}
    for (start, length), use in zip(candidates, used):
        starting.setdefault(start // slot % per_day, []).append(use)
        ending.setdefault((start + length) // slot % per_day, []).append(use)
    demand = instance.requirements
    n = instance.num_slots
    first = 0 if instance.cyclic else 1
    for t in range(first, n):
        prev = (t - 1) % n
        change = demand[t] - demand[prev]
        if change > 0:
            model.add(change * sum(starting.get(t % per_day, [])) + shortage[t] + excess[prev] >= change)
        elif change < 0:
            model.add(-change * sum(ending.get(t % per_day, [])) + excess[t] + shortage[prev] >= -change)


def _duties_penalty(
    model: cp_model.CpModel,
    instance: ShiftDesignInstance,
    candidates: list[tuple[int, int]],
    workers: list[list[cp_model.IntVar]],
    upper: list[list[int]],
) -> tuple[cp_model.IntVar, list[list[tuple[int, cp_model.IntVar]]]]:
    """An upper estimate of ``DUTIES_SCALE * weight * violation`` of the duties-per-week range.

    With ``avg = 60 * H * duties / work`` (see ``scoring``), ``avg > high`` reads
    ``60 * H * duties - high * work > 0`` and the violation is that numerator divided by
    ``work``.  Dividing by a variable is what CP-SAT handles worst (an exact
    ``add_division_equality`` made presolve alone outlast the time budget), so the model
    divides by the work the demand asks for (``sum(demand) * slot``) instead of the work the
    shifts contain.  The two differ only by excess minus shortage; the term is zero in every
    good solution (the generator planted its solutions inside the range); coefficients are
    rounded up, so the estimate never undercuts itself; and the reported objective always
    comes from the exact scorer.
    """
    factor = Fraction(DUTIES_SCALE * instance.weights.duties_per_week) / max(
        1, sum(instance.requirements) * instance.slot_minutes
    )
    hours60 = 60 * instance.hours_per_week
    penalty_ub = 0
    bounds = []
    for limit, sign in ((instance.duties_low, -1), (instance.duties_high, 1)):
        # sign * (60 H duties - limit * work) = sum over workers of sign * (60 H - limit * length)
        terms = []
        worst = 0
        for (_, length), row, row_ub in zip(candidates, workers, upper):
            coeff = ceil(factor * sign * (hours60 - limit * length))
            terms.extend((coeff, x) for x in row)
            worst += max(0, coeff) * sum(row_ub)
        bounds.append(terms)
        penalty_ub = max(penalty_ub, worst)
    penalty = model.new_int_var(0, penalty_ub, "duties_penalty")
    forms = [[(coeff, x) for coeff, x in terms if coeff] for terms in bounds]
    for form in forms:
        model.add(penalty >= sum(coeff * x for coeff, x in form))
    return penalty, forms
