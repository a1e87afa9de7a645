"""Forms of the admin's evaluation pages."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
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

from alliance.core.forms import MAX_ID, id_range
from alliance.core.forms import FiniteDecimalField as DecimalField
from alliance.evaluation.models import NOT_SELECTED, SHORTLISTED, WINNER


def outcome_choices() -> list[tuple[str, str]]:
    return [(SHORTLISTED, _l("Shortlisted")), (WINNER, _l("Winner")),
            (NOT_SELECTED, _l("Not selected"))]


class RoundSettingsForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[Optional(), Length(max=120)])
    reviewers_per_proposal = IntegerField(
        _l("Reviewers per proposal"), default=3,
        validators=[InputRequired(), NumberRange(min=1, max=50)])
    max_load = IntegerField(
        _l("Most proposals per juror"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)],
        description=_l("Leave it empty to balance the loads (within one proposal of each "
                       "other)."))
    blind = BooleanField(_l("Blind review: jurors do not see who the start-up is"),
                         default=True)
    calibration = BooleanField(
        _l("Calibration: every juror first scores the same reference proposals"))
    normalise = BooleanField(
        _l("Normalise each juror's scores, to remove harsh or lenient bias"))
    disagreement_threshold = DecimalField(
        _l("Disagreement threshold"), default=Decimal("15"), places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("Standard deviation of the jurors' totals (0-100 points) above which "
                       "a proposal is flagged."))
    share_reviews = BooleanField(
        _l("Start-ups see the reviewers' comments for them, without names"), default=True)
    weight = DecimalField(
        _l("Weight of the round in the final score"), default=Decimal("1"), places=2,
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=999)])

    def settings(self) -> dict:
        return {
            "name": self.name.data or "",
            "reviewers_per_proposal": self.reviewers_per_proposal.data,
            "max_load": self.max_load.data,
            "blind": self.blind.data,
            "calibration": self.calibration.data,
            "normalise": self.normalise.data,
            "disagreement_threshold": self.disagreement_threshold.data,
            "share_reviews": self.share_reviews.data,
            "weight": self.weight.data,
        }


class InviteForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    person_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)],
                              description=_l("For a person without an account yet."))


class ReferenceForm(FlaskForm):
    """The one or two proposals every juror scores first (0: none)."""

    first = SelectField(_l("First reference proposal"), coerce=int)
    second = SelectField(_l("Second reference proposal (optional)"), coerce=int)

    def proposal_ids(self) -> list[int]:
        return [i for i in (self.first.data, self.second.data) if i]


class AddAssignmentForm(FlaskForm):
    proposal_id = IntegerField(validators=[InputRequired(), id_range()])
    juror = SelectField(_l("Juror"), coerce=int, validators=[InputRequired()])


class OverrideForm(FlaskForm):
    score = DecimalField(
        _l("Score (0-100)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)],
        description=_l("Leave it empty to lift the override in force."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)],
                           description=_l("Required: it is kept in the decision record."),
                           render_kw={"rows": 3})


class BulkDecisionForm(FlaskForm):
    proposal_ids = SelectMultipleField(_l("Proposals"), coerce=int,
                                       validators=[DataRequired(_l("Tick at least one "
                                                                   "proposal."))])
    outcome = SelectField(_l("Decision"), choices=outcome_choices,
                          validators=[InputRequired()])
    feedback = TextAreaField(_l("Feedback for the start-ups"),
                             validators=[Optional(), Length(max=10000)],
                             render_kw={"rows": 3})


class CriterionRowForm(Form):
    """One criterion of a second round; a row without a name is skipped."""

    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=120)])
    weight = DecimalField(_l("Weight"), places=2,
                          validators=[Optional(), NumberRange(min=Decimal("0.01"), max=999)])
    scale = IntegerField(_l("Scale (1 to ...)"), default=5,
                         validators=[Optional(), NumberRange(min=2, max=100)])
    comment_required = BooleanField(_l("Comment required"))

    def validate_weight(self, field):
        if (self.name.data or "").strip() and field.data is None:
            raise ValidationError(_l("Give the criterion a weight."))


class SecondRoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[Optional(), Length(max=120)],
                       description=_l("For example: pitch day."))
    proposals = SelectMultipleField(_l("Shortlisted proposals admitted"), coerce=int)
    weight = DecimalField(
        _l("Weight of the second round in the final score"), default=Decimal("1"), places=2,
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=999)])
    criteria = FieldList(FormField(CriterionRowForm), min_entries=4, max_entries=12)

    def criteria_data(self) -> list[dict]:
        return [{"name": row.form.name.data or "", "weight": row.form.weight.data,
                 "scale": row.form.scale.data or 5,
                 "comment_required": row.form.comment_required.data}
                for row in self.criteria]
