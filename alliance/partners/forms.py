"""Forms for partner companies."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


class MemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the person to add"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description=_l("They must have registered on the site already."),
    )
