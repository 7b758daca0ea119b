"""Permissions: named strings, granted to roles, checked by one decorator on every view.

Templates may hide links with ``can(...)``, but the check that matters is here, on the
server, for pages and API routes alike.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, g, request
from flask_login import current_user

from scheduler.models.users import Role

F = TypeVar("F", bound=Callable[..., Any])

#: Which role holds which permission.  Adding a page = naming its permission here.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.AGENT: frozenset({
        "home.agent", "shifts.view_own", "requests.create", "training.view_own", "assessment.take",
    }),
    Role.SUPERVISOR: frozenset({
        "home.supervisor", "team.view", "requests.approve", "dutyboard.view", "handover.write",
        "staffing.view", "roster.view", "training.view_team",
    }),
    Role.PLANNER: frozenset({
        "home.planner", "staffing.view", "staffing.edit", "history.import", "forecast.run",
        "roster.view", "roster.generate", "roster.edit", "roster.publish", "agents.import",
        "team.view", "dutyboard.view", "jobs.view",
    }),
    Role.TRAINER: frozenset({
        "home.trainer", "training.manage", "training.grade", "training.view_team", "staffing.view",
    }),
    Role.HR: frozenset({
        "home.hr", "training.results", "training.view_team",
    }),
    Role.ADMIN: frozenset({
        "home.admin", "admin.users", "audit.view", "jobs.configure", "jobs.view",
    }),
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())

#: Endpoints anyone may reach (log-in, static files, the token-protected calendar feed ...).
PUBLIC_ENDPOINTS: set[str] = {"static", "auth.login", "auth.set_language", "main.health"}


#: Any logged-in user holds at least one of these (every role has a home page).
ANY_ROLE: tuple[str, ...] = tuple(sorted(p for p in ALL_PERMISSIONS if p.startswith("home.")))


def permissions_of(roles: set[str]) -> frozenset[str]:
    return frozenset().union(*(ROLE_PERMISSIONS.get(r, frozenset()) for r in roles))


def user_can(user: Any, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return permission in permissions_of(user.role_names)


def public(view: F) -> F:
    """Mark a view reachable without log-in (the route-walking test knows about it)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def require(*permissions: str, any_of: bool = False) -> Callable[[F], F]:
    """Require log-in and the named permission(s): 401 for API callers / redirect to log-in
    for browsers when anonymous, 403 when the role lacks them."""
    unknown = set(permissions) - ALL_PERMISSIONS
    if unknown:
        raise ValueError(f"unknown permission(s): {sorted(unknown)}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = getattr(g, "api_user", None) or current_user
            if not getattr(user, "is_authenticated", False):
                if request.blueprint == "api":
                    abort(401)

                from webapp.extensions import login_manager

                return login_manager.unauthorized()
            granted = permissions_of(user.role_names)
            ok = any(p in granted for p in permissions) if any_of else all(p in granted for p in permissions)
            if not ok:
                abort(403)
            return view(*args, **kwargs)

        wrapped._permissions = permissions  # type: ignore[attr-defined]
        wrapped._any_of = any_of  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
