"""Side effects run after the commit, never for a rollback."""
from alliance.core.aftercommit import after_commit
from alliance.extensions import db
from tests import factories


def test_after_commit_runs_after_commit():
    ran = []
    factories.PartnerFactory()
    after_commit(db.session(), lambda: ran.append("sent"))
    assert ran == []
    db.session.commit()
    assert ran == ["sent"]


def test_after_commit_dropped_on_rollback():
    ran = []
    factories.PartnerFactory()
    after_commit(db.session(), lambda: ran.append("sent"))
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_after_commit_failure_does_not_stop_others(caplog):
    ran = []

    def broken():
        raise RuntimeError("smtp down")

    after_commit(db.session(), broken)
    after_commit(db.session(), lambda: ran.append("second"))
    db.session.commit()
    assert ran == ["second"]
    assert "smtp down" in caplog.text
