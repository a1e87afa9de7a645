"""Forms of the scouting pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

MESSAGE_MAX = 2000


class InviteForm(FlaskForm):
    """A partner invites a start-up to apply; the message is optional."""

    message = TextAreaField(
        _l("Message to the start-up (optional)"),
        validators=[Optional(), Length(max=MESSAGE_MAX,
                                       message=_l("At most %(max)d characters."))],
        description=_l("Why you would like to read their proposal: the e-mail adds the "
                       "challenge's link and what their profile shares with it."),
    )
