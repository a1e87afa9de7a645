"""Forms of the admin console: calls and themes (members: ``partners.forms``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from alliance.challenges.forms import RomeDateTimeField


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
