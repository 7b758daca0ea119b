"""Flask extensions, created unbound and bound by ``create_app``."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from scheduler.db import db

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
babel = Babel()

__all__ = ["babel", "csrf", "db", "login_manager", "migrate"]
