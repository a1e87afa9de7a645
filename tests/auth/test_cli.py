"""``flask users ...``: create-admin, grant-role, list."""
import sqlalchemy as sa

from alliance.auth.models import User
from alliance.extensions import db
from tests import factories


def _user(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_admin_creates_confirmed_admin(runner):
    result = runner.invoke(args=["users", "create-admin", "Boss@Example.org", "--name",
                                 "Anna Boss", "--password", "a strong admin secret"])

    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org" in result.output
    user = _user("boss@example.org")
    assert user.name == "Anna Boss"
    assert user.has_role("admin") and user.is_confirmed
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("a strong admin secret")


def test_create_admin_grants_role_to_existing_user(runner):
    user = factories.UserFactory(email="someone@example.org")
    db.session.commit()

    result = runner.invoke(args=["users", "create-admin", "someone@example.org"])

    assert result.exit_code == 0, result.output
    assert "it holds the admin role" in result.output
    assert _user("someone@example.org").has_role("admin")
    assert _user("someone@example.org").check_password(factories.PASSWORD)
    assert user.id == _user("someone@example.org").id


def test_create_admin_prompts_for_password_twice(runner):
    result = runner.invoke(args=["users", "create-admin", "prompted@example.org"],
                           input="prompted secret!\nprompted secret!\n")

    assert result.exit_code == 0, result.output
    assert "prompted secret!" not in result.output  # hidden input
    assert _user("prompted@example.org").check_password("prompted secret!")


def test_create_admin_prompt_mismatch_asks_again(runner):
    result = runner.invoke(args=["users", "create-admin", "twice@example.org"],
                           input="first secret 1\nsecond secret\nright secret!\nright secret!\n")

    assert result.exit_code == 0, result.output
    assert _user("twice@example.org").check_password("right secret!")


def test_create_admin_short_password_fails(runner):
    result = runner.invoke(args=["users", "create-admin", "weak@example.org",
                                 "--password", "short"])

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert _user("weak@example.org") is None


def test_create_admin_invalid_email_fails(runner):
    result = runner.invoke(args=["users", "create-admin", "not-an-email",
                                 "--password", "long enough secret"])

    assert result.exit_code != 0
    assert "not an e-mail address" in result.output


def test_grant_role_jury(runner):
    factories.UserFactory(email="juror@example.org")
    db.session.commit()

    result = runner.invoke(args=["users", "grant-role", "juror@example.org", "jury"])

    assert result.exit_code == 0, result.output
    assert _user("juror@example.org").has_role("jury")

    again = runner.invoke(args=["users", "grant-role", "juror@example.org", "jury"])
    assert again.exit_code == 0 and "already holds" in again.output


def test_grant_role_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "grant-role", "ghost@example.org", "admin"])

    assert result.exit_code != 0
    assert "No user with e-mail ghost@example.org" in result.output


def test_grant_role_refuses_membership_roles(runner):
    factories.UserFactory(email="member@example.org")
    db.session.commit()

    result = runner.invoke(args=["users", "grant-role", "member@example.org", "partner"])

    assert result.exit_code != 0
    assert not _user("member@example.org").has_role("partner")


def test_list_users_shows_roles(runner):
    factories.UserFactory(email="listed-admin@example.org", admin=True)
    factories.UserFactory(email="listed-new@example.org", unconfirmed=True)
    db.session.commit()

    result = runner.invoke(args=["users", "list"])

    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if "@" in line}
    assert "admin" in lines["listed-admin@example.org"]
    assert "unconfirmed" in lines["listed-new@example.org"]
