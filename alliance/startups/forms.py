"""Forms of the start-up pages: profile, invitations, customers, investors and competitors."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from alliance.core.taxonomy import Theme
from alliance.evaluation.conflicts import company_key
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.startups import vat
from alliance.startups.models import RELATION_KINDS, STAGES
from alliance.startups.services import RelationInput, StartupDetails

STAGE_LABELS = {
    "idea": _l("Idea: we are validating the concept"),
    "prototype": _l("Prototype: a working proof of concept"),
    "mvp": _l("Minimum viable product: first users or pilots"),
    "revenue": _l("Early revenue: paying customers"),
    "growth": _l("Growth: scaling up"),
}


def stage_label(stage: str) -> str:
    """The readable (translated) name of a stage."""
    return str(STAGE_LABELS.get(stage, stage))


def country_choices() -> list[SelectChoice]:
    """Two-letter country codes named in the user's language, Italy first."""
    locale = get_locale() or Locale("it")
    names = {code: name for code, name in locale.territories.items()
             if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "EZ", "UN", "QO")}
    italy = SelectChoice("IT", names.pop("IT", "Italia"))
    return [italy, *(SelectChoice(code, name)
                     for code, name in sorted(names.items(), key=lambda item: item[1]))]


class StartupForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=120)])
    vat_number = StringField(
        _l("Italian VAT number (partita IVA)"), validators=[Optional(), Length(max=20)],
        description=_l("11 digits. Companies registered abroad give their registration "
                       "number below instead."),
    )
    registration_number = StringField(
        _l("Foreign registration number"), validators=[Optional(), Length(max=40)],
        description=_l("Only if the company has no Italian partita IVA."),
    )
    country = SelectField(_l("Country of registration"), default="IT")
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=80)])
    founded_year = IntegerField(_l("Year founded"), validators=[InputRequired()])
    team_size = IntegerField(
        _l("Team size"), validators=[InputRequired(), NumberRange(min=1, max=100000)],
        description=_l("People working in the start-up, founders included."),
    )
    stage = SelectField(_l("Stage"), choices=[SelectChoice(s, STAGE_LABELS[s]) for s in STAGES],
                        validators=[DataRequired()])
    sectors = SelectMultipleField(_l("Sectors"), coerce=int)
    website = URLField(
        _l("Website"), validators=[Optional(), URL(message=_l("Give a full web address, "
                                                             "starting with https://")),
                                   Length(max=255)],
    )
    pitch = TextAreaField(
        _l("Short pitch"), validators=[DataRequired(), Length(max=600)],
        description=_l("What you do and for whom, in at most 600 characters."),
        render_kw={"rows": 4, "maxlength": 600},
    )
    is_public = BooleanField(_l("Show our profile publicly on the site"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        locale = str(get_locale() or "it")
        themes = db.session.scalars(sa.select(Theme).order_by(Theme.position, Theme.id))
        self.sectors.choices = [SelectChoice(t.id, t.name(locale)) for t in themes]

    def validate_vat_number(self, field):
        if field.data and field.data.strip():
            message = vat.error_message(field.data)
            if message:
                raise ValidationError(message)

    def validate_founded_year(self, field):
        this_year = date.today().year
        if field.data is not None and not 1800 <= field.data <= this_year:
            raise ValidationError(_l("Give a year between 1800 and %(year)s.", year=this_year))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.vat_number.data or "").strip() and not (
            self.registration_number.data or ""
        ).strip():
            self.vat_number.errors = [*self.vat_number.errors, _l(
                "Give an Italian partita IVA or a foreign registration number.")]
            valid = False
        return valid

    def details(self) -> StartupDetails:
        return StartupDetails(
            name=self.name.data.strip(),
            vat_number=(self.vat_number.data or "").strip() or None,
            registration_number=(self.registration_number.data or "").strip() or None,
            country=self.country.data or "IT",
            city=self.city.data.strip(),
            founded_year=self.founded_year.data,
            team_size=self.team_size.data,
            stage=self.stage.data,
            website=(self.website.data or "").strip(),
            pitch=self.pitch.data.strip(),
            is_public=bool(self.is_public.data),
            sector_ids=list(self.sectors.data or []),
        )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the person to invite"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


RELATION_LABELS = {
    "customer": _l("Customer"),
    "investor": _l("Investor"),
    "competitor": _l("Competitor"),
}


def relation_label(kind: str) -> str:
    """The readable (translated) name of a relation kind."""
    return str(RELATION_LABELS.get(kind, kind))


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class RelationForm(FlaskForm):
    """One company the start-up works with or competes against."""

    kind = SelectField(
        _l("Relation"), validators=[DataRequired()],
        choices=[SelectChoice(kind, RELATION_LABELS[kind]) for kind in RELATION_KINDS],
    )
    company_name = StringField(
        _l("Company name"), validators=[Optional(), Length(max=160)],
        description=_l("As it is usually written, for example “Enel X” or “Comune di Milano”."),
    )
    partner = SelectField(
        _l("Is it one of the Alliance's partner companies?"), coerce=_optional_int,
        description=_l("Pick it if so. We also recognise a partner by its name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partners = sorted(db.session.scalars(sa.select(Partner)),
                               key=lambda p: p.name.casefold())
        self.partner.choices = [SelectChoice("", _l("No, another company"))] + [
            SelectChoice(str(p.id), p.name) for p in self.partners
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.company_name.data or "").strip() and self.partner.data is None:
            self.company_name.errors = [*self.company_name.errors, _l(
                "Give the company's name or pick a partner company.")]
            valid = False
        return valid

    def matched_partner_id(self) -> int | None:
        """The partner picked in the list or, failing that, the one whose name matches
        the typed name whatever the case and the legal suffix ("enel x spa" = "Enel X")."""
        if self.partner.data is not None:
            return self.partner.data
        key = company_key(self.company_name.data or "")
        if not key:
            return None
        return next((p.id for p in self.partners if company_key(p.name) == key), None)

    def relation(self) -> RelationInput:
        return RelationInput(kind=self.kind.data,
                             company_name=(self.company_name.data or "").strip(),
                             partner_id=self.matched_partner_id())
