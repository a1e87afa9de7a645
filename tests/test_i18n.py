"""Italian (the default language) and English: the catalogue is complete, up to date
with the code and well formed, and the site, its mails, dates and numbers speak the
language the visitor chose."""
from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale

from alliance.config import PROJECT_ROOT
from alliance.core import templating
from tests import factories

TRANSLATIONS = PROJECT_ROOT / "translations"
PO = TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as file:
        return read_po(file, locale="it")


@pytest.fixture
def compiled():
    """Pages in Italian need the compiled catalogue, which git does not hold."""
    if not MO.exists():
        pytest.fail(f"{MO.relative_to(PROJECT_ROOT)} is missing: run `make translations` "
                    "(make run and make test do it for you).")
    if MO.stat().st_mtime < PO.stat().st_mtime:
        pytest.fail(f"{MO.relative_to(PROJECT_ROOT)} is older than messages.po: "
                    "run `make translations`.")


@pytest.fixture
def italian_default(app, monkeypatch, compiled):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "it")


def _messages(catalog):
    return [message for message in catalog if message.id]


def _msgid(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


# -- the pages ----------------------------------------------------------------

PAGES = {
    "/": {
        "it": ["Risolvi le sfide smart city di Milano insieme alle sue più grandi aziende",
               "Scopri le sfide aperte", "Registra la tua startup", "Vai al contenuto"],
        "en": ["Solve Milan's smart-city challenges with its largest companies",
               "Browse open challenges", "Register your start-up", "Skip to content"],
    },
    "/challenges/": {
        "it": ["Problemi reali delle aziende partner di Milano, aperti alle startup.",
               "Applica i filtri", "Scadenza (più vicina prima)", "Tutti i temi"],
        "en": ["Real problems from Milan's partner companies, open to start-ups.",
               "Apply filters", "Deadline (soonest first)", "All themes"],
    },
    "/auth/login": {
        "it": ["Accedi", "Indirizzo e-mail", "Ricordami su questo dispositivo",
               "Password dimenticata?", "Prima volta qui?"],
        "en": ["Log in", "E-mail address", "Remember me on this device",
               "Forgot your password?", "New here?"],
    },
}


@pytest.mark.parametrize("url", list(PAGES))
def test_pages_italian_by_default(client, italian_default, url):
    response = client.get(url)

    html = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert '<html lang="it">' in html
    for text in PAGES[url]["it"]:
        assert text in html
    for text in PAGES[url]["en"]:
        assert text not in html


@pytest.mark.parametrize("url", list(PAGES))
def test_pages_english_after_switching_language(client, italian_default, url):
    switched = client.post("/language", data={"lang": "en", "next": url})
    assert switched.status_code == 302
    assert switched.headers["Location"].endswith(url)

    html = htmllib.unescape(client.get(url).get_data(as_text=True))

    assert '<html lang="en">' in html
    for text in PAGES[url]["en"]:
        assert text in html
    for text in PAGES[url]["it"][:2]:
        assert text not in html


def test_language_switch_back_to_italian(client, compiled):
    client.post("/language", data={"lang": "it"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="it">' in html and "Scopri le sfide aperte" in html

    client.post("/language", data={"lang": "en"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Browse open challenges" in html


def test_visitor_language_remembered_after_the_browser_session_ends(app, client, compiled):
    client.post("/language", data={"lang": "it"})
    with client.session_transaction() as session:
        session.clear()  # the browser closed: the session cookie is gone, "lang" stays

    html = client.get("/").get_data(as_text=True)

    assert '<html lang="it">' in html and "Scopri le sfide aperte" in html


def test_saved_language_of_user_used_in_new_session(client, login_as, compiled):
    login_as(factories.UserFactory(locale="it"))  # the site's default is English in tests

    html = client.get("/challenges/").get_data(as_text=True)

    assert '<html lang="it">' in html
    assert "Il mio pannello" in html and "Esci" in html


def test_form_errors_italian(client, italian_default):
    response = client.post("/auth/login", data={"email": "nobody@example.org",
                                                "password": "not the password"})

    assert "E-mail o password non validi." in response.get_data(as_text=True)


def test_flash_message_italian(client, italian_default):
    response = client.get("/dashboard", follow_redirects=True)

    assert "Accedi per aprire questa pagina." in response.get_data(as_text=True)


# -- mails --------------------------------------------------------------------

def test_confirmation_mail_italian_for_italian_visitor(client, mail_outbox, compiled):
    client.post("/language", data={"lang": "it"})

    response = client.post("/auth/register", data={
        "name": "Giulia Bianchi", "email": "giulia.bianchi@example.org",
        "password": "a long enough secret", "password_confirm": "a long enough secret",
        "accept_privacy": "y",
    })

    assert response.status_code == 302
    [message] = mail_outbox
    assert message.subject == "Conferma il tuo indirizzo e-mail"
    assert message.body.startswith("Ciao Giulia Bianchi,")
    assert "grazie per la registrazione a Milano Smart City Alliance." in message.body
    assert "Il link è valido per 72 ore." in message.body
    assert "http://alliance.test/auth/confirm/" in message.body


def test_confirmation_mail_english_for_english_user(client, login_as, mail_outbox, compiled):
    login_as(factories.UserFactory(unconfirmed=True, locale="en", name="John Smith"))

    client.post("/auth/confirm/resend")

    [message] = mail_outbox
    assert message.subject == "Confirm your e-mail address"
    assert message.body.startswith("Hello John Smith,")


def test_resent_confirmation_mail_italian_for_italian_user(client, login_as, mail_outbox,
                                                         compiled):
    login_as(factories.UserFactory(unconfirmed=True, locale="it", name="Marco Rossi"))

    client.post("/auth/confirm/resend")

    [message] = mail_outbox
    assert message.subject == "Conferma il tuo indirizzo e-mail"
    assert message.body.startswith("Ciao Marco Rossi,")


# -- dates and numbers --------------------------------------------------------

def test_dates_and_numbers_italian(app, compiled):
    summer = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    winter = datetime(2026, 1, 13, 17, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("it"):
        assert templating.deadline(summer) == "martedì 31 marzo 2026, 18:00 CEST"
        assert templating.deadline(winter) == "martedì 13 gennaio 2026, 18:00 CET"
        assert templating.when(summer) == "31 mar 2026, 18:00"
        assert templating.money(Decimal("45000")) == "€ 45.000"
        assert templating.time_left(summer, now=datetime(2026, 3, 28, 16, 0, tzinfo=UTC)) \
            == "3 giorni alla scadenza"


def test_dates_and_numbers_english(app):
    summer = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("en"):
        assert templating.deadline(summer).startswith("Tuesday 31 March 2026, 18:00")
        assert templating.money(Decimal("45000")) == "€ 45,000"
        assert templating.time_left(summer, now=datetime(2026, 3, 28, 16, 0, tzinfo=UTC)) \
            == "3 days left"


# -- the catalogue ------------------------------------------------------------

def test_catalogue_complete(catalog):
    assert not catalog.fuzzy, "the header of messages.po is marked fuzzy"
    untranslated = [_msgid(m) for m in _messages(catalog) if not all(_forms(m))]
    fuzzy = [_msgid(m) for m in _messages(catalog) if m.fuzzy]

    assert untranslated == [], f"untranslated in {PO.name}: {untranslated}"
    assert fuzzy == [], f"fuzzy (review, then remove the flag) in {PO.name}: {fuzzy}"
    assert catalog.num_plurals == 2
    assert all(len(_forms(m)) == 2 for m in _messages(catalog) if m.pluralizable)


def test_catalogue_up_to_date_with_code(catalog):
    """Every string marked in alliance/ and templates/ (as babel.cfg says) has its
    Italian translation; `make i18n-update` adds new ones to messages.po."""
    with (PROJECT_ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    extracted: dict[str, tuple[str, bool]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map):
        plural = isinstance(message, tuple | list)
        msgid = message[0] if plural else message
        if msgid:
            extracted.setdefault(msgid, (f"{filename}:{lineno}", plural))

    assert len(extracted) > 500  # the extraction found the project's strings
    missing = [f"{where}: {msgid!r}" for msgid, (where, _) in sorted(extracted.items())
               if msgid not in catalog]
    assert missing == [], (
        "strings missing from translations/it/LC_MESSAGES/messages.po; run `make i18n-update` "
        "and translate them:\n" + "\n".join(missing))
    wrong_kind = [msgid for msgid, (_, plural) in extracted.items()
                  if catalog[msgid].pluralizable != plural]
    assert wrong_kind == [], f"singular/plural differs from the code: {wrong_kind}"


def test_catalogue_placeholders_match(catalog):
    mismatched = []
    for message in _messages(catalog):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(PLACEHOLDER.findall(text) for text in ids))
        for form in _forms(message):
            if set(PLACEHOLDER.findall(form)) != expected:
                mismatched.append((_msgid(message), form))

    assert mismatched == []


def test_catalogue_keeps_markup(catalog):
    """Markdown markers, quotes around UI names and URLs survive the translation."""
    markers = ("**", "*", "##", "“", "”", "https://", "<", ">", "\n")
    changed = []
    for message in _messages(catalog):
        for form in _forms(message):
            if any(message.id.count(m) != form.count(m) for m in markers
                   if isinstance(message.id, str)):
                changed.append((message.id, form))

    assert changed == []


def test_field_parse_error_italian(app, compiled):
    from flask_wtf import FlaskForm

    from alliance.proposals.forms import EuroField

    class CostForm(FlaskForm):
        cost = EuroField("cost")

    with app.test_request_context(method="POST", data={"cost": "about 40k"}), \
            force_locale("it"):
        form = CostForm()
        assert not form.validate()
        assert form.cost.errors == ["Importo non valido: scrivilo come 45000 o 45000,50"]
