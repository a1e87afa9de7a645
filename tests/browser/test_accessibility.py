"""axe-core (WCAG 2.1 A and AA) finds no violation on the main pages, each seen by the
user it is meant for, in English and (a representative subset) in Italian, the site's
default; the proposal form works with the keyboard alone."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from tests.browser.support import MISSING, describe, login, run_axe

# One xdist group: with `--dist loadgroup` (make test) one worker serves and drives them all.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"),
              pytest.mark.skipif(bool(MISSING), reason=MISSING)]

STARTUP, JURY, ADMIN = "startup@alliance.demo", "jury@alliance.demo", "admin@alliance.demo"

# (who, page): who is None for a visitor; page names resolve to paths in ``paths``.
PAGES = [
    (None, "home"), (None, "challenges"), (None, "challenge"), (None, "partners"),
    (None, "partner"), (None, "search"), (None, "calls"), (None, "login"), (None, "register"),
    (ADMIN, "call results"),
    (STARTUP, "start-up dashboard"), (STARTUP, "start-up profile form"),
    (STARTUP, "proposal form"), (STARTUP, "receipt"),
    (JURY, "jury dashboard"), (JURY, "review"),
    (None, "goals"), (None, "goal"), (None, "privacy notice"), (None, "reset password"),
    (STARTUP, "my data"),
    (ADMIN, "admin console"), (ADMIN, "admin proposals"), (ADMIN, "ranking"),
    (ADMIN, "ranking with decisions"), (ADMIN, "admin users"), (ADMIN, "admin user"),
    (ADMIN, "admin audit"), (ADMIN, "admin mail"), (ADMIN, "admin webhooks"),
    (ADMIN, "admin goals"), (ADMIN, "admin new goal"), (ADMIN, "admin privacy"),
    (ADMIN, "admin api tokens"),
]
# The Italian pass (the real site's default language) over a representative subset.
ITALIAN_PAGES = [
    (None, "home"), (None, "challenges"), (None, "challenge"), (None, "register"),
    (None, "goals"), (STARTUP, "proposal form"), (ADMIN, "admin console"),
]
LOCALIZED = [(w, n, "en") for w, n in PAGES] + [(w, n, "it") for w, n in ITALIAN_PAGES]


@pytest.fixture(scope="module")
def paths(browser_app) -> dict[str, str]:
    from alliance.auth.models import User
    from alliance.auth.tokens import make_reset_token
    from alliance.challenges.models import IN_EVALUATION, PUBLISHED, Call, Challenge, CityGoal
    from alliance.evaluation.models import Assignment, Decision, Review
    from alliance.partners.models import Partner
    from alliance.proposals.models import Proposal
    from alliance.startups.models import Startup, StartupMembership

    with browser_app.app_context():
        def first(query):
            return db.session.execute(query.limit(1)).scalar_one()

        challenge = first(sa.select(Challenge.slug).where(Challenge.status == PUBLISHED)
                          .order_by(Challenge.deadline))
        partner = first(sa.select(Partner.slug).order_by(Partner.name))
        call = first(sa.select(Call.slug).join(Challenge, Challenge.call_id == Call.id)
                     .join(Proposal, Proposal.challenge_id == Challenge.id)
                     .join(Decision, Decision.proposal_id == Proposal.id))
        draft = first(sa.select(Proposal.id)
                      .join(StartupMembership,
                            StartupMembership.startup_id == Proposal.startup_id)
                      .join(User, User.id == StartupMembership.user_id)
                      .where(User.email == STARTUP, Proposal.status == "draft"))
        submitted = first(sa.select(Proposal.id)
                          .join(StartupMembership,
                                StartupMembership.startup_id == Proposal.startup_id)
                          .join(User, User.id == StartupMembership.user_id)
                          .where(User.email == STARTUP, Proposal.status == "submitted"))
        startup = first(sa.select(Startup.slug)
                        .join(StartupMembership, StartupMembership.startup_id == Startup.id)
                        .join(User, User.id == StartupMembership.user_id)
                        .where(User.email == STARTUP))
        assignment = first(sa.select(Assignment.id).join(User, User.id == Assignment.user_id)
                           .outerjoin(Review, Review.assignment_id == Assignment.id)
                           .where(User.email == JURY)
                           .order_by(sa.case((Review.status == "draft", 0), else_=1)))
        decided = first(sa.select(Proposal.challenge_id)
                        .join(Decision, Decision.proposal_id == Proposal.id))
        in_evaluation = first(sa.select(Challenge.id).where(Challenge.status == IN_EVALUATION))
        goal = first(sa.select(CityGoal.slug).where(CityGoal.slug == "building-retrofits"))
        startup_user = first(sa.select(User.id).where(User.email == STARTUP))
        # The reset page asks for the privacy consent of a user who never gave it.
        resetting = db.session.execute(
            sa.select(User).order_by(sa.case((User.privacy_consent_at.is_(None), 0), else_=1),
                                     User.id).limit(1)).scalar_one()
        reset_token = make_reset_token(resetting)
    return {
        "home": "/", "challenges": "/challenges/", "challenge": f"/challenges/{challenge}",
        "partners": "/partners/", "partner": f"/partners/{partner}",
        "search": "/search?q=energia", "calls": "/calls/", "call results": f"/calls/{call}/results",
        "login": "/auth/login", "register": "/auth/register",
        "start-up dashboard": "/startup/dashboard", "proposal form": f"/proposals/{draft}/edit",
        "start-up profile form": f"/startups/{startup}/edit",
        "receipt": f"/proposals/{submitted}/receipts/1",
        "jury dashboard": "/jury/", "review": f"/jury/assignments/{assignment}",
        "admin console": "/admin/", "admin proposals": "/admin/proposals",
        "ranking": f"/admin/evaluation/challenges/{decided}/ranking",
        "ranking with decisions": f"/admin/evaluation/challenges/{in_evaluation}/ranking",
        "goals": "/goals/", "goal": f"/goals/{goal}", "privacy notice": "/privacy",
        "reset password": f"/auth/reset/{reset_token}", "my data": "/account/privacy",
        "admin users": "/admin/users/", "admin user": f"/admin/users/{startup_user}",
        "admin audit": "/admin/audit/", "admin mail": "/admin/mail/",
        "admin webhooks": "/admin/webhooks/", "admin goals": "/admin/goals/",
        "admin new goal": "/admin/goals/new", "admin privacy": "/admin/privacy/",
        "admin api tokens": "/admin/api-tokens/",
    }


@pytest.fixture(scope="module")
def pages_as(browser, live_server):
    """``pages_as(email, lang)``: one logged-in page per user and language for the whole
    module (axe's script goes in as an inline script: the context bypasses the CSP). The
    language is the one the site remembers in its cookie, set after logging in (the login
    helper reads the English labels); the demo users have none of their own, so the
    cookie decides."""
    from alliance.core.languages import LANGUAGE_COOKIE
    from alliance.seed.demo_startups import DEMO_PASSWORD

    contexts: dict = {}

    def get(email, lang="en"):
        if (email, lang) not in contexts:
            context = browser.new_context(base_url=live_server, bypass_csp=True,
                                          locale="it-IT" if lang == "it" else "en-GB")
            context.set_default_timeout(10_000)
            page = context.new_page()
            if email:
                login(page, email, DEMO_PASSWORD)
            context.add_cookies([{"name": LANGUAGE_COOKIE, "value": lang, "url": live_server}])
            contexts[email, lang] = page
        return contexts[email, lang]

    yield get
    for page in contexts.values():
        page.context.close()


@pytest.mark.parametrize(("who", "name", "lang"), LOCALIZED,
                         ids=[f"{lang}:{w or 'visitor'}:{n}" for w, n, lang in LOCALIZED])
def test_page_has_no_axe_violation(pages_as, paths, who, name, lang):
    page = pages_as(who, lang)
    response = page.goto(paths[name])
    assert response.status == 200, f"{paths[name]}: {response.status}"
    assert page.locator("html").get_attribute("lang") == lang
    violations = run_axe(page)
    assert not violations, f"{paths[name]}:\n{describe(violations)}"


@pytest.mark.parametrize(("path", "button"), [
    ("/auth/register", "Create my account"), ("/auth/login", "Log in"),
])
def test_form_with_errors_has_no_axe_violation(pages_as, path, button):
    """A form sent empty comes back with its errors, still accessible."""
    page = pages_as(None)
    page.goto(path)
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name=button).click()
    assert page.locator(".is-invalid, .alert-danger").count()
    violations = run_axe(page)
    assert not violations, f"{path} with errors:\n{describe(violations)}"


def _tab_to(page, element_id: str, most: int = 8) -> None:
    """Press Tab until the element ``element_id`` has the focus (at most ``most`` times)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with {most} presses of Tab")


def test_proposal_form_works_with_the_keyboard_alone(new_page, paths):
    """Tab to each field in order, type, save with Enter, then submit with Space: no mouse."""
    from alliance.seed.demo_startups import DEMO_PASSWORD

    page = new_page()
    login(page, STARTUP, DEMO_PASSWORD)
    page.goto(paths["proposal form"])

    _tab_to(page, "title", most=40)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Street lights that count the traffic")
    _tab_to(page, "abstract")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Light poles measure traffic and air quality.")
    _tab_to(page, "description")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Forty poles in Municipio 3 for six months.")
    _tab_to(page, "trl")
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    _tab_to(page, "pilot_duration_months")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("6")
    _tab_to(page, "pilot_cost_eur")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("38000")
    _tab_to(page, "team")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Two engineers and a data scientist.")
    # Past the attachment, the confidentiality choices and the terms, to the box to tick.
    _tab_to(page, "accept_terms", most=20)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.value]")
    assert focused == ["BUTTON", "save"]
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_text("Draft saved.").is_visible()
    assert page.locator("#title").input_value() == "Street lights that count the traffic"
    assert page.locator("#pilot_cost_eur").input_value() in ("38000", "38000.00", "38,000.00")
    assert page.locator("#trl").input_value() not in ("", None)

    page.evaluate("document.activeElement.blur()")
    _tab_to(page, "accept_terms", most=60)
    if not page.locator("#accept_terms").is_checked():
        page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "submit"
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/proposals/\d+/receipts/\d+$"))
    assert "Street lights that count the traffic" in page.locator("main").inner_text()
