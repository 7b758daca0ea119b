"""Migrations are the only way the schema is made: upgrade from empty to head, downgrade
back to empty, and the models match the migrated schema."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from scheduler.db import db


def test_models_match_migrated_schema(app) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_empty_and_back(app) -> None:
    downgrade(revision="base")
    names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert names == set()
    upgrade()
    names = set(sa.inspect(db.engine).get_table_names())
    assert {"users", "agents", "shifts", "audit_log"} <= names
