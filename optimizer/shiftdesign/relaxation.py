"""LP relaxation of the shift design model, and the integral start it rounds to.

Why an LP next to CP-SAT: with the event cuts of ``model`` the LP relaxation is close to
the optimum (within a few percent on the TU Wien sets), and its support (the candidate
shifts with a positive ``used`` value) points at the few dozen shifts worth considering out
of hundreds.  Fixing ``used`` to that support leaves a min-cost-flow problem (every worker
variable appears in one "start" and one "end" row of the difference formulation), whose LP
optimum is integral: a feasible schedule for free, used as the first hint.

GLOP solves the relaxation of the CP-SAT model itself (read from its proto), so there is
one model, not two.  The model must contain linear constraints only (it does).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Relaxation:
    """An LP solution: ``values[i]`` for CP-SAT variable index ``i``; ``objective`` in model units."""

    optimal: bool
    objective: float
    values: tuple[float, ...]


class LinearRelaxation:
    """GLOP copy of a CP-SAT model whose variable bounds can be changed and re-solved."""

    def __init__(self, model: cp_model.CpModel) -> None:
        proto = model.proto
        self._solver = pywraplp.Solver.CreateSolver("GLOP")
        if self._solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("GLOP linear solver is not available")
        inf = self._solver.infinity()
        # built once per solve, and for a head-count problem it is most of the solve's time:
        # hence the local bindings and unnamed variables
        num_var, new_row = self._solver.NumVar, self._solver.Constraint
        self._bounds = []
        for var in proto.variables:
            domain = list(var.domain)  # (the proto's repeated fields do not index from the end)
            self._bounds.append((float(domain[0]), float(domain[-1])))
        self._vars = [num_var(low, high, "") for low, high in self._bounds]
        variables = self._vars
        for number, constraint in enumerate(proto.constraints):
            if not constraint.has_linear() or len(constraint.enforcement_literal):
                raise ValueError(f"constraint {number} is not a plain linear constraint")
            linear = constraint.linear
            domain = list(linear.domain)
            low = -inf if domain[0] <= -_INT64_MAX else float(domain[0])
            high = inf if domain[-1] >= _INT64_MAX else float(domain[-1])
            set_coefficient = new_row(low, high).SetCoefficient
            for index, coeff in zip(linear.vars, linear.coeffs):
                set_coefficient(variables[index], float(coeff))
        objective = self._solver.Objective()
        for index, coeff in zip(proto.objective.vars, proto.objective.coeffs):
            objective.SetCoefficient(self._vars[index], float(coeff))
        objective.SetMinimization()
        self._offset = float(proto.objective.offset)

    def fix(self, index: int, value: float) -> None:
        self._vars[index].SetBounds(value, value)

    def release(self, index: int) -> None:
        """Undo ``fix``: back to the variable's bounds in the CP-SAT model."""
        low, high = self._bounds[index]
        self._vars[index].SetBounds(low, high)

    def solve(self, time_limit: float) -> Relaxation:
        self._solver.SetTimeLimit(max(1, int(time_limit * 1000)))
        status = self._solver.Solve()
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return Relaxation(False, float("nan"), ())
        return Relaxation(
            status == pywraplp.Solver.OPTIMAL,
            self._solver.Objective().Value() + self._offset,
            tuple(v.solution_value() for v in self._vars),
        )
