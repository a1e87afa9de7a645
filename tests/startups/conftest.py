import pytest


@pytest.fixture
def ctx(app):
    """A request context, for calling services (they translate their messages) directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def login(login_as):
    """Commit what the test built, then log ``user`` in: a view that rolls back after a
    refused action must not take the test's rows with it."""
    from alliance.extensions import db

    def go(user):
        db.session.commit()
        return login_as(user)

    return go
