"""A start-up lists its customers, investors and competitors (privately), so that
nobody who works for them judges its proposals."""
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.evaluation import conflicts
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.startups.models import StartupRelation
from tests import factories


def relations_of(startup) -> list[tuple[str, str, int | None]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(StartupRelation.kind, StartupRelation.company_name, StartupRelation.partner_id)
        .where(StartupRelation.startup_id == startup.id)
        .order_by(StartupRelation.kind, StartupRelation.company_name)
    )]


def seeded_partner(name: str) -> Partner:
    """One of the nine partner companies the migrations put in place."""
    return db.session.scalar(sa.select(Partner).where(Partner.name == name))


def add(client, startup, **data):
    return client.post(f"/startups/{startup.slug}/relations",
                       data={"kind": "customer", "company_name": "", "partner": "", **data})


def listed(startup, kind, name, partner=None) -> StartupRelation:
    relation = StartupRelation(kind=kind, company_name=name,
                               partner_id=partner.id if partner else None)
    startup.relations.append(relation)
    db.session.flush()
    return relation


def test_relations_page_explains_why_and_lists_companies(client, login, startup_user):
    listed(startup_user.startup, "investor", "Fondo Lombardo Ventures")
    login(startup_user)
    response = client.get(f"/startups/{startup_user.startup.slug}/relations")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "so that nobody who works for them judges your proposals" in page.lower()
    assert "Fondo Lombardo Ventures" in page
    assert "Investor" in page


def test_relation_name_matched_to_partner_whatever_case_and_suffix(client, login, startup_user):
    enel = seeded_partner("Enel X")
    login(startup_user)
    response = add(client, startup_user.startup, kind="competitor", company_name="ENEL X spa")
    assert response.status_code == 302
    assert relations_of(startup_user.startup) == [("competitor", "ENEL X spa", enel.id)]


def test_relation_picked_partner_without_name_takes_partners_name(client, login, startup_user):
    tim = seeded_partner("TIM")
    login(startup_user)
    add(client, startup_user.startup, kind="customer", partner=str(tim.id))
    assert relations_of(startup_user.startup) == [("customer", "TIM", tim.id)]


def test_relation_other_company_has_no_partner(client, login, startup_user):
    login(startup_user)
    add(client, startup_user.startup, kind="customer", company_name="Comune di Milano")
    assert relations_of(startup_user.startup) == [("customer", "Comune di Milano", None)]


def test_relation_addition_audited(client, login, startup_user):
    login(startup_user)
    add(client, startup_user.startup, kind="investor", company_name="Seed Capital Srl")
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "startup.relation_added",
        AuditEvent.object_id == startup_user.startup.id))
    assert event.actor_id == startup_user.id
    assert event.data["company"] == "Seed Capital Srl"
    assert event.data["kind"] == "investor"


def test_relation_without_name_or_partner_refused(client, login, startup_user):
    login(startup_user)
    response = add(client, startup_user.startup, kind="customer")
    assert response.status_code == 422
    assert "name or pick a partner company." in response.get_data(as_text=True)
    assert relations_of(startup_user.startup) == []


def test_relation_listed_twice_refused(client, login, startup_user):
    listed(startup_user.startup, "customer", "Comune di Milano")
    login(startup_user)
    response = add(client, startup_user.startup, kind="customer", company_name="comune di  milano")
    assert response.status_code == 422
    assert "Comune di Milano is already in your list." in response.get_data(as_text=True)
    assert relations_of(startup_user.startup) == [("customer", "Comune di Milano", None)]


def test_relation_same_company_under_two_kinds_accepted(client, login, startup_user):
    listed(startup_user.startup, "customer", "Comune di Milano")
    login(startup_user)
    add(client, startup_user.startup, kind="investor", company_name="Comune di Milano")
    assert [kind for kind, _, _ in relations_of(startup_user.startup)] == ["customer", "investor"]


def test_relation_unknown_kind_refused(client, login, startup_user):
    login(startup_user)
    response = add(client, startup_user.startup, kind="friend", company_name="Acme")
    assert response.status_code == 422
    assert relations_of(startup_user.startup) == []


def test_relation_removed_and_audited(client, login, startup_user):
    relation = listed(startup_user.startup, "competitor", "Rival Srl")
    login(startup_user)
    response = client.post(
        f"/startups/{startup_user.startup.slug}/relations/{relation.id}/remove")
    assert response.status_code == 302
    assert relations_of(startup_user.startup) == []
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "startup.relation_removed"))
    assert event.data["company"] == "Rival Srl" and event.actor_id == startup_user.id


def test_relation_of_another_startup_cannot_be_removed(client, login, startup_user):
    other = factories.StartupFactory()
    relation = listed(other, "competitor", "Rival Srl")
    login(startup_user)
    response = client.post(
        f"/startups/{startup_user.startup.slug}/relations/{relation.id}/remove")
    assert response.status_code == 404
    assert relations_of(other) == [("competitor", "Rival Srl", None)]


def test_relations_page_refused_to_other_users(client, login, startup_user):
    page = f"/startups/{startup_user.startup.slug}/relations"
    assert client.get(page).status_code == 302  # to the login page
    login(factories.StartupUserFactory())
    assert client.get(page).status_code == 403
    assert add(client, startup_user.startup, company_name="Sneaky").status_code == 403
    assert relations_of(startup_user.startup) == []


def test_relations_page_of_private_startup_hidden(client, login, startup_user):
    startup_user.startup.is_public = False
    login(factories.PartnerUserFactory())
    assert client.get(f"/startups/{startup_user.startup.slug}/relations").status_code == 404


def test_admin_manages_relations(client, login, admin, startup_user):
    login(admin)
    add(client, startup_user.startup, kind="investor", company_name="Seed Capital Srl")
    page = client.get(f"/startups/{startup_user.startup.slug}").get_data(as_text=True)
    assert "Seed Capital Srl" in page


def test_public_profile_does_not_show_relations(client, login, startup_user):
    listed(startup_user.startup, "investor", "Secret Angel Holding")
    url = f"/startups/{startup_user.startup.slug}"
    assert "Secret Angel Holding" not in client.get(url).get_data(as_text=True)
    login(factories.PartnerUserFactory())
    assert "Secret Angel Holding" not in client.get(url).get_data(as_text=True)
    login(startup_user)
    assert "Secret Angel Holding" in client.get(url).get_data(as_text=True)


def test_juror_of_listed_partner_is_conflicted(client, login, startup_user):
    enel = seeded_partner("Enel X")
    proposal = factories.ProposalFactory(startup=startup_user.startup, submitted=True)
    juror = factories.PartnerUserFactory(partner=enel, jury=True)
    assert conflicts.conflict_reasons(juror, proposal) == set()
    login(startup_user)
    add(client, startup_user.startup, kind="competitor", company_name="Enel X")
    assert conflicts.conflict_reasons(juror, proposal) == {conflicts.RELATION}
