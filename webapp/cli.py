"""The ``wfm`` command: Flask's commands (``db``, ``run``, ``routes`` …) plus the product's.

Pure-computation commands (forecast, staffing, roster) need no database; they are
registered from ``optimizer.cli`` as they are built.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from webapp import create_app


def _create_app() -> object:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             help="Workforce management for financial contact centers.")
def main() -> None:
    pass


@main.group()
def demo() -> None:
    """Demo contact center data."""


@demo.command("load")
@click.option("--country", default="TW", show_default=True, help="Country for holidays, names and time zone (TW, HK, CN, SG, US, GB).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds users.")
@click.option("--seed", default=7, show_default=True, help="Random seed: the same seed gives the same center.")
@click.option("--weeks", default=12, show_default=True, help="Weeks of 15-minute contact history.")
@with_appcontext
def demo_load(country: str, if_empty: bool, seed: int, weeks: int) -> None:
    """Load the demo contact center (about 150 agents, 5 queues, history, shift templates)."""
    from scheduler import demo as demo_data
    from webapp.extensions import db

    if if_empty and demo_data.database_has_users(db.session):
        click.echo("Database already has data; demo not loaded.")
        return
    summary = demo_data.load(db.session, country=country.upper(), seed=seed, weeks=weeks,
                             progress=lambda msg: click.echo(f"  {msg}"))
    from training import demo as training_demo  # after the center: courses need its agents
    summary += "; training: " + training_demo.load(db.session, seed=seed, progress=lambda msg: click.echo(f"  {msg}"))
    db.session.commit()
    from scheduler.planning.demo import demo_plan  # forecast, requirements, a published roster

    click.echo(f"Planning: {demo_plan(db.session, days=7, time_limit=60, progress=lambda msg: click.echo(f'  {msg}'))}")
    db.session.commit()
    click.echo(f"Demo center loaded: {summary}")
    click.echo(demo_data.LOGIN_HELP)


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.password_option()
@with_appcontext
def create_user_cmd(username: str, display_name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a user with one or more roles."""
    from scheduler.accounts import create_user
    from scheduler.errors import ValidationError
    from webapp.extensions import db

    try:
        create_user(db.session, username=username, password=password, display_name=display_name, roles=list(roles))
    except ValidationError as err:
        raise click.BadParameter(err.message, param_hint=err.field) from None
    db.session.commit()
    click.echo(f"created {username}")


#: Commands contributed by the domain and engine packages.
from optimizer.cli.design import design_benchmark_cmd  # noqa: E402
from optimizer.cli.forecast import forecast_cmd, staffing_cmd  # noqa: E402
from optimizer.cli.roster import roster_group  # noqa: E402
from scheduler.cli import scheduler_cmd, worker_cmd  # noqa: E402
from webapp.i18n_cli import i18n_group  # noqa: E402

roster_group.add_command(design_benchmark_cmd, "design-benchmark")
for _cmd in (forecast_cmd, staffing_cmd, roster_group, scheduler_cmd, worker_cmd, i18n_group):
    main.add_command(_cmd)
