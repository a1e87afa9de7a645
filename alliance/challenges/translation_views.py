"""The brief in the other language, on its own page: the lead partner or an admin adds,
changes or removes it at any time before the challenge is archived (the challenge form
holds it too, but only drafts can be edited). Registered on the challenges blueprint."""
from __future__ import annotations

from babel import Locale
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.challenges import services
from alliance.challenges.forms import BriefTranslationForm, brief_form_data
from alliance.challenges.views import _load, bp
from alliance.core.forms import saving
from alliance.core.models import utcnow


def _language_name(code: str) -> str:
    """``en`` as the reader says it: "inglese", "English"."""
    return Locale.parse(code).get_language_name(get_locale())


@bp.route("/<slug>/translation", methods=["GET", "POST"])
@login_required
def translate(slug):
    challenge = _load(slug)
    policy.require(policy.can_translate_challenge(current_user, challenge))
    form = BriefTranslationForm(data=brief_form_data(challenge))
    if form.validate_on_submit():
        with saving(form) as outcome:
            services.save_translation(
                challenge=challenge, data=services.TranslationData(**form.translation_values()),
                user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("The brief in the other language is saved.") if challenge.translations
                  else _("The brief in the other language is removed."), "success")
            return redirect(url_for(".detail", slug=challenge.slug))
    other = "en" if challenge.locale == "it" else "it"
    for field in form.translation_fields():  # the text typed is in the other language
        field.render_kw = {**(field.render_kw or {}), "lang": other}
    return render_template("challenges/translation.html", form=form, challenge=challenge,
                           own_language=_language_name(challenge.locale),
                           other_language=_language_name(other), other=other), \
        422 if form.errors else 200
