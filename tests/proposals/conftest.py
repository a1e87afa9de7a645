import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from tests import factories

# A proposal complete enough to submit (as the form sends it).
COMPLETE = {
    "title": "Sensors on every tram",
    "abstract": "Low-cost sensors on ATM trams map air quality street by street.",
    "description": "## How\n\nWe mount **sensors** on trams.",
    "trl": "6",
    "pilot_duration_months": "6",
    "pilot_cost_eur": "45000",
    "team": "Three engineers and a data scientist.",
}


def make_pdf(*, pages: int = 1, script: str | None = None) -> bytes:
    """A real PDF built with pypdf; ``script`` adds a JavaScript open action."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if script:
        writer.add_open_action(JavaScript(script))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def form_data(action: str = "save", *, accept_terms: bool = False, attachment=None, **changes):
    data = {**COMPLETE, **changes, "action": action}
    if accept_terms:
        data["accept_terms"] = "y"
    if attachment is not None:
        data["attachment"] = (io.BytesIO(attachment[1]), attachment[0])
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def founder():
    return factories.StartupUserFactory()


@pytest.fixture
def challenge():
    """Published and open until far in the future."""
    return factories.ChallengeFactory(published=True)


@pytest.fixture
def soon_closing():
    """Open now (by the real clock), closing in an hour: use ``travel`` to pass it."""
    now = datetime.now(UTC)
    return factories.ChallengeFactory(published=True, opens_at=now - timedelta(days=10),
                                      deadline=now + timedelta(hours=1))


@pytest.fixture
def draft(founder, challenge):
    return factories.ProposalFactory(startup=founder.startup, challenge=challenge,
                                     title="", abstract="", description="", trl=None,
                                     pilot_duration_months=None, pilot_cost_eur=None, team="")
