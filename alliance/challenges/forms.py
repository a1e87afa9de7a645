"""Forms for challenges: the brief, the criteria editor, the terms, the list's filters."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from alliance.core.forms import FiniteDecimalField as DecimalField
from alliance.core.timezones import NonexistentLocalTime, rome_to_utc, utc_to_rome

_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class RomeDateTimeField(DateTimeLocalField):
    """A date and time typed as Europe/Rome wall-clock time (``<input type=datetime-local>``).

    ``data`` is always an aware UTC instant; the input shows it back in Rome time.
    A time skipped by the spring daylight-saving change is a field error.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", _FORMATS)
        kwargs.setdefault("description", _l("Milan time (Europe/Rome)."))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not (2000 <= self.data.year <= 2100):
            self.data = None
            raise ValueError(_("Enter a date between the years 2000 and 2100."))
        if self.data is not None:
            try:
                self.data = rome_to_utc(self.data)
            except NonexistentLocalTime:
                local = self.data
                self.data = None
                raise ValueError(_(
                    "%(time)s does not exist in Milan: the clocks jump from 02:00 to 03:00 "
                    "that night. Choose another time.", time=local.strftime("%d/%m/%Y %H:%M"),
                )) from None

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if not self.data:
            return ""
        return utc_to_rome(self.data).replace(tzinfo=None).strftime(self.format[0])


def _page_language() -> str:
    """A new brief is, most likely, in the language its author reads the site in."""
    locale = str(get_locale())
    return locale if locale in ("it", "en") else "it"


# The languages a brief can be written in, named in their own language.
BRIEF_LANGUAGES = [SelectChoice("it", "Italiano"), SelectChoice("en", "English")]
TRANSLATION_FIELDS = ("title", "summary", "description", "expected_outcomes", "rewards",
                      "eligibility")
TRANSLATION_REQUIRED = ("title", "summary", "description")


class BriefTranslationFields(FlaskForm):
    """The brief in the language other than the challenge's own (optional, all or
    nothing): part of the challenge form, and on its own the form that translates a
    challenge already published."""

    translation_title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    translation_summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=500)],
                                        render_kw={"rows": 3})
    translation_description = TextAreaField(
        _l("Description"), validators=[Optional()],
        description=_l("Markdown, like the brief’s own description."),
        render_kw={"rows": 8},
    )
    translation_expected_outcomes = TextAreaField(_l("Expected outcomes"),
                                                  validators=[Optional()], render_kw={"rows": 3})
    translation_rewards = TextAreaField(_l("What the winner gets"), validators=[Optional()],
                                        render_kw={"rows": 3})
    translation_eligibility = TextAreaField(_l("Eligibility"), validators=[Optional()],
                                            render_kw={"rows": 3})

    def translation_fields(self) -> list:
        return [self[f"translation_{name}"] for name in TRANSLATION_FIELDS]

    def translation_values(self) -> dict[str, str]:
        """The other-language brief as typed (keys without the ``translation_`` prefix)."""
        return {name: self[f"translation_{name}"].data or "" for name in TRANSLATION_FIELDS}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        values = self.translation_values()
        if any(v.strip() for v in values.values()):
            for name in TRANSLATION_REQUIRED:
                if not values[name].strip():
                    self[f"translation_{name}"].errors.append(
                        _("Also fill this in, or empty the brief in the other language."))
                    valid = False
        return valid


class BriefTranslationForm(BriefTranslationFields):
    """Only the other-language brief (``challenges.translate``)."""


class ChallengeForm(BriefTranslationFields):
    call = SelectField(_l("Call"), coerce=int, validators=[InputRequired()])
    lead_partner = SelectField(_l("Lead partner"), coerce=int, validators=[InputRequired()])
    cosponsors = SelectMultipleField(_l("Co-sponsoring partners"), coerce=int,
                                     validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address"), validators=[Optional(), Length(max=120)],
        description=_l("The last part of the page's address, e.g. “cleaner-air-near-schools”. "
                       "Leave it empty to make one from the title."),
    )
    summary = TextAreaField(
        _l("Summary"), validators=[DataRequired(), Length(max=500)],
        description=_l("One or two sentences shown in lists (at most 500 characters)."),
        render_kw={"rows": 3},
    )
    description = TextAreaField(
        _l("Description"), validators=[DataRequired()],
        description=_l("Markdown: **bold**, *italic*, lists with “-”, headings with “##”, links. "
                       "HTML is not allowed."),
        render_kw={"rows": 12},
    )
    theme = SelectField(_l("Theme"), coerce=int, validators=[InputRequired()])
    expected_outcomes = TextAreaField(_l("Expected outcomes"), validators=[DataRequired()],
                                      render_kw={"rows": 4})
    rewards = TextAreaField(
        _l("What the winner gets"), validators=[DataRequired()],
        description=_l("Pilot, budget, mentoring, access to data or sites..."),
        render_kw={"rows": 3},
    )
    eligibility = TextAreaField(_l("Eligibility"), validators=[DataRequired()],
                                render_kw={"rows": 3})
    opens_at = RomeDateTimeField(_l("Opening"), validators=[InputRequired()])
    deadline = RomeDateTimeField(_l("Deadline"), validators=[InputRequired()])
    pilot_slots = IntegerField(
        _l("Pilot slots"), default=1, validators=[InputRequired(), NumberRange(min=0, max=50)],
        description=_l("How many start-ups can run a pilot."),
    )
    city_goals = SelectMultipleField(
        _l("City goals it serves"), coerce=int, validators=[Optional()],
        description=_l("The goals of the city this challenge contributes to; each goal has a "
                       "public page listing its challenges."),
    )
    locale = SelectField(
        _l("Language of the brief"), choices=BRIEF_LANGUAGES, default=_page_language,
        validators=[Optional()],  # not sent: the default (or, editing, the brief's own)
        description=_l("The language you write the brief in. You may add it in the other "
                       "language below; readers see the one they chose for the site."),
    )
def brief_form_data(challenge) -> dict:
    """The challenge form's initial goals, language and other-language brief."""
    translation = challenge.translations[0] if challenge.translations else None
    return {
        "city_goals": [g.id for g in challenge.city_goals],
        "locale": challenge.locale,
        **{f"translation_{name}": getattr(translation, name) if translation else ""
           for name in TRANSLATION_FIELDS},
    }


class CriterionForm(Form):
    """One row of the criteria editor (a plain Form: the page's form carries the CSRF token)."""

    id = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional()],
                                render_kw={"rows": 2})
    weight = DecimalField(_l("Weight"), places=2, default=Decimal("1"),
                          validators=[InputRequired(), NumberRange(min=Decimal("0.01"),
                                                                   max=Decimal("999.99"))])
    scale = IntegerField(_l("Scale (scored 1 to...)"), default=5,
                         validators=[InputRequired(), NumberRange(min=2, max=100)])
    comment_required = BooleanField(_l("Jurors explain their score"))
    remove = BooleanField(_l("Remove this criterion"))


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionForm), min_entries=0, max_entries=30)


class TermsForm(FlaskForm):
    text = TextAreaField(
        _l("Terms"), validators=[DataRequired()],
        description=_l("Intellectual property and confidentiality, in Markdown. Saving adds a "
                       "new version; start-ups accept the version in force when they submit."),
        render_kw={"rows": 12},
    )


class FilterForm(Form):
    """The list's filters: a GET form that works without JavaScript (no CSRF needed)."""

    theme = SelectField(_l("Theme"), validators=[Optional()], validate_choice=False)
    partner = SelectField(_l("Partner"), validators=[Optional()], validate_choice=False)
    call = SelectField(_l("Call"), validators=[Optional()], validate_choice=False)
    state = SelectField(_l("Status"), validators=[Optional()], validate_choice=False, choices=[
        SelectChoice("", _l("Any")), SelectChoice("open", _l("Open")),
        SelectChoice("upcoming", _l("Opening soon")),
        # "current" (open or opening soon) is what a partner's page links to.
        SelectChoice("current", _l("Open or opening soon")), SelectChoice("closed", _l("Closed")),
    ])
    sort = SelectField(_l("Sort by"), validators=[Optional()], validate_choice=False, choices=[
        SelectChoice("deadline", _l("Deadline (soonest first)")),
        SelectChoice("newest", _l("Newest")),
    ])
