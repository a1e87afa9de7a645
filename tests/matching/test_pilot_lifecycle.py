"""The pilot's lifecycle: accept, decline, start, complete; contacts; mails; audit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.extensions import db
from alliance.matching import models as mm
from alliance.matching.pilot_lifecycle import (
    accept_pilot,
    complete_pilot,
    contacts,
    decline_pilot,
    start_pilot,
)
from alliance.matching.pilot_queries import pilots_panel_context
from tests import factories as f
from tests.matching.pilot_helpers import pilot_with_people


def _actions(pilot) -> list[tuple[str, dict]]:
    return [(e.action, e.data) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "pilot",
                                    AuditEvent.object_id == pilot.id).order_by(AuditEvent.id))]


def _by_recipient(outbox) -> dict[str, object]:
    return {m.to[0]: m for m in outbox}


# -- accept ---------------------------------------------------------------------------------

def test_accept_by_one_side_records_it_and_stays_proposed(now, mail_outbox):
    pilot, founder, _partner = pilot_with_people()

    accept_pilot(pilot=pilot, user=founder, now=now)
    db.session.commit()

    assert pilot.status == mm.PROPOSED
    assert pilot.startup_accepted_at == now and pilot.startup_accepted_by_id == founder.id
    assert pilot.partner_accepted_at is None
    assert _actions(pilot) == [("matching.pilot_accepted", {"side": "startup"})]
    assert mail_outbox == []


def test_accept_by_both_sides_agrees_and_mails_each_the_others_contacts(now, mail_outbox):
    pilot, founder, partner_user = pilot_with_people()
    colleague = f.StartupUserFactory(startup=pilot.startup, founder=False, name="Carla Co",
                                     email="carla@tramsense.example", locale="it")
    f.StartupUserFactory(startup=pilot.startup, founder=False, active=False,
                         email="gone@tramsense.example")

    accept_pilot(pilot=pilot, user=partner_user, now=now)
    accept_pilot(pilot=pilot, user=founder, now=now)
    db.session.commit()

    assert pilot.status == mm.ACCEPTED and pilot.is_agreed
    assert [a for a, _ in _actions(pilot)] == [
        "matching.pilot_accepted", "matching.pilot_accepted", "matching.pilot_agreed"]
    mails = _by_recipient(mail_outbox)
    assert set(mails) == {founder.email, colleague.email, partner_user.email}
    to_startup = mails[founder.email]
    assert pilot.challenge.title in to_startup.subject
    assert "Paolo Partner <%s>" % partner_user.email in to_startup.body
    assert founder.email not in to_startup.body
    to_partner = mails[partner_user.email]
    assert f"Sara Startup <{founder.email}>" in to_partner.body
    assert f"Carla Co <{colleague.email}>" in to_partner.body
    assert "gone@tramsense.example" not in to_partner.body
    assert f"/pilots/{pilot.id}" in to_partner.body
    # each in their own language
    assert to_startup.body.startswith("Hello,")
    assert mails[colleague.email].body.startswith("Ciao,")


def test_accept_twice_by_the_same_side_is_refused(now):
    pilot, founder, _partner = pilot_with_people()
    accept_pilot(pilot=pilot, user=founder, now=now)
    other_founder = f.StartupUserFactory(startup=pilot.startup)

    with pytest.raises(DomainError, match="already accepted"):
        accept_pilot(pilot=pilot, user=other_founder, now=now)


def test_accept_by_someone_of_neither_side_is_refused(now):
    pilot, _founder, _partner = pilot_with_people()
    cosponsor = f.PartnerFactory()
    pilot.challenge.cosponsors.append(cosponsor)
    outsiders = [f.StartupUserFactory(), f.PartnerUserFactory(),
                 f.PartnerUserFactory(partner=cosponsor), f.UserFactory(admin=True)]

    for outsider in outsiders:
        with pytest.raises(DomainError, match="Only the start-up and the partner"):
            accept_pilot(pilot=pilot, user=outsider, now=now)
    assert pilot.startup_accepted_at is None and pilot.partner_accepted_at is None


@pytest.mark.parametrize("state", ["accepted", "running", "declined"])
def test_accept_in_another_state_is_refused(now, state):
    pilot, founder, _partner = pilot_with_people(
        **({"status": mm.DECLINED} if state == "declined" else {state: True}))

    with pytest.raises(DomainError, match="no longer waiting for answers"):
        accept_pilot(pilot=pilot, user=founder, now=now)


# -- decline --------------------------------------------------------------------------------

def test_decline_records_side_and_reason_and_mails_other_side_and_admins(now, mail_outbox):
    pilot, founder, partner_user = pilot_with_people()
    admin = f.UserFactory(admin=True, email="ada@alliance.example", locale="it")
    f.UserFactory(admin=True, active=False, email="retired@alliance.example")

    decline_pilot(pilot=pilot, user=partner_user, reason="  No budget this year.  ", now=now)
    db.session.commit()

    assert pilot.status == mm.DECLINED and pilot.declined_side == mm.PARTNER_SIDE
    assert pilot.declined_at == now and pilot.declined_by_id == partner_user.id
    assert pilot.decline_reason == "No budget this year."
    assert _actions(pilot) == [("matching.pilot_declined",
                                {"side": "partner", "reason": "No budget this year."})]
    mails = _by_recipient(mail_outbox)
    assert set(mails) == {founder.email, admin.email}
    assert pilot.challenge.lead_partner.name in mails[founder.email].body
    assert "No budget this year." in mails[founder.email].body
    to_admin = mails[admin.email]
    assert to_admin.body.startswith("Ciao,")
    assert "No budget this year." in to_admin.body and pilot.startup.name in to_admin.body
    assert f"/pilots/{pilot.id}" in to_admin.body


def test_decline_by_start_up_mails_the_partner(now, mail_outbox):
    pilot, founder, partner_user = pilot_with_people()

    decline_pilot(pilot=pilot, user=founder, reason="We pivoted.", now=now)
    db.session.commit()

    assert pilot.declined_side == mm.STARTUP_SIDE
    assert [m.to for m in mail_outbox] == [[partner_user.email]]
    assert (f"{pilot.startup.name} has declined its pilot for the challenge "
            f"“{pilot.challenge.title}”") in mail_outbox[0].body


def test_decline_without_reason_is_refused_and_changes_nothing(now):
    pilot, founder, _partner = pilot_with_people()

    with pytest.raises(DomainError) as refused:
        decline_pilot(pilot=pilot, user=founder, reason="   ", now=now)
    assert "reason" in refused.value.field_errors
    assert pilot.status == mm.PROPOSED and _actions(pilot) == []


def test_decline_after_own_acceptance_or_by_outsider_is_refused(now):
    pilot, founder, _partner = pilot_with_people()
    accept_pilot(pilot=pilot, user=founder, now=now)

    with pytest.raises(DomainError, match="already accepted"):
        decline_pilot(pilot=pilot, user=founder, reason="Changed our mind", now=now)
    with pytest.raises(DomainError, match="Only the start-up and the partner"):
        decline_pilot(pilot=pilot, user=f.StartupUserFactory(), reason="x", now=now)
    assert pilot.status == mm.PROPOSED


def test_decline_of_an_agreed_pilot_is_refused(now):
    pilot, founder, _partner = pilot_with_people(accepted=True)

    with pytest.raises(DomainError, match="no longer waiting"):
        decline_pilot(pilot=pilot, user=founder, reason="Too late", now=now)


# -- start and complete ---------------------------------------------------------------------

def test_partner_starts_then_completes_an_agreed_pilot(now):
    pilot, _founder, partner_user = pilot_with_people(accepted=True)

    start_pilot(pilot=pilot, user=partner_user, now=now)
    assert pilot.status == mm.RUNNING and pilot.started_at == now
    complete_pilot(pilot=pilot, user=partner_user, outcome="  Sensors on 12 trams. ", now=now)
    db.session.commit()

    assert pilot.status == mm.COMPLETED and pilot.completed_at == now
    assert pilot.outcome == "Sensors on 12 trams."
    assert _actions(pilot) == [("matching.pilot_started", {}),
                               ("matching.pilot_completed", {"outcome": "Sensors on 12 trams."})]


def test_admin_may_advance_a_pilot(now):
    pilot, _founder, _partner = pilot_with_people(running=True)

    complete_pilot(pilot=pilot, user=f.UserFactory(admin=True), outcome="Done.", now=now)

    assert pilot.status == mm.COMPLETED


def test_start_up_may_not_advance_a_pilot(now):
    pilot, founder, _partner = pilot_with_people(accepted=True)

    with pytest.raises(DomainError, match="Only the partner whose slot it is"):
        start_pilot(pilot=pilot, user=founder, now=now)
    assert pilot.status == mm.ACCEPTED


def test_start_and_complete_in_the_wrong_state_are_refused(now):
    proposed, _founder, partner_user = pilot_with_people()
    running, _f2, partner2 = pilot_with_people(running=True)

    with pytest.raises(DomainError, match="Only an agreed pilot"):
        start_pilot(pilot=proposed, user=partner_user, now=now)
    with pytest.raises(DomainError, match="Only an agreed pilot"):
        start_pilot(pilot=running, user=partner2, now=now)
    with pytest.raises(DomainError, match="Only a running pilot"):
        complete_pilot(pilot=proposed, user=partner_user, outcome="x", now=now)


def test_complete_without_outcome_is_refused(now):
    pilot, _founder, partner_user = pilot_with_people(running=True)

    with pytest.raises(DomainError) as refused:
        complete_pilot(pilot=pilot, user=partner_user, outcome=" ", now=now)
    assert "outcome" in refused.value.field_errors and pilot.status == mm.RUNNING


# -- contacts and the dashboard panel ---------------------------------------------------------

def test_contacts_lists_both_sides_active_members():
    pilot, founder, partner_user = pilot_with_people(accepted=True)
    f.PartnerUserFactory(partner=pilot.challenge.lead_partner, active=False)

    found = contacts(pilot)

    assert found.startup_name == pilot.startup.name
    assert [(p.name, p.email) for p in found.startup_people] == [(founder.name, founder.email)]
    assert found.partner_name == pilot.challenge.lead_partner.name
    assert [p.email for p in found.partner_people] == [partner_user.email]


def test_panel_puts_pilots_to_answer_first_and_keeps_five(now):
    startup = f.StartupFactory()
    founder = f.StartupUserFactory(startup=startup)
    agreed = [f.PilotFactory(startup=startup, accepted=True) for _ in range(4)]
    answered = f.PilotFactory(startup=startup, startup_accepted_at=now)
    waiting = [f.PilotFactory(startup=startup) for _ in range(2)]
    f.PilotFactory()  # another start-up's

    panel = pilots_panel_context(user=founder, now=now)

    assert len(panel["pilots"]) == 5
    assert {p.id for p in panel["pilots"][:2]} == {p.id for p in waiting}
    assert panel["pilots"][2].id == answered.id
    assert panel["pilots_total"] == 7 and panel["pilots_to_answer"] == 2
    assert agreed
