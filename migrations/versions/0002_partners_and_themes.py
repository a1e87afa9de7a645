"""The nine partner companies and the default themes exist in every installation.

Revision ID: 0002
Revises: 0001
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies: a migration must not change when the application's data does.
PARTNERS = [   {   'slug': 'a2a-smart-city',
        'name': 'A2A Smart City',
        'website': 'https://www.a2asmartcity.io',
        'description': "A2A Smart City is the A2A group's company for digital urban services: "
                       'fibre and 5G-ready networks, smart lighting, sensors and the platforms '
                       'that connect them across Milan and Lombardy.'},
    {   'slug': 'accenture',
        'name': 'Accenture',
        'website': 'https://www.accenture.com/it-it',
        'description': 'Accenture brings strategy, technology and data to the Alliance: '
                       'digital twins of the city, cloud platforms and the integration that '
                       'turns pilots into services for citizens.'},
    {   'slug': 'atm',
        'name': 'ATM',
        'website': 'https://www.atm.it',
        'description': "Azienda Trasporti Milanesi runs Milan's metro, trams and buses. Its "
                       'challenges cover electric fleets, passenger information, accessibility '
                       'and the safety of public transport.'},
    {   'slug': 'cisco',
        'name': 'Cisco',
        'website': 'https://www.cisco.com/site/it/it/index.html',
        'description': 'Cisco contributes networking and cyber security: secure connectivity '
                       'for city infrastructure, edge computing and the protection of critical '
                       'services.'},
    {   'slug': 'coima',
        'name': 'Coima',
        'website': 'https://www.coima.com',
        'description': 'Coima develops and manages urban regeneration projects such as Porta '
                       'Nuova, with a focus on sustainable buildings, public spaces and green '
                       'areas.'},
    {   'slug': 'enel-x',
        'name': 'Enel X',
        'website': 'https://www.enelx.com/it/it',
        'description': 'Enel X works on electric mobility, charging infrastructure, public '
                       'lighting and energy efficiency for cities, companies and homes.'},
    {   'slug': 'ibm',
        'name': 'IBM',
        'website': 'https://www.ibm.com/it-it',
        'description': 'IBM brings hybrid cloud, artificial intelligence and quantum-safe '
                       "security to the Alliance's challenges on data, resilience and city "
                       'operations.'},
    {   'slug': 'siemens',
        'name': 'Siemens',
        'website': 'https://www.siemens.com/it/it.html',
        'description': 'Siemens works on smart infrastructure, building automation, '
                       'electrified transport and the digitalisation of energy networks.'},
    {   'slug': 'tim',
        'name': 'TIM',
        'website': 'https://www.gruppotim.it',
        'description': "TIM, Italy's main telecommunications operator, brings 5G, fibre, edge "
                       "cloud and IoT connectivity to the city's services."}]

THEMES = [   ('energy', 'Energia e decarbonizzazione', 'Energy and decarbonisation'),
    ('mobility', 'Mobilità', 'Mobility'),
    ('cyber-security', 'Sicurezza informatica', 'Cyber security'),
    ('connectivity', 'Connettività', 'Connectivity'),
    ('urban-regeneration', 'Rigenerazione urbana', 'Urban regeneration'),
    ('green-infrastructure', 'Infrastrutture verdi', 'Green infrastructure'),
    ('buildings', 'Edifici', 'Buildings'),
    ('circular-economy', 'Economia circolare', 'Circular economy')]


def upgrade():
    conn = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    partner = sa.table(
        "partner", sa.column("slug"), sa.column("name"), sa.column("description"),
        sa.column("website"), sa.column("created_at"), sa.column("updated_at"),
    )
    theme = sa.table("theme", sa.column("slug"), sa.column("name_it"), sa.column("name_en"),
                     sa.column("position"))
    existing = set(conn.execute(sa.text("SELECT slug FROM partner")).scalars())
    rows = [dict(p, created_at=now, updated_at=now) for p in PARTNERS if p["slug"] not in existing]
    if rows:
        op.bulk_insert(partner, rows)
    existing = set(conn.execute(sa.text("SELECT slug FROM theme")).scalars())
    rows = [
        {"slug": slug, "name_it": it, "name_en": en, "position": i}
        for i, (slug, it, en) in enumerate(THEMES) if slug not in existing
    ]
    if rows:
        op.bulk_insert(theme, rows)


def downgrade():
    conn = op.get_bind()
    for table, slugs in (("partner", [p["slug"] for p in PARTNERS]),
                         ("theme", [t[0] for t in THEMES])):
        conn.execute(
            sa.text(f"DELETE FROM {table} WHERE slug IN :slugs").bindparams(
                sa.bindparam("slugs", expanding=True)),
            {"slugs": slugs},
        )
