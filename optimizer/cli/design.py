"""``wfm roster design-benchmark``: shift design on a TU Wien benchmark instance.

Exported as ``design_benchmark_cmd``; the ``wfm roster`` group registers it.  Reads the
instance (stopping before its planted-solution block), designs shifts within the time
limit, prints progress lines on stderr and a one-line summary on stdout, and writes::

    {"instance": NAME, "objective": N,
     "shifts": [{"start": "HH:MM", "length_minutes": L, "workers": [mon, ..., sun]}, ...]}

``workers`` are the employees starting that shift on each day of the cycle.  The objective
is the independent scorer's value of the written shifts.  A bad file or option ends with a
message naming it and exit code 1 or 2, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from optimizer.progress import LinePrinter
from optimizer.shiftdesign.solve import solution_document, solve
from optimizer.shiftdesign.tuwien import ShiftDesignFormatError, read_instance


@click.command("design-benchmark")
@click.argument("instance_path", metavar="INSTANCE.txt", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds, wall clock, all steps included.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Solution JSON to write.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="CP-SAT worker threads.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress lines.")
def design_benchmark_cmd(instance_path: Path, time_limit: float, out_path: Path, workers: int, seed: int, quiet: bool) -> None:
    """Design shifts (start, length, employees per weekday) for a TU Wien shift design instance."""
    if not instance_path.is_file():
        raise click.BadParameter(f"no such file: {instance_path}", param_hint="INSTANCE.txt")
    try:
        instance = read_instance(instance_path)
    except ShiftDesignFormatError as exc:
        raise click.ClickException(str(exc)) from None
    printer = None if quiet else LinePrinter()
    result = solve(instance, time_limit=time_limit, num_workers=workers, seed=seed, progress=printer)
    document = solution_document(result)
    try:
        out_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_path}: {exc.strerror}") from None
    click.echo(
        f"{instance.name}: objective {result.objective} ({result.status}, bound "
        f"{'n/a' if result.bound is None else f'{result.bound:g}'}, {len(result.shifts)} shifts, "
        f"{result.runtime:.1f} s) -> {out_path}"
    )
