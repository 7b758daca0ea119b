"""The Flask web app.  ``create_app`` is the factory; ``flask --app webapp`` finds it."""

from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

from webapp.config import CONFIGS, DEV_SECRET_PLACEHOLDER, Config, database_url_from_env, ensure_dev_secret


def create_app(config: Mapping[str, Any] | type[Config] | str | None = None) -> Flask:
    """Build the app.  ``config`` is a config class, its name (``testing``), or a mapping of
    overrides applied on top of the class chosen by ``WFM_ENV`` (default development)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    overrides: Mapping[str, Any] = {}
    if isinstance(config, str):
        cls = CONFIGS[config]
    elif isinstance(config, type):
        cls = config
    else:
        cls = CONFIGS[os.environ.get("WFM_ENV", "development")]
        overrides = config or {}
    app.config.from_object(cls)
    default_db = "sqlite:///" + os.path.join(app.instance_path, "wfm.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(default_db)
    app.config.update(overrides)
    _check_secret(app)

    import scheduler.models  # noqa: F401  (register every table before migrations look)
    import training.models  # noqa: F401
    from scheduler import audit
    from webapp import errors, hooks
    from webapp.extensions import babel, csrf, db, login_manager, migrate
    from webapp.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    audit.install()
    hooks.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    return app


def _check_secret(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if app.config.get("ENV_NAME") == "production":
        if not key or key == DEV_SECRET_PLACEHOLDER or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
    elif not key:
        app.config["SECRET_KEY"] = ensure_dev_secret(app.instance_path)


def _register_blueprints(app: Flask) -> None:
    from webapp.admin.views import bp as admin_bp
    from webapp.agent.views import bp as agent_bp
    from webapp.api.views import bp as api_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.hr.views import bp as hr_bp
    from webapp.jobs.views import bp as jobs_bp
    from webapp.main.views import bp as main_bp
    from webapp.planner.views import bp as planner_bp
    from webapp.supervisor.views import bp as supervisor_bp
    from webapp.trainer.views import bp as trainer_bp

    for bp in (main_bp, auth_bp, planner_bp, agent_bp, supervisor_bp, trainer_bp, hr_bp, admin_bp, api_bp, jobs_bp):
        app.register_blueprint(bp)
