"""``wfm roster``: solve a scenario folder, validate a roster, bound its under-coverage, solve a benchmark instance."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from optimizer.progress import CancelToken, LinePrinter


@click.group("roster")
def roster_group() -> None:
    """Build and check 24/7 shift rosters (OR-Tools CP-SAT)."""


def _load(scenario: Path):  # noqa: ANN202 - returns a Problem
    from optimizer.roster.scenario import ScenarioError, read_scenario

    try:
        return read_scenario(scenario)
    except ScenarioError as exc:
        for issue in exc.issues:
            click.echo(f"error: {issue}", err=True)
        raise SystemExit(2) from None


def _rows(roster: Path):  # noqa: ANN202 - returns RosterRows
    """roster.csv's rows, or exit 2 naming what is wrong."""
    from optimizer.roster.scenario import ScenarioError, read_roster_rows

    try:
        return read_roster_rows(roster)
    except (ScenarioError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


@roster_group.command("solve")
@click.option("--scenario", "scenario", required=True, type=click.Path(path_type=Path), help="scenario folder")
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(min=0.1), help="seconds")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="output folder")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--strategy", default="auto", show_default=True, type=click.Choice(["auto", "cp-sat", "lns", "decompose"]))
def solve_cmd(scenario: Path, time_limit: float, out: Path, workers: int, seed: int, strategy: str) -> None:
    """Solve a scenario; write roster.csv, coverage.csv and summary.json to OUT."""
    from optimizer.roster.scenario import roster_rows, summary_dict, write_outputs
    from optimizer.roster.solve import solve
    from optimizer.roster.validator import validate

    problem = _load(scenario)
    token = CancelToken()
    try:
        result = solve(problem, time_limit=time_limit, num_workers=workers, seed=seed,
                       progress=LinePrinter(sys.stderr), cancel=token, strategy=strategy)
    except KeyboardInterrupt:  # pragma: no cover - interactive
        token.cancel()
        raise
    write_outputs(out, problem, result)
    summary = summary_dict(problem, result)
    click.echo(f"status {result.status}  objective {summary['objective']}  bound {summary['best_bound']}  "
               f"time {summary['solve_seconds']}s  shifts {summary['shifts']}")
    for line in result.explanation:
        click.echo(f"  {line}")
    if result.feasible:
        violations = validate(problem, roster_rows(result, problem.timezone))
        click.echo("validator: valid" if not violations else f"validator: {len(violations)} violations")
        for q, m in sorted(result.under_minutes().items()):
            click.echo(f"  {q}: under {m} agent-minutes, over {result.over_minutes().get(q, 0)}")
    click.echo(f"wrote {out / 'roster.csv'}, {out / 'coverage.csv'}, {out / 'summary.json'}")
    if not result.feasible:
        raise SystemExit(1)


@roster_group.command("validate")
@click.option("--scenario", "scenario", required=True, type=click.Path(path_type=Path), help="scenario folder")
@click.option("--roster", "roster", required=True, type=click.Path(path_type=Path), help="roster.csv")
def validate_cmd(scenario: Path, roster: Path) -> None:
    """Check ROSTER against every hard rule of SCENARIO."""
    from optimizer.roster.validator import validate

    problem = _load(scenario)
    rows = _rows(roster)
    violations = validate(problem, rows)
    if not violations:
        click.echo("valid")
        return
    for v in violations:
        click.echo(f"{v.agent_id or '-'}\t{v.date or '-'}\t{v.rule}\t{v.message}")
    click.echo(f"{len(violations)} violations", err=True)
    raise SystemExit(1)


@roster_group.command("bound")
@click.option("--scenario", "scenario", required=True, type=click.Path(path_type=Path), help="scenario folder")
@click.option("--roster", "roster", required=True, type=click.Path(path_type=Path),
              help="a valid roster.csv of the scenario (it seeds the bound)")
@click.option("--time-limit", default=300.0, show_default=True, type=click.FloatRange(min=1.0), help="seconds")
@click.option("--seed", default=0, show_default=True, type=int)
def bound_cmd(scenario: Path, roster: Path, time_limit: float, seed: int) -> None:
    """The tightest lower bound on under-covered agent-minutes the engine computes for
    SCENARIO: column generation over every agent's own schedules (slower than the bound
    ``solve`` reports; converged, never below the LP's).  No roster of the scenario
    covers better."""
    from optimizer.roster.column_bound import column_bound
    from optimizer.roster.large import coverage_bound
    from optimizer.roster.problem import Assignment
    from optimizer.roster.validator import validate

    problem = _load(scenario)
    rows = _rows(roster)
    violations = validate(problem, rows)
    if violations:
        click.echo(f"error: {roster.name} breaks {len(violations)} hard rules (first: {violations[0].message}); "
                   "the bound needs a valid roster to start from", err=True)
        raise SystemExit(2)
    lp = coverage_bound(problem)
    res = column_bound(problem, [Assignment(r.agent_id, r.date, r.shift_code) for r in rows],
                       time_limit=time_limit, seed=seed, progress=LinePrinter(sys.stderr))
    if res is None:
        click.echo("error: the LP solver failed", err=True)
        raise SystemExit(1)
    click.echo(f"lp bound {lp or 0:,.0f}  column bound {res.bound:,.0f} agent-minutes  "
               f"({'converged' if res.converged else 'stopped at the time limit'}: {res.rounds} rounds, "
               f"{res.columns} schedules, {res.groups} queue groups)")


@roster_group.command("solve-benchmark")
@click.argument("instance", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(min=0.1))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="SOLUTION.json")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=int)
def solve_benchmark_cmd(instance: Path, time_limit: float, out: Path, workers: int, seed: int) -> None:
    """Solve a Curtois & Qu shift scheduling instance with the roster engine."""
    from optimizer.roster.nrp import InstanceError, read_instance, solve_instance

    try:
        inst = read_instance(instance)
    except InstanceError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    sol = solve_instance(inst, time_limit=time_limit, num_workers=workers, seed=seed,
                         progress=LinePrinter(sys.stderr))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(sol.to_json(), indent=1) + "\n")
    click.echo(f"{inst.name}: status {sol.status} objective {sol.objective} bound {sol.bound} "
               f"valid {not sol.errors} time {sol.runtime:.1f}s -> {out}")
    if sol.objective is None:
        raise SystemExit(1)


@roster_group.command("repair")
@click.option("--scenario", "scenario", required=True, type=click.Path(path_type=Path), help="scenario folder")
@click.option("--roster", "roster", required=True, type=click.Path(path_type=Path), help="published roster.csv")
@click.option("--absent", "absent", required=True, multiple=True,
              help="AGENT:DATE[,AGENT:DATE...] (DATE may be FROM..TO); repeatable")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="output folder")
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(min=0.1), help="seconds")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=int)
def repair_cmd(scenario: Path, roster: Path, absent: tuple[str, ...], out: Path, time_limit: float,
               workers: int, seed: int) -> None:
    """Refill the gaps left by absences with the fewest changes to the published ROSTER;
    write the solve outputs plus changes.csv (agent_id,date,old_shift,new_shift,reason;
    reason: absent = the absent agent's own shift, repair = a change to send)."""
    import csv

    from optimizer import timeutil
    from optimizer.roster.problem import Assignment, ProblemError
    from optimizer.roster.repair import parse_absences, repair
    from optimizer.roster.scenario import roster_rows, write_outputs
    from optimizer.roster.validator import validate

    problem = _load(scenario)
    rows = _rows(roster)
    codes = {t.code for t in problem.templates}
    ids = {a.id for a in problem.agents}
    for n, r in enumerate(rows, start=2):
        if r.agent_id not in ids or r.shift_code not in codes:
            bad = "agent_id" if r.agent_id not in ids else "shift_code"
            click.echo(f"error: {roster.name} row {n}, column {bad}: unknown {getattr(r, bad)!r}", err=True)
            raise SystemExit(2)
    try:
        absences = [a for text in absent for a in parse_absences(text)]
        # the published breaks come along: shifts the repair keeps keep their breaks
        utc = [tuple((timeutil.to_utc(b0, problem.timezone), timeutil.to_utc(b1, problem.timezone)) for b0, b1 in r.breaks)
               for r in rows]
        fixed = repair(problem, [Assignment(r.agent_id, r.date, r.shift_code, b) for r, b in zip(rows, utc)], absences,
                       time_limit=time_limit, num_workers=workers, seed=seed, progress=LinePrinter(sys.stderr))
    except ProblemError as exc:
        click.echo(f"error: --absent: {exc.message}", err=True)
        raise SystemExit(2) from None
    result = fixed.result
    write_outputs(out, fixed.problem, result)
    with (out / "changes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["agent_id", "date", "old_shift", "new_shift", "reason"])
        why = {id(c): "absent" for c in fixed.removed}
        for c in sorted(fixed.removed + fixed.changes, key=lambda c: (c.agent_id, c.date)):
            w.writerow([c.agent_id, c.date.isoformat(), c.old_shift, c.new_shift, why.get(id(c), "repair")])
    for v in fixed.forced:
        click.echo(f"  the absences alone break: {v}")
    click.echo(f"status {result.status}  changed shifts {len(fixed.changes)} (agents: "
               f"{', '.join(fixed.changed_agents) or 'none'})  removed for absence {len(fixed.removed)}  "
               f"neighbourhood {fixed.neighbourhood} {fixed.window[0]}..{fixed.window[1]}")
    for line in result.explanation:
        click.echo(f"  {line}")
    shown = result.relaxed if result.relaxed is not None else result
    if shown.assignments:
        violations = validate(fixed.problem, roster_rows(shown, problem.timezone))
        click.echo("validator: valid" if not violations else
                   f"validator: {len(violations)} violations (the listed relaxations)")
    click.echo(f"wrote {out / 'roster.csv'}, {out / 'coverage.csv'}, {out / 'summary.json'}, {out / 'changes.csv'}")
    if not result.feasible:
        raise SystemExit(1)
