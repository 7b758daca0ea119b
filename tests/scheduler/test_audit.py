from __future__ import annotations

from scheduler.audit import acting_as, record
from scheduler.db import db
from scheduler.models import AuditLog, Queue, Site


def test_create_update_delete_are_logged_with_old_and_new(app, make_user) -> None:
    admin = make_user("admin")
    with acting_as(admin.id):
        site = Site(code="TPE", name="Taipei", timezone="Asia/Taipei", country="TW")
        db.session.add(site)
        db.session.flush()
        q = Queue(site_id=site.id, code="CARDS", name="Cards")
        db.session.add(q)
        db.session.commit()
        q.sl_target = 0.9
        db.session.commit()
        db.session.delete(q)
        db.session.commit()
    rows = db.session.scalars(db.select(AuditLog).where(AuditLog.entity == "queues").order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert all(r.user_id == admin.id for r in rows)
    assert rows[1].old == {"sl_target": 0.8} and rows[1].new == {"sl_target": 0.9}
    assert rows[2].old["code"] == "CARDS"


def test_secrets_never_copied_to_log(app, make_user) -> None:
    make_user("agent", username="secretive")
    rows = db.session.scalars(db.select(AuditLog).where(AuditLog.entity == "users")).all()
    assert rows and all("password_hash" not in (r.new or {}) for r in rows)


def test_named_action_with_reason(app, make_user) -> None:
    user = make_user("trainer")
    with acting_as(user.id, reason="re-marked after appeal"):
        record(db.session, "grade_override", "attempts", 12, old={"score": 60}, new={"score": 75})
        db.session.commit()
    row = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "grade_override")).one()
    assert row.reason == "re-marked after appeal" and row.user_id == user.id
