"""The juror's forms: the review form generated from a round's criteria, the
profile, the conflicts declaration, the interest ("bids"), the discussion, and the
dashboard's filters.

The review form is lenient (a draft may be half-filled); completeness is the
service's rule on submission (:func:`alliance.evaluation.reviews.submit_review`).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from alliance.evaluation.jury_queries import STATE_DRAFT, STATE_SUBMITTED, TODO
from alliance.evaluation.models import NEUTRAL, RATHER_NOT, WANT, WILLING
from alliance.evaluation.reviews import (
    MAX_CRITERION_COMMENT_LENGTH,
    MAX_DISCUSSION_LENGTH,
    MAX_EXPERTISE_LENGTH,
    MAX_ORGANISATION_LENGTH,
    MAX_REASON_LENGTH,
    MAX_REVIEW_COMMENT_LENGTH,
    MAX_TAGS_LENGTH,
    comment_field,
    score_field,
)

# Radio buttons up to this scale; a drop-down list above it.
MAX_RADIO_SCALE = 10

INTEREST_CHOICES = (
    (WANT, _l("Want to review")),
    (WILLING, _l("Willing")),
    (NEUTRAL, _l("Neutral")),
    (RATHER_NOT, _l("Rather not")),
)


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


# -- review --------------------------------------------------------------------------

class ReviewForm(FlaskForm):
    """The fixed part; :func:`make_review_form` adds a score and a comment per criterion."""

    comment_for_startup = TextAreaField(
        _l("Comment for the start-up"),
        validators=[Length(max=MAX_REVIEW_COMMENT_LENGTH)],
        description=_l("Shown to the start-up with its result, without your name, where the "
                       "challenge shares reviews."),
        render_kw={"rows": 4},
    )
    comment_for_committee = TextAreaField(
        _l("Private comment for the committee"),
        validators=[Length(max=MAX_REVIEW_COMMENT_LENGTH)],
        description=_l("Only the committee and the Alliance's staff read it."),
        render_kw={"rows": 3},
    )

    criteria: list = []

    def criterion_fields(self):
        """``(criterion, score field, comment field)`` in the round's order."""
        for criterion in self.criteria:
            yield (criterion, self[score_field(criterion.id)],
                   self[comment_field(criterion.id)])

    def scores(self) -> dict[int, int | None]:
        return {c.id: self[score_field(c.id)].data for c in self.criteria}

    def comments(self) -> dict[int, str]:
        return {c.id: self[comment_field(c.id)].data or "" for c in self.criteria}

    def content(self) -> dict:
        """The keyword arguments of ``save_review``/``submit_review`` for the content."""
        return {
            "scores": self.scores(), "comments": self.comments(),
            "comment_for_startup": self.comment_for_startup.data or "",
            "comment_for_committee": self.comment_for_committee.data or "",
        }


def _score_field(criterion):
    choices = [SelectChoice(str(n), str(n)) for n in range(1, criterion.scale + 1)]
    options = {
        "coerce": _optional_int, "validate_choice": False,
        "validators": [Optional(), NumberRange(min=1, max=criterion.scale)],
        "description": criterion.description,
    }
    label = _l("%(name)s (1 to %(scale)d)", name=criterion.name, scale=criterion.scale)
    if criterion.scale <= MAX_RADIO_SCALE:
        return RadioField(label, choices=choices, **options)
    return SelectField(label, choices=[SelectChoice("", _l("Not scored yet"))] + choices,
                       **options)


def make_review_form(criteria: Iterable, review=None, *, formdata=None) -> ReviewForm:
    """A review form for a round's ``criteria``: a score on each criterion's scale
    (with its description) and a comment per criterion. With ``formdata`` (a POST)
    it reads the request; otherwise it shows ``review`` (or an empty one)."""
    criteria = list(criteria)
    fields = {}
    for criterion in criteria:
        fields[score_field(criterion.id)] = _score_field(criterion)
        fields[comment_field(criterion.id)] = TextAreaField(
            _l("Comment on %(name)s", name=criterion.name),
            validators=[Length(max=MAX_CRITERION_COMMENT_LENGTH)],
            render_kw={"rows": 3},
            description=_l("Shown to the start-up with its result, without your name, where the "
                           "challenge shares reviews."),
        )
    form_class = type("GeneratedReviewForm", (ReviewForm,), {**fields, "criteria": criteria})
    if formdata is not None:
        return form_class(formdata=formdata)
    data = {}
    if review is not None:
        for row in review.scores:
            data[score_field(row.criterion_id)] = row.score
            data[comment_field(row.criterion_id)] = row.comment
        data["comment_for_startup"] = review.comment_for_startup
        data["comment_for_committee"] = review.comment_for_committee
    # formdata=None: a GET shows the saved review, not an empty request.
    return form_class(formdata=None, data=data)


class ReopenForm(FlaskForm):
    """Only the CSRF token."""


# -- profile -------------------------------------------------------------------------

class ProfileForm(FlaskForm):
    tags = StringField(
        _l("Areas of expertise"), validators=[Length(max=MAX_TAGS_LENGTH)],
        description=_l("Short tags separated by commas, for example: mobility, sensors, "
                       "energy efficiency."),
        render_kw={"maxlength": MAX_TAGS_LENGTH},
    )
    expertise = TextAreaField(
        _l("Your expertise"), validators=[Length(max=MAX_EXPERTISE_LENGTH)],
        description=_l("A few sentences on what you know well: reviews are assigned by "
                       "matching this text with the proposals."),
        render_kw={"rows": 6},
    )
    organisation = StringField(
        _l("Organisation you work for"), validators=[Length(max=MAX_ORGANISATION_LENGTH)],
        description=_l("Used to detect conflicts of interest with the start-ups' customers, "
                       "investors and competitors."),
        render_kw={"maxlength": MAX_ORGANISATION_LENGTH},
    )


# -- conflicts -----------------------------------------------------------------------

class ConflictsForm(FlaskForm):
    """A checkbox and an optional reason per start-up (added by :func:`make_conflicts_form`)."""

    confirm = BooleanField(
        _l("I have gone through the whole list and ticked every start-up I have a conflict "
           "of interest with (none, if I have none)."),
        validators=[DataRequired(message=_l("Confirm that you have gone through the list."))],
    )

    startup_ids: list[int] = []

    def conflict(self, startup_id: int):
        return self[f"conflict_{startup_id}"]

    def reason(self, startup_id: int):
        return self[f"reason_{startup_id}"]

    def declared(self) -> tuple[list[int], dict[int, str]]:
        """The ticked start-ups and the reasons given for them."""
        ids = [sid for sid in self.startup_ids if self.conflict(sid).data]
        return ids, {sid: self.reason(sid).data or "" for sid in ids}


def make_conflicts_form(startup_ids: Iterable[int], *, formdata=None) -> ConflictsForm:
    startup_ids = list(startup_ids)
    fields = {}
    for startup_id in startup_ids:
        fields[f"conflict_{startup_id}"] = BooleanField(_l("In conflict"))
        fields[f"reason_{startup_id}"] = StringField(
            _l("Reason (optional)"), validators=[Length(max=MAX_REASON_LENGTH)],
            render_kw={"maxlength": MAX_REASON_LENGTH},
        )
    form_class = type("GeneratedConflictsForm", (ConflictsForm,),
                      {**fields, "startup_ids": startup_ids})
    return form_class(formdata=formdata) if formdata is not None else form_class(formdata=None)


# -- interest ------------------------------------------------------------------------

class InterestForm(FlaskForm):
    """A level per proposal of the page (added by :func:`make_interest_form`)."""

    proposal_ids: list[int] = []

    def level(self, proposal_id: int):
        return self[f"interest_{proposal_id}"]

    def levels(self) -> dict[int, int]:
        return {pid: self.level(pid).data for pid in self.proposal_ids
                if self.level(pid).data is not None}


def make_interest_form(proposal_ids: Iterable[int], current: dict[int, int] | None = None, *,
                       formdata=None) -> InterestForm:
    proposal_ids = list(proposal_ids)
    choices = [SelectChoice(str(value), label) for value, label in INTEREST_CHOICES]
    fields = {
        f"interest_{pid}": RadioField(_l("Your interest"), choices=choices, coerce=int,
                                      default=NEUTRAL)
        for pid in proposal_ids
    }
    form_class = type("GeneratedInterestForm", (InterestForm,),
                      {**fields, "proposal_ids": proposal_ids})
    if formdata is not None:
        return form_class(formdata=formdata)
    current = current or {}
    return form_class(formdata=None, data={f"interest_{pid}": current.get(pid, NEUTRAL)
                                           for pid in proposal_ids})


# -- discussion ----------------------------------------------------------------------

class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(message=_l("Write something first.")),
                    Length(max=MAX_DISCUSSION_LENGTH)],
        render_kw={"rows": 3},
    )


# -- dashboard filters ---------------------------------------------------------------

STATE_CHOICES = (
    (TODO, _l("To do")),
    (STATE_DRAFT, _l("Draft")),
    (STATE_SUBMITTED, _l("Submitted")),
)


class DashboardFilterForm(Form):
    """A GET form (no CSRF): it only reads."""

    challenge = SelectField(_l("Challenge"), coerce=_optional_int, validate_choice=False,
                            validators=[Optional()])
    state = SelectField(
        _l("State"), validate_choice=False, validators=[Optional()],
        choices=[SelectChoice("", _l("Any state"))] + [
            SelectChoice(value, label) for value, label in STATE_CHOICES],
    )
    score_min = IntegerField(_l("Your score from"), validators=[Optional(),
                                                                NumberRange(min=0, max=100)],
                             render_kw={"min": 0, "max": 100, "inputmode": "numeric"})
    score_max = IntegerField(_l("Your score up to"),
                             validators=[Optional(), NumberRange(min=0, max=100)],
                             render_kw={"min": 0, "max": 100, "inputmode": "numeric"})
