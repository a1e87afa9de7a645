"""The schema exists only through migrations: the models must agree with them."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alliance.extensions import db


def test_models_and_migrations_agree(_transaction):
    context = MigrationContext.configure(_transaction, opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == []
