"""Forms of the admin console: calls, themes, users, the audit log filters, city goals,
API tokens, webhook endpoints, the retention of proposals (members: ``partners.forms``)."""
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
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from alliance.auth.models import GRANTED_ROLES
from alliance.auth.retention import MAX_RETENTION_DAYS
from alliance.challenges.forms import RomeDateTimeField
from alliance.core.forms import id_range
from alliance.webhooks.models import (
    CHALLENGE_PUBLISHED,
    DECISION_MADE,
    PILOT_AGREED,
    PROPOSAL_SUBMITTED,
)


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


class GoalForm(FlaskForm):
    name_it = StringField(_l("Name in Italian"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    description_it = TextAreaField(_l("Description in Italian"),
                                   validators=[Optional(), Length(max=1000)],
                                   description=_l("One or two sentences, shown on the goal's page."),
                                   render_kw={"rows": 3})
    description_en = TextAreaField(_l("Description in English"),
                                   validators=[Optional(), Length(max=1000)],
                                   render_kw={"rows": 3})
    slug = StringField(
        _l("Address"), validators=[Optional(), Length(max=80)],
        description=_l("The last part of the goal's page address. Leave it empty to make one "
                       "from the English name."),
    )
    position = IntegerField(_l("Position in the list"),
                            validators=[Optional(), NumberRange(min=0, max=1000)],
                            description=_l("Smaller numbers come first. Leave it empty to put "
                                           "a new goal at the end."))


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, e.g. “Monthly report script”."))
    expires_on = DateField(_l("Valid until (optional)"), validators=[Optional()],
                           description=_l("The token stops working at the end of this day "
                                          "(Rome time). Leave it empty for no expiry."))


EVENT_LABELS = {
    CHALLENGE_PUBLISHED: _l("A challenge is published"),
    PROPOSAL_SUBMITTED: _l("A proposal is submitted"),
    DECISION_MADE: _l("A decision is made on a proposal"),
    PILOT_AGREED: _l("A pilot is agreed"),
}


class EndpointForm(FlaskForm):
    partner = SelectField(_l("Partner"), coerce=int, validators=[DataRequired()])
    url = StringField(_l("Address (URL)"), validators=[DataRequired(), Length(max=500)],
                      description=_l("Where the events are POSTed; must start with https://."))
    events = SelectMultipleField(_l("Events"), choices=[SelectChoice(k, v) for k, v in EVENT_LABELS.items()],
                                 validate_choice=True)


class RetentionForm(FlaskForm):
    days = IntegerField(
        _l("Days to keep proposals that were not selected"),
        validators=[Optional(), NumberRange(min=0, max=MAX_RETENTION_DAYS,
                                            message=_l("Enter a number of days between 0 "
                                                       "and %(max)d, or leave it empty.",
                                                       max=MAX_RETENTION_DAYS))],
        description=_l("Counted from the challenge's decision. Leave empty to keep them "
                       "for ever."),
        render_kw={"min": 0, "max": MAX_RETENTION_DAYS, "inputmode": "numeric"},
    )
