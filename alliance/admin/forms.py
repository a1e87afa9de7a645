"""Forms of the admin console: calls, themes, users, the audit log filters
(members: ``partners.forms``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from alliance.auth.models import GRANTED_ROLES
from alliance.challenges.forms import RomeDateTimeField
from alliance.core.forms import id_range


class CallForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    slug = StringField(
        _l("Address"), validators=[Optional(), Length(max=80)],
        description=_l("Leave it empty to make one from the title."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional()],
                                description=_l("Markdown."), render_kw={"rows": 6})
    opens_at = RomeDateTimeField(_l("Opens"), validators=[InputRequired()])
    closes_at = RomeDateTimeField(_l("Closes"), validators=[InputRequired()])
    results_at = RomeDateTimeField(_l("Results announced (optional)"), validators=[Optional()])


class ThemeForm(FlaskForm):
    name_it = StringField(_l("Name in Italian"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=80)])


# -- users and the audit log (alliance.admin.users, alliance.admin.audit_log) ------------

class RoleForm(FlaskForm):
    """The role a grant or revoke button sends (admin or jury)."""

    role = SelectField(_l("Role"), choices=[SelectChoice(role, role) for role in GRANTED_ROLES],
                       validators=[InputRequired()])


class UserFilterForm(Form):
    """A GET form (no CSRF): it only reads."""

    q = SearchField(_l("Name or e-mail"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Account"), validators=[Optional()], validate_choice=False)


class AuditFilterForm(Form):
    """A GET form (no CSRF): it only reads."""

    actor = SearchField(_l("Who"), validators=[Optional(), Length(max=200)],
                        description=_l("Name, e-mail or user id."))
    action = SelectField(_l("What"), validators=[Optional()], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    object_type = SelectField(_l("Object"), validators=[Optional()], validate_choice=False)
    object_id = IntegerField(_l("Object id"), validators=[Optional(), id_range()])

    # Days far from now cannot be turned into instants (year 1 in Rome is before UTC's
    # year 1), and no event can lie there anyway.
    def validate_since(self, field):
        _check_day(field)

    def validate_until(self, field):
        _check_day(field)


def _check_day(field) -> None:
    if field.data is not None and not 1970 <= field.data.year <= 2999:
        raise ValidationError(_l("Choose a day between 1970 and 2999."))
