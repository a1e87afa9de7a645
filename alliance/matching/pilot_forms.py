"""Forms of the pilot pages (accept and start are plain buttons: CSRF only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from alliance.matching.pilot_lifecycle import REASON_MAX


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you decline?"),
        validators=[DataRequired(_l("A reason is required.")), Length(max=REASON_MAX)],
        description=_l("The other side and the Alliance's staff read it; the staff may offer "
                       "the slot to the next best candidate."),
        render_kw={"rows": 3},
    )


class CompleteForm(FlaskForm):
    outcome = TextAreaField(
        _l("Outcome of the pilot"),
        validators=[DataRequired(_l("The outcome is required.")), Length(max=5000)],
        description=_l("What was tried, what worked, what comes next."),
        render_kw={"rows": 4},
    )
