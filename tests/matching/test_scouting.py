"""Scouting services: recommended challenges, candidates for a challenge, invitations
to apply (mail, audit, refusals) and their outcomes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.challenges.models import PUBLISHED
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.extensions import db
from alliance.matching import scouting
from alliance.matching.models import ScoutingInvitation
from tests import factories

ENERGY_TEXT = ("Batterie e sensori per l'accumulo di energia negli edifici pubblici: "
               "gestione intelligente dell'energia e dei picchi di consumo.")


@pytest.fixture
def themes():
    return (factories.ThemeFactory(name_it="Energia", name_en="Energy"),
            factories.ThemeFactory(name_it="Mobilità", name_en="Mobility"))


@pytest.fixture
def challenges(themes):
    energy, mobility = themes
    return {
        "energy": factories.ChallengeFactory(
            published=True, theme=energy, title="Batterie per gli edifici",
            summary="Accumulo di energia con batterie nei palazzi comunali.",
            description="Sensori e batterie per gestire i picchi di consumo di energia.",
            expected_outcomes="Un pilota in tre edifici."),
        "mobility": factories.ChallengeFactory(
            published=True, theme=mobility, title="Tram più puntuali",
            summary="Sensori sui tram per prevedere i ritardi.",
            description="Dati in tempo reale dai tram della città.", expected_outcomes=""),
        "elsewhere": factories.ChallengeFactory(
            published=True, theme=mobility, title="Parcheggi per biciclette",
            summary="Rastrelliere sicure nelle stazioni.", description="Cicloparcheggi.",
            expected_outcomes=""),
    }


def _startup(theme=None, **kwargs):
    startup = factories.StartupFactory(pitch=kwargs.pop("pitch", ENERGY_TEXT), **kwargs)
    if theme is not None:
        startup.sectors = [theme]
    db.session.flush()
    return startup


# -- recommendations -----------------------------------------------------------------------

def test_recommended_challenges_best_fit_first_with_reasons(ctx, now, themes, challenges):
    startup = _startup(themes[0], pitch=ENERGY_TEXT + " Dati dei sensori in tempo reale.")

    rows = scouting.recommended_challenges(startup=startup, now=now)

    assert [r.challenge.title for r in rows] == ["Batterie per gli edifici", "Tram più puntuali"]
    best = rows[0]
    assert best.reason.startswith("Shared: ")
    assert "batterie" in best.reason and "energia" in best.reason
    assert best.reason.endswith(" · Themes: Energy")
    # No theme in common: no "Themes" part.
    assert rows[1].reason.startswith("Shared: ") and "Themes" not in rows[1].reason
    assert "sensori" in rows[1].reason and "tempo" in rows[1].reason
    assert 0 < rows[1].percent < best.percent <= 100


def test_recommended_challenges_leave_out_chance_matches(ctx, now, themes, challenges):
    # The tram challenge shares one word ("sensori") with this profile: chance, not fit.
    startup = _startup(themes[0])

    rows = scouting.recommended_challenges(startup=startup, now=now)

    assert [r.challenge.title for r in rows] == ["Batterie per gli edifici"]
    assert scouting.MIN_FIT > 0


def test_recommended_challenges_leave_out_closed_drafts_and_answered(ctx, now, themes,
                                                                      challenges):
    startup = _startup(themes[0])
    factories.ChallengeFactory(theme=themes[0], title="Batterie in bozza",
                               description=ENERGY_TEXT)  # a draft
    factories.ChallengeFactory(closed=True, theme=themes[0], title="Batterie scadute",
                               description=ENERGY_TEXT)
    factories.ProposalFactory(challenge=challenges["energy"], startup=startup)  # a draft

    rows = scouting.recommended_challenges(startup=startup, now=now)

    assert [r.challenge.title for r in rows] == ["Tram più puntuali"]


def test_recommended_challenges_read_past_submitted_proposals(ctx, now, challenges):
    startup = _startup(pitch="Una piccola azienda di Milano.")
    assert scouting.recommended_challenges(startup=startup, now=now) == []
    old = factories.ChallengeFactory(closed=True)
    factories.ProposalFactory(challenge=old, startup=startup, submitted=True,
                              title="Tram connessi", abstract="Ritardi dei tram previsti.",
                              description="")

    rows = scouting.recommended_challenges(startup=startup, now=now)

    assert [r.challenge.title for r in rows] == ["Tram più puntuali"]
    assert "tram" in rows[0].reason


# -- candidates ----------------------------------------------------------------------------

def test_scouting_candidates_public_profiles_only_submitted_left_out(ctx, now, themes,
                                                                      challenges):
    challenge = challenges["energy"]
    best = _startup(themes[0], name="Accumulo Srl")
    weaker = _startup(pitch="Sensori per i palazzi.", name="Sensori Srl")
    _startup(themes[0], name="Segreta Srl", is_public=False)
    applied = _startup(themes[0], name="Candidata Srl")
    factories.ProposalFactory(challenge=challenge, startup=applied, submitted=True)
    invitation = factories.ScoutingInvitationFactory(challenge=challenge, startup=weaker)

    rows = scouting.scouting_candidates(challenge=challenge, now=now)

    assert [r.startup for r in rows] == [best, weaker]
    assert rows[0].reason.endswith("Themes: Energy") and "batterie" in rows[0].reason
    assert rows[0].invitation is None and rows[1].invitation == invitation


# -- invitations ---------------------------------------------------------------------------

@pytest.fixture
def scene(themes, challenges, partner_user):
    challenge = challenges["energy"]
    challenge.lead_partner = partner_user.partner_membership.partner
    startup = _startup(themes[0], name="Accumulo Srl")
    italian = factories.StartupUserFactory(startup=startup, locale="it", email="it@example.org")
    english = factories.StartupUserFactory(startup=startup, locale="en", email="en@example.org")
    factories.StartupUserFactory(startup=startup, active=False, email="gone@example.org")
    db.session.flush()
    return challenge, startup, partner_user, italian, english


def test_invite_mails_members_in_their_language_and_audits(ctx, now, scene, mail_outbox):
    challenge, startup, partner_user, italian, english = scene

    invitation = scouting.invite_startup(challenge=challenge, startup=startup, user=partner_user,
                                         message="  Ci piacerebbe leggervi.  ", now=now)
    db.session.commit()

    assert (invitation.message, invitation.invited_by_id) == ("Ci piacerebbe leggervi.",
                                                              partner_user.id)
    reason = scouting.invitation_reason(invitation)
    assert "batterie" in reason and reason.endswith("Themes: Energy")
    assert invitation.shares_theme and "batterie" in invitation.shared_terms
    by_recipient = {tuple(m.to): m for m in mail_outbox}
    assert set(by_recipient) == {("it@example.org",), ("en@example.org",)}
    it_mail, en_mail = by_recipient[("it@example.org",)], by_recipient[("en@example.org",)]
    assert "Energia" in it_mail.body and "giugno 2099" in it_mail.body  # theme, deadline
    assert "Energy" in en_mail.body and "June 2099" in en_mail.body
    for mail in (it_mail, en_mail):
        assert challenge.title in mail.subject
        assert "Ci piacerebbe leggervi." in mail.body
        assert f"http://alliance.test/challenges/{challenge.slug}" in mail.body
        assert f"/startup/recommendations#invitation-{invitation.id}" in mail.body
    event = db.session.scalars(sa.select(AuditEvent).filter_by(
        action="matching.invitation_sent")).one()
    assert (event.actor_id, event.object_id, event.data["startup_id"]) == (
        partner_user.id, invitation.id, startup.id)


def test_invite_second_time_refused(ctx, now, scene):
    challenge, startup, partner_user, *_ = scene
    scouting.invite_startup(challenge=challenge, startup=startup, user=partner_user,
                            message="", now=now)

    with pytest.raises(DomainError) as refused:
        scouting.invite_startup(challenge=challenge, startup=startup, user=partner_user,
                                message="again", now=now)

    assert refused.value.message == "Accumulo Srl has already been invited to this challenge."
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 1


def test_invite_after_deadline_refused(ctx, now, scene, mail_outbox):
    challenge, startup, partner_user, *_ = scene

    with pytest.raises(DomainError, match="deadline of this challenge has passed"):
        scouting.invite_startup(challenge=challenge, startup=startup, user=partner_user,
                                message="", now=challenge.deadline)
    db.session.commit()
    assert mail_outbox == []


@pytest.mark.parametrize("case, message", [
    ("private", "profile is not public"),
    ("other partner", "Only the challenge's partners"),
    ("submitted", "already submitted a proposal"),
    ("draft challenge", "once the challenge is published"),
])
def test_invite_refused(ctx, now, scene, case, message):
    challenge, startup, partner_user, *_ = scene
    user = partner_user
    if case == "private":
        startup.is_public = False
    elif case == "other partner":
        user = factories.PartnerUserFactory()
    elif case == "submitted":
        factories.ProposalFactory(challenge=challenge, startup=startup, submitted=True)
    else:
        challenge.status = "draft"

    with pytest.raises(DomainError, match=message):
        scouting.invite_startup(challenge=challenge, startup=startup, user=user, message="",
                                now=now)


def test_decline_gives_outcome_declined_once(ctx, now, scene):
    challenge, startup, partner_user, italian, english = scene
    invitation = factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)
    stranger = factories.StartupUserFactory()

    with pytest.raises(DomainError):
        scouting.decline_invitation(invitation=invitation, user=stranger, now=now)
    scouting.decline_invitation(invitation=invitation, user=english, now=now)

    assert (invitation.declined_at, invitation.declined_by_id) == (now, english.id)
    [row] = scouting.invitations_of_challenge(challenge, now)
    assert (row.outcome, row.shown) == ("declined", "declined")
    assert db.session.scalars(sa.select(AuditEvent.actor_id).filter_by(
        action="matching.invitation_declined")).all() == [english.id]
    with pytest.raises(DomainError, match="already declined"):
        scouting.decline_invitation(invitation=invitation, user=italian, now=now)


def test_outcome_applied_while_a_proposal_is_submitted(ctx, now, scene):
    challenge, startup, *_ = scene
    invitation = factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)
    proposal = factories.ProposalFactory(challenge=challenge, startup=startup)
    assert [r.outcome for r in scouting.invitations_of_challenge(challenge, now)] == ["pending"]

    proposal.status = "submitted"
    db.session.flush()
    assert [r.outcome for r in scouting.invitations_of_challenge(challenge, now)] == ["applied"]
    with pytest.raises(DomainError, match="already applied"):
        scouting.decline_invitation(invitation=invitation, user=scene[3], now=now)

    proposal.status = "withdrawn"
    db.session.flush()
    assert [r.outcome for r in scouting.invitations_of_challenge(challenge, now)] == ["pending"]


def test_outcome_expired_after_the_deadline(ctx, now, scene):
    challenge, startup, *_ = scene
    factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)

    later = challenge.deadline + timedelta(seconds=1)

    assert [r.outcome for r in scouting.invitations_of_challenge(challenge, later)] == ["expired"]
    assert scouting.open_invitations_of_startup(startup, later) == []


def test_mark_seen_first_view_by_a_member_only(ctx, now, scene):
    challenge, startup, partner_user, italian, english = scene
    invitation = factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)

    assert scouting.mark_seen(invitations=[invitation], user=partner_user, now=now) == 0
    assert invitation.seen_at is None
    assert scouting.mark_seen(invitations=[invitation], user=italian, now=now) == 1
    assert scouting.mark_seen(invitations=[invitation], user=english,
                              now=now + timedelta(days=1)) == 0
    assert invitation.seen_at == now
    [row] = scouting.invitations_of_challenge(challenge, now)
    assert (row.outcome, row.shown) == ("pending", "seen")


def test_invitations_of_startup_open_first_and_counts(ctx, now, scene):
    challenge, startup, *_ = scene
    declined = factories.ScoutingInvitationFactory(
        startup=startup, declined_at=now, created_at=now)
    pending = factories.ScoutingInvitationFactory(
        challenge=challenge, startup=startup, created_at=now - timedelta(days=3))

    rows = scouting.invitations_of_startup(startup, now)

    assert [r.invitation for r in rows] == [pending, declined]
    assert [r.invitation for r in scouting.open_invitations_of_startup(startup, now)] == [pending]
    assert scouting.outcome_counts(rows) == {"pending": 1, "seen": 0, "applied": 0,
                                             "declined": 1, "expired": 0}


def test_startup_dashboard_context_in_a_fixed_number_of_queries(ctx, now, scene, themes,
                                                                count_queries):
    challenge, startup, *_ = scene
    factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)

    def measure(extra):
        for i in range(extra):
            factories.ChallengeFactory(published=True, theme=themes[0],
                                       description=f"Batterie ed energia, lotto {i}.")
            factories.ScoutingInvitationFactory(startup=startup)
        db.session.commit()
        with count_queries() as statements:
            context = scouting.startup_dashboard_context(startup=startup, now=now)
        return len(statements), context

    few, context = measure(1)
    many, bigger = measure(6)
    assert few == many
    assert len(context["recommendations"]) == 3 and len(bigger["invitations"]) == 8
    assert all(c.challenge.status == PUBLISHED for c in bigger["recommendations"])


def test_scouting_never_reads_sealed_proposals(ctx, now, themes, challenges):
    # The start-up's pitch says nothing of batteries; its proposal to another
    # company's challenge does. A partner must not rank on it, nor read its words.
    startup = _startup(pitch="Mappe digitali dei quartieri per i comuni.")
    other = factories.ChallengeFactory(published=True, theme=themes[1])
    factories.ProposalFactory(challenge=other, startup=startup, submitted=True,
                              title="Batterie e accumulo", abstract=ENERGY_TEXT,
                              description=ENERGY_TEXT)

    rows = scouting.scouting_candidates(challenge=challenges["energy"], now=now)

    assert startup.id not in [r.startup.id for r in rows]
    match = scouting.pair_match(challenge=challenges["energy"], startup=startup)
    assert match is None or not {"batterie", "accumulo"} & set(match.reason_terms)
    # Its own recommendations do read its proposals.
    assert "Batterie per gli edifici" in [
        r.challenge.title for r in scouting.recommended_challenges(startup=startup, now=now)]
