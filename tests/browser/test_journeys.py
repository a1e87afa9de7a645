"""End-to-end journeys in a real browser: a founder from registration to the receipt,
a juror's review, an admin's decision."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from tests.browser.support import MISSING, login

# One xdist group: with `--dist loadgroup` (make test) one worker serves and drives them all.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"),
              pytest.mark.skipif(bool(MISSING), reason=MISSING)]

JURY, ADMIN = "jury@alliance.demo", "admin@alliance.demo"


def _expect(locator):
    """Playwright's waiting assertions (imported late: the module loads without Playwright)."""
    from playwright.sync_api import expect

    return expect(locator)


def _demo_password() -> str:
    from alliance.seed.demo_startups import DEMO_PASSWORD

    return DEMO_PASSWORD


def _open_challenge(in_app):
    """A published challenge open today: (slug, title)."""
    from alliance.challenges.models import PUBLISHED, Challenge

    now = datetime.now(UTC)
    with in_app():
        return db.session.execute(
            sa.select(Challenge.slug, Challenge.title)
            .where(Challenge.status == PUBLISHED, Challenge.opens_at <= now,
                   Challenge.deadline > now)
            .order_by(Challenge.deadline.desc()).limit(1)
        ).one()


def _link_sent_to(outbox, email: str, pattern: str) -> str:
    """The path of the link matching ``pattern`` in the last message sent to ``email``."""
    bodies = [m.body for m in outbox if email in m.to]
    assert bodies, f"no message sent to {email}"
    match = re.search(rf"https?://\S+?({pattern}\S*)", bodies[-1])
    assert match, bodies[-1]
    return urlsplit(match.group(0)).path


def test_founder_registers_creates_startup_applies_and_gets_receipt(page, outbox, in_app):
    from alliance.seed.demo import partita_iva

    email = "giada.founder@aurora-mobility.example.com"
    page.goto("/auth/register")
    page.locator("#name").fill("Giada Fondatrice")
    page.locator("#email").fill(email)
    page.locator("#password").fill("a long walk by the naviglio")
    page.locator("#password_confirm").fill("a long walk by the naviglio")
    page.locator("#accept_privacy").check()
    page.get_by_role("button", name="Create my account").click()
    _expect(page.get_by_role("alert").filter(has_text="We sent a link to")).to_be_visible()

    page.goto(_link_sent_to(outbox, email, "/auth/confirm/"))
    _expect(page.get_by_text("is confirmed")).to_be_visible()

    page.goto("/startups/new")
    page.locator("#name").fill("Aurora Mobility S.r.l.")
    page.locator("#vat_number").fill(partita_iva("0987654321"))
    page.locator("#city").fill("Milano")
    page.locator("#founded_year").fill("2023")
    page.locator("#team_size").fill("6")
    page.locator("#pitch").fill("Shared e-cargo bikes for the last mile in Milan.")
    with page.expect_navigation():
        page.get_by_role("button", name="Register the start-up").click()
    assert page.locator(".is-invalid").count() == 0, page.locator("main").inner_text()
    assert "/startups/new" not in page.url
    _expect(page.get_by_text("Aurora Mobility S.r.l.").first).to_be_visible()

    slug, title = _open_challenge(in_app)
    page.goto(f"/challenges/{slug}")
    page.locator(".apply-box:visible").get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/edit$"))
    page.locator("#title").fill("Cargo bikes that charge from the street lights")
    page.locator("#abstract").fill("A pilot of twenty shared e-cargo bikes in Municipio 8.")
    page.get_by_role("button", name="Save draft").click()
    _expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert page.locator("#title").input_value() == "Cargo bikes that charge from the street lights"

    page.locator("#description").fill("## The pilot\n\nTwenty bikes, two docks, six months.")
    page.locator("#trl").select_option("7")
    page.locator("#pilot_duration_months").fill("6")
    page.locator("#pilot_cost_eur").fill("45000")
    page.locator("#team").fill("Giada (operations), two engineers, one mechanic.")
    if page.locator("#accept_terms").count():
        page.locator("#accept_terms").check()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/receipts/1$"))
    _expect(page.get_by_role("heading", name="Submission receipt")).to_be_visible()
    receipt = page.locator("main").inner_text()
    assert "Cargo bikes that charge from the street lights" in receipt
    assert "Aurora Mobility" in receipt and title in receipt
    assert re.search(r"\b[0-9a-f]{64}\b", receipt)
    assert any(email in m.to for m in outbox[-3:])


def _assignment_to_review(in_app) -> int:
    """One of the demo juror's assignments in a round under review, not yet submitted."""
    from alliance.auth.models import User
    from alliance.evaluation.models import (
        DRAFT,
        REVIEWING,
        Assignment,
        EvaluationRound,
        Review,
    )

    with in_app():
        return db.session.execute(
            sa.select(Assignment.id)
            .join(User, User.id == Assignment.user_id)
            .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(User.email == JURY, EvaluationRound.status == REVIEWING,
                   sa.or_(Review.id.is_(None), Review.status == DRAFT))
            .order_by(Assignment.id).limit(1)
        ).scalar_one()


def test_juror_scores_an_assigned_proposal_and_submits(page, in_app):
    assignment = _assignment_to_review(in_app)
    login(page, JURY, _demo_password())
    page.goto("/jury/")
    page.locator(f"a[href$='/jury/assignments/{assignment}']").first.click()
    page.wait_for_url(re.compile(rf"/jury/assignments/{assignment}$"))

    criteria = page.locator("form.review-form fieldset.criterion")
    assert criteria.count() >= 2
    for index in range(criteria.count()):
        criterion = criteria.nth(index)
        radios = criterion.get_by_role("radio")
        if radios.count():
            radios.nth(radios.count() - 2).check()
        else:
            criterion.locator("select").select_option(index=criterion.locator("option").count() - 2)
        criterion.locator("textarea").fill(f"Clear and credible on point {index + 1}.")
    page.locator("#comment_for_startup").fill("A convincing pilot plan.")
    page.locator("form.review-form").get_by_role("button", name="Submit", exact=True).click()

    own = page.locator(".own-review")
    _expect(own).to_be_visible()
    assert re.search(r"Submitted on .*Your total: \d+\.\d\d / 100", own.inner_text())


def _challenge_in_evaluation(in_app) -> int:
    from alliance.challenges.models import IN_EVALUATION, Challenge

    with in_app():
        return db.session.execute(
            sa.select(Challenge.id).where(Challenge.status == IN_EVALUATION)
            .order_by(Challenge.id).limit(1)
        ).scalar_one()


def test_admin_decides_and_the_decision_shows(page, in_app):
    challenge_id = _challenge_in_evaluation(in_app)
    login(page, ADMIN, _demo_password())
    page.goto(f"/admin/evaluation/challenges/{challenge_id}/ranking")
    first = page.locator("table.ranking tbody tr[data-proposal]").first
    proposal_id = first.get_attribute("data-proposal")
    first.get_by_role("checkbox").check()
    page.locator("#outcome").select_option("shortlisted")
    page.locator("#feedback").fill("Shortlisted for a pilot with ATM.")
    page.get_by_role("button", name="Review the decisions").click()

    _expect(page.get_by_role("heading", name="Confirm the decisions")).to_be_visible()
    page.get_by_role("button", name="Confirm 1 decisions").click()
    page.wait_for_url(re.compile(rf"/admin/evaluation/challenges/{challenge_id}/ranking"))
    _expect(page.get_by_text("1 decisions taken: Shortlisted")).to_be_visible()
    row = page.locator(f"table.ranking tr[data-proposal='{proposal_id}']")
    assert row.locator("[data-outcome]").get_attribute("data-outcome") == "shortlisted"

    page.goto(f"/admin/evaluation/challenges/{challenge_id}")
    _expect(page.locator("#decisions-title")).to_be_visible()
    assert page.locator("#count-undecided").inner_text().strip().isdigit()
