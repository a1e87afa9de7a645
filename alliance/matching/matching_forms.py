"""Forms of the pilot matching: the admin's settings, adjustments and lock; the
start-up's ranking of the challenges it may pilot."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField
from wtforms import SelectChoice as Choice
from wtforms.validators import DataRequired, InputRequired, NumberRange

from alliance.core.forms import id_range
from alliance.matching.models import ADJUSTMENTS, OPTIMAL, STABLE
from alliance.matching.pilot_matching import MAX_PILOTS_PER_STARTUP


class SettingsForm(FlaskForm):
    pilots_per_startup = IntegerField(
        _l("Pilots per start-up"), default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_PILOTS_PER_STARTUP)],
        description=_l("How many pilots one start-up may take in this call (usually 1)."))


class AdjustmentForm(FlaskForm):
    startup_id = IntegerField(validators=[InputRequired(), id_range()])
    challenge_id = IntegerField(validators=[InputRequired(), id_range()])
    kind = SelectField(choices=[Choice(k, k) for k in ADJUSTMENTS], validators=[InputRequired()])


class LockForm(FlaskForm):
    solution = RadioField(
        _l("Propose the pilots of"), default=OPTIMAL, validators=[InputRequired()],
        choices=[Choice(OPTIMAL, _l("the optimal matching (highest total score)")),
                 Choice(STABLE, _l("the stable matching (no unhappy pair)"))])
    confirm = BooleanField(
        _l("I have checked the matching: propose these pilots and e-mail both sides."),
        validators=[DataRequired(_l("Tick the box to confirm."))])


class RematchForm(FlaskForm):
    startup_id = IntegerField(validators=[InputRequired(), id_range()])


class PreferencesForm(FlaskForm):
    """The ranking of one call's challenges: a place per challenge (fields added by
    :func:`preferences_form`)."""

    call_id = HiddenField()

    def ranked_ids(self) -> list[int]:
        """The challenge ids in the order of the places given."""
        places = [(int(field.data), challenge_id) for challenge_id, field in self.rank_fields()]
        return [challenge_id for _place, challenge_id in sorted(places)]

    def rank_fields(self):
        return [(int(name.removeprefix("rank_")), field) for name, field in self._fields.items()
                if name.startswith("rank_")]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        seen: dict[str, list] = {}
        for _id, field in self.rank_fields():
            seen.setdefault(field.data, []).append(field)
        duplicates = [fields for fields in seen.values() if len(fields) > 1]
        for fields in duplicates:
            for field in fields:
                field.errors = [*field.errors, _l("Another challenge has this place too.")]
        if duplicates:
            self.form_errors.append(_l("Give each challenge a different place: 1 is the "
                                       "pilot you want most."))
            return False
        return True


def preferences_form(call_id: int, challenge_ids: list[int], *, formdata) -> PreferencesForm:
    """A form with one place select (1..n) per challenge, placed in the order given;
    ``formdata``: the request's form when it posted this one, else None."""
    n = len(challenge_ids)
    choices = [Choice(str(i), str(i)) for i in range(1, n + 1)]

    class Form(PreferencesForm):
        pass

    for place, challenge_id in enumerate(challenge_ids, start=1):
        setattr(Form, f"rank_{challenge_id}", SelectField(
            _l("Place"), choices=choices, default=str(place), validators=[InputRequired()]))
    return Form(formdata=formdata, call_id=str(call_id))
