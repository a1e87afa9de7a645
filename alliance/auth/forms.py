"""Forms for registration, login and password reset.

The forms check what can be checked on the spot; the services hold the rules
(uniqueness, password policy) and their errors land on these fields too.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from alliance.auth.services import PASSWORD_MIN_LENGTH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(
        label or _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"},
    )


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=PASSWORD_MIN_LENGTH,
                   message=_l("At least %(n)d characters.", n=PASSWORD_MIN_LENGTH)),
            Length(max=200),
        ],
        description=_l("At least %(n)d characters; a few unrelated words make a strong one.",
                       n=PASSWORD_MIN_LENGTH),
        render_kw={"autocomplete": "new-password", "minlength": PASSWORD_MIN_LENGTH},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password, password_confirm = _new_password_fields()
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree to the processing of my data to run "
           "my account."),
        validators=[DataRequired(_l("Please accept the privacy notice to register."))],
    )


class LoginForm(FlaskForm):
    # No format check here: whatever address an account has must be able to log in.
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, password_confirm = _new_password_fields()
    # Only for accounts that never consented (jurors and members invited by e-mail set
    # their first password here); the view removes it for the others.
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree to the processing of my data to run "
           "my account."),
        validators=[DataRequired(_l("Please accept the privacy notice to go on."))],
    )


class ExportDataForm(FlaskForm):
    """Only the CSRF token: the button that downloads the user's data."""


class DeleteAccountForm(FlaskForm):
    """The user proves it is them (the password) before the account is anonymised."""

    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password to delete your account."))],
        render_kw={"autocomplete": "current-password"},
    )


class ResendConfirmationForm(FlaskForm):
    """Only the CSRF token: the button that sends a new confirmation link."""

    next = HiddenField()
