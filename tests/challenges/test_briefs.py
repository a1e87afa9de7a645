"""A challenge's brief in two languages: saved from the form (all or nothing), shown in
the reader's language when the challenge has it, marked with ``lang`` otherwise."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.challenges.briefs import brief_for
from alliance.challenges.models import Challenge, ChallengeTranslation
from alliance.core.audit import AuditEvent
from alliance.extensions import db
from tests import factories


def translate(challenge: Challenge, locale: str = "en", **changes) -> ChallengeTranslation:
    data = {"locale": locale, "title": "Fibre in the sewers",
            "summary": "Broadband through the sewer pipes.",
            "description": "## Context\n\nNo **digging**.", "expected_outcomes": "A map.",
            "rewards": "A pilot.", "eligibility": "EU start-ups."}
    data.update(changes)
    translation = ChallengeTranslation(challenge=challenge, **data)
    db.session.add(translation)
    db.session.flush()
    return translation


@pytest.fixture
def italian():
    """A published challenge written in Italian."""
    return factories.ChallengeFactory(
        published=True, locale="it", title="Fibra nelle fognature",
        summary="Banda larga attraverso le fognature.",
        description="## Contesto\n\nNiente **scavi**.")


def _page(client, challenge: Challenge, lang: str) -> str:
    client.post("/language", data={"lang": lang})
    return client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)


# -- choosing the language ------------------------------------------------------------

def test_brief_for_reader_of_other_language_gets_translation(italian):
    translate(italian)
    brief = brief_for(italian, "en")
    assert (brief.title, brief.locale, brief.also_in) == ("Fibre in the sewers", "en", ("it",))


def test_brief_for_reader_of_own_language_gets_original(italian):
    translate(italian)
    brief = brief_for(italian, "it")
    assert (brief.title, brief.locale, brief.also_in) == ("Fibra nelle fognature", "it", ("en",))


def test_brief_for_without_translation_gets_original(italian):
    brief = brief_for(italian, "en")
    assert (brief.title, brief.locale, brief.also_in) == ("Fibra nelle fognature", "it", ())
    assert brief.lang_attr("en") == "it" and brief.lang_attr("it") == ""


# -- the pages ---------------------------------------------------------------------

def test_detail_english_reader_sees_translation(client, italian):
    translate(italian)
    page = _page(client, italian, "en")
    assert '<h1 class="h2">Fibre in the sewers</h1>' in page
    assert "<strong>digging</strong>" in page and "Fibra nelle fognature" not in page
    assert 'lang="it">Disponibile anche in italiano</button>' in page


def test_detail_italian_reader_sees_original_and_offer(client, italian):
    translate(italian)
    page = _page(client, italian, "it")
    assert '<h1 class="h2">Fibra nelle fognature</h1>' in page
    assert 'lang="en">Also available in English</button>' in page
    assert "Fibre in the sewers" not in page


def test_detail_without_translation_marks_language(client, italian):
    page = _page(client, italian, "en")
    assert '<h1 class="h2" lang="it">Fibra nelle fognature</h1>' in page
    assert '<div class="prose" lang="it">' in page
    assert "Also available" not in page and "Disponibile anche" not in page


def test_card_english_reader_sees_translation(client, italian):
    translate(italian, summary="Broadband, no digging.")
    client.post("/language", data={"lang": "en"})
    page = client.get("/challenges/").get_data(as_text=True)
    assert "Fibre in the sewers" in page and "Broadband, no digging." in page
    assert "Fibra nelle fognature" not in page


def test_card_without_translation_marks_language(client, italian):
    client.post("/language", data={"lang": "en"})
    page = client.get("/challenges/").get_data(as_text=True)
    assert '<h3 class="h5 card-title" lang="it">' in page


# -- the form ------------------------------------------------------------------------

def _form(challenge: Challenge, **changes) -> dict:
    data = {
        "call": str(challenge.call_id), "theme": str(challenge.theme_id),
        "title": challenge.title, "slug": challenge.slug, "summary": challenge.summary,
        "description": challenge.description, "expected_outcomes": "Risultati.",
        "rewards": "Premi.", "eligibility": "Requisiti.",
        "opens_at": "2030-02-01T09:00", "deadline": "2030-03-28T12:00", "pilot_slots": "1",
        "locale": "it",
    }
    data.update(changes)
    return data


@pytest.fixture
def own_draft(partner_user):
    return factories.ChallengeFactory(lead_partner=partner_user.partner_membership.partner,
                                      title="Fibra nelle fognature")


def _saved(challenge: Challenge) -> Challenge:
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


def test_form_saves_translation(client, login_as, partner_user, own_draft):
    login_as(partner_user)
    response = client.post(f"/challenges/{own_draft.slug}/edit", data=_form(
        own_draft, translation_title="Fibre in the sewers",
        translation_summary="Broadband without digging.",
        translation_description="No **digging**.", translation_rewards="A pilot."))
    assert response.status_code == 302
    saved = _saved(own_draft)
    assert saved.locale == "it"
    [translation] = saved.translations
    assert (translation.locale, translation.title, translation.rewards,
            translation.eligibility) == ("en", "Fibre in the sewers", "A pilot.", "")


def test_form_edit_shows_saved_translation(client, login_as, partner_user, own_draft):
    translate(own_draft, title="Fibre in the sewers")
    login_as(partner_user)
    page = client.get(f"/challenges/{own_draft.slug}/edit").get_data(as_text=True)
    assert 'value="Fibre in the sewers"' in page
    assert '<details class="brief-translation border rounded p-3 mb-3" open>' in page


def test_form_partial_translation_refused_keeping_input(client, login_as, partner_user,
                                                        own_draft):
    login_as(partner_user)
    response = client.post(f"/challenges/{own_draft.slug}/edit", data=_form(
        own_draft, title="Nuovo titolo", translation_title="Fibre in the sewers"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Also fill this in, or empty the brief in the other language.") == 2
    assert 'value="Fibre in the sewers"' in page and 'value="Nuovo titolo"' in page
    saved = _saved(own_draft)
    assert saved.translations == [] and saved.title == "Fibra nelle fognature"


def test_form_emptied_translation_deleted(client, login_as, partner_user, own_draft):
    translate(own_draft)
    login_as(partner_user)
    emptied = {f"translation_{name}": "" for name in (
        "title", "summary", "description", "expected_outcomes", "rewards", "eligibility")}
    response = client.post(f"/challenges/{own_draft.slug}/edit",
                           data=_form(own_draft, **emptied))
    assert response.status_code == 302
    assert _saved(own_draft).translations == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChallengeTranslation)) == 0


def test_form_language_switch_moves_translation_to_other_language(client, login_as,
                                                                  partner_user, own_draft):
    translate(own_draft, locale="en")
    login_as(partner_user)
    response = client.post(f"/challenges/{own_draft.slug}/edit", data=_form(
        own_draft, locale="en", title="Fibre in the sewers",
        translation_title="Fibra nelle fognature", translation_summary="Banda larga.",
        translation_description="Niente scavi."))
    assert response.status_code == 302
    saved = _saved(own_draft)
    assert saved.locale == "en"
    assert [(t.locale, t.title) for t in saved.translations] == [("it", "Fibra nelle fognature")]


def test_form_unknown_language_refused(client, login_as, partner_user, own_draft):
    login_as(partner_user)
    response = client.post(f"/challenges/{own_draft.slug}/edit",
                           data=_form(own_draft, locale="fr"))
    assert response.status_code == 422
    assert _saved(own_draft).locale == "it"


def test_create_challenge_in_english_with_italian_brief(client, login_as, partner_user):
    call, theme = factories.CallFactory(), factories.ThemeFactory()
    login_as(partner_user)
    response = client.post("/challenges/new", data={
        "call": str(call.id), "theme": str(theme.id), "title": "Cleaner air", "slug": "",
        "summary": "Less smog near schools.", "description": "Sensors.",
        "expected_outcomes": "A map.", "rewards": "A pilot.", "eligibility": "EU.",
        "opens_at": "2030-02-01T09:00", "deadline": "2030-03-28T12:00", "pilot_slots": "1",
        "locale": "en", "translation_title": "Aria più pulita",
        "translation_summary": "Meno smog vicino alle scuole.",
        "translation_description": "Sensori."})
    assert response.status_code == 302
    db.session.expire_all()
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.title == "Cleaner air"))
    assert challenge.locale == "en"
    assert [(t.locale, t.title) for t in challenge.translations] == [("it", "Aria più pulita")]


def test_search_finds_challenge_by_its_translation(italian):
    from alliance.search.documents import challenge_document

    translate(italian, title="Fibre in the sewers")
    assert "Fibre in the sewers" in challenge_document(italian).body


def test_translation_texts_come_back_escaped(client, login_as, partner_user, own_draft):
    from tests.security.xss_corpus import (
        LONG_PAYLOAD,
        MARKDOWN_TEXT,
        PAYLOADS,
        check_page,
        chunks,
        marker,
        rounds,
    )

    login_as(partner_user)
    for values in rounds(translation_title=chunks(200, PAYLOADS),
                         translation_summary=chunks(500),
                         translation_description=[MARKDOWN_TEXT, LONG_PAYLOAD],
                         translation_rewards=[MARKDOWN_TEXT]):
        form = _form(own_draft, **values)
        refused = client.post(f"/challenges/{own_draft.slug}/edit",
                              data={**form, "translation_description": ""})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=marker(values["translation_title"]))
        assert client.post(f"/challenges/{own_draft.slug}/edit", data=form).status_code == 302
        client.post("/language", data={"lang": "en"})
        for url in (f"/challenges/{own_draft.slug}", "/partner/dashboard"):
            check_page(client.get(url).get_data(as_text=True))
        check_page(client.get(f"/challenges/{own_draft.slug}").get_data(as_text=True),
                   shows=[marker(values["translation_title"]),
                          marker(values["translation_summary"])])


# -- translating a challenge already published ---------------------------------------------

def test_published_challenge_translated_by_its_partner(client, login_as, partner_user):
    published = factories.ChallengeFactory(
        published=True, locale="it", lead_partner=partner_user.partner_membership.partner,
        title="Fibra nelle fognature")
    login_as(partner_user)

    page = client.get(f"/challenges/{published.slug}")
    form = client.get(f"/challenges/{published.slug}/translation")
    response = client.post(f"/challenges/{published.slug}/translation", data={
        "translation_title": "Fibre in the sewers", "translation_summary": "No digging.",
        "translation_description": "Broadband **through** the pipes."})

    assert f'/challenges/{published.slug}/translation"' in page.text
    assert "Brief in English" in form.text and 'lang="en"' in form.text
    assert response.status_code == 302
    saved = _saved(published)
    assert saved.status == "published" and saved.title == "Fibra nelle fognature"
    assert [(t.locale, t.title) for t in saved.translations] == [("en", "Fibre in the sewers")]
    assert db.session.scalar(sa.select(AuditEvent.data).where(
        AuditEvent.action == "challenge.translated", AuditEvent.object_id == published.id)) \
        == {"locale": "en", "removed": False}


def test_translation_page_partial_input_kept_and_refused(client, login_as, partner_user):
    published = factories.ChallengeFactory(
        published=True, lead_partner=partner_user.partner_membership.partner)
    login_as(partner_user)

    response = client.post(f"/challenges/{published.slug}/translation",
                           data={"translation_title": "Only a title"})

    assert response.status_code == 422
    assert "Also fill this in" in response.text and 'value="Only a title"' in response.text
    assert _saved(published).translations == []


def test_translation_page_emptied_removes_it(client, login_as, admin, italian):
    translate(italian)
    login_as(admin)

    response = client.post(f"/challenges/{italian.slug}/translation", data={
        f"translation_{name}": "" for name in ("title", "summary", "description",
                                               "expected_outcomes", "rewards", "eligibility")})

    assert response.status_code == 302 and _saved(italian).translations == []


def test_translation_page_closed_to_other_partners_and_archived(client, login_as, italian):
    login_as(factories.PartnerUserFactory())
    assert client.get(f"/challenges/{italian.slug}/translation").status_code == 403

    italian.status = "archived"
    login_as(factories.UserFactory(admin=True))
    assert client.get(f"/challenges/{italian.slug}/translation").status_code == 403
