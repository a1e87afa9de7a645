"""Demo data: the city's goals (the action areas of Milan's Climate City Contract, and
CyberSecureCity's cyber security), the goals each demo challenge serves, and a few
challenge briefs in the other language.

``ensure_goals`` and ``build_goals`` add only what is missing, so ``flask seed demo``
stays idempotent, also on a database seeded before goals existed.
"""
from __future__ import annotations

import sqlalchemy as sa

from alliance.challenges import models as cm
from alliance.extensions import db
from alliance.seed.demo_challenges import CHALLENGES, ELIGIBILITY_EN, ELIGIBILITY_IT

# (slug, Italian name, English name, Italian description, English description)
GOALS = [
    ("energy-networks", "Reti energetiche innovative", "Innovative energy networks",
     "Teleriscaldamento, reti intelligenti e fonti rinnovabili per decarbonizzare i consumi "
     "della città.",
     "District heating, smart grids and renewables to decarbonise the city's energy use."),
    ("building-retrofits", "Riqualificazione energetica degli edifici",
     "Building energy retrofits",
     "Edifici pubblici e privati che consumano meno energia ed emettono meno CO₂.",
     "Public and private buildings that use less energy and emit less CO₂."),
    ("sustainable-mobility", "Mobilità sostenibile", "Sustainable mobility",
     "Trasporto pubblico elettrico, mobilità dolce e meno traffico privato.",
     "Electric public transport, walking and cycling, and less private traffic."),
    ("urban-forestry-depaving", "Forestazione urbana e depavimentazione",
     "Urban forestry and depaving",
     "Più alberi e meno asfalto per rinfrescare la città e assorbire la pioggia.",
     "More trees and less asphalt to cool the city and soak up the rain."),
    ("digital-infrastructure", "Infrastruttura digitale", "Digital infrastructure",
     "Connettività, sensori e dati condivisi al servizio della transizione climatica.",
     "Connectivity, sensors and shared data serving the climate transition."),
    ("cyber-security", "Sicurezza informatica", "Cyber security",
     "Proteggere cittadini, imprese e servizi urbani dai rischi del cyber crimine.",
     "Protecting citizens, businesses and city services from cyber crime."),
]

CHALLENGE_GOALS = {
    "cyber-resilient-iot-networks": ["cyber-security", "digital-infrastructure"],
    "cybersecurecity-academy": ["cyber-security"],
    "threat-intelligence-sharing": ["cyber-security"],
    "secure-ev-charging": ["cyber-security", "sustainable-mobility"],
    "post-quantum-city-archives": ["cyber-security"],
    "fibra-nelle-fognature": ["digital-infrastructure"],
    "district-heating-forecast": ["energy-networks"],
    "condominium-deep-retrofit": ["building-retrofits"],
    "forestami-monitoraggio-alberi": ["urban-forestry-depaving"],
    "depavimentazione-cortili-scolastici": ["urban-forestry-depaving"],
    "smart-lighting-sensor-network": ["energy-networks", "digital-infrastructure"],
    "ai-traffic-cameras": ["sustainable-mobility", "digital-infrastructure"],
    "ebus-depot-charging": ["sustainable-mobility", "energy-networks"],
    "condominium-demand-response": ["energy-networks", "building-retrofits"],
    "metro-crowding-information": ["sustainable-mobility"],
    "tram-switch-predictive-maintenance": ["sustainable-mobility"],
    "v2g-bus-depots": ["sustainable-mobility", "energy-networks"],
}

# The brief in the challenge's other language.
TRANSLATIONS = {
    "fibra-nelle-fognature": {
        "locale": "en",
        "title": "Optical fibre in the sewers: laying and maintaining it without digging",
        "summary": ("Bring ultra-broadband to the towns around Milan through the sewer pipes: "
                    "inspection robots, digital mapping and predictive maintenance."),
        "description": """\
## Context

The Metropolitan City of Milan and Gruppo CAP have started a plan to lay **optical fibre
through the sewer network**: no digging, lower costs and shorter works, even in the small
towns around Milan. TIM and A2A Smart City want to make this model repeatable.

## The challenge

We look for solutions to:

- inspect the pipes before laying, with robots or sensors, and grade their condition;
- build a **digital twin** of the network joining sewers and the cables laid;
- monitor the fibre in service (fibre as a sensor: temperature, vibration, leaks);
- plan the works without interrupting the water service.

## The pilot

A stretch of about 8 km between Rozzano and Assago, with the partners' existing
inspection data.
""",
        "expected_outcomes": (
            "- Complete mapping of the pilot stretch with its defects graded\n"
            "- Design time for laying cut by 30%\n"
            "- A cost model to repeat it in 20 more towns"
        ),
        "rewards": (
            "- An 8-month pilot with a budget of up to **€70,000**\n"
            "- Access to TIM's labs and to A2A Smart City's network data\n"
            "- Technical and business mentoring"
        ),
        "eligibility": ELIGIBILITY_EN.format(
            extra="Experience in robotics, sensors or GIS for underground utility networks"),
    },
    "forestami-monitoraggio-alberi": {
        "locale": "en",
        "title": "ForestaMi: knowing how every planted tree is doing",
        "summary": ("Monitor the health, growth and benefits of the metropolitan city's new "
                    "trees, from the Parco della Vettabbia to school courtyards."),
        "description": """\
## Context

With **ForestaMi** the metropolitan city aims to plant 3 million trees by 2030. Planting
is not enough: in the first years some of the young trees do not survive, above all in
the hottest summers. Today the checks are manual and by sample.

## The challenge

We look for tools to:

- survey the new plantings (from satellite images, drones, LiDAR or ground surveys);
- estimate the health, water stress and growth of each tree or row;
- flag in time where to water or replace, with clear priorities for the crews;
- measure the benefits: CO₂ absorbed, shade, a cooler heat island.

## The pilot

The Parco della Vettabbia and 20 newly planted areas in Municipi 4 and 5.
""",
        "expected_outcomes": (
            "- The health of the pilot's trees updated at least every two weeks\n"
            "- Fewer new trees lost than the year before\n"
            "- A public dashboard of ForestaMi's benefits"
        ),
        "rewards": (
            "- A pilot over one growing season with **€50,000**\n"
            "- Integration into Accenture's data platform for the city\n"
            "- Mentoring by Coima on managing green spaces in urban projects"
        ),
        "eligibility": ELIGIBILITY_EN.format(
            extra="Skills in remote sensing, agronomy or image analysis"),
    },
    "ebus-depot-charging": {
        "locale": "it",
        "title": "Ricaricare di notte una flotta di bus elettrici, nei limiti della rete",
        "summary": ("Programmare la ricarica di centinaia di e-bus ATM nei depositi perché "
                    "ogni bus sia pronto per il primo turno, al costo più basso e senza "
                    "sovraccaricare la rete."),
        "description": """\
## Contesto

ATM sta rendendo elettrica la sua flotta di autobus con il piano **Full Electric**: più di
1.000 e-bus e nuovi depositi come San Donato e Giambellino. Ogni deposito ricarica di
notte centinaia di bus con una connessione alla rete limitata.

## La sfida

Cerchiamo un software che:

- pianifichi la ricarica di ogni bus dai turni del giorno dopo e dallo stato della batteria;
- tenga il deposito sotto la potenza contrattuale e reagisca ai segnali della rete;
- consideri l'invecchiamento delle batterie e il pre-condizionamento d'inverno;
- mostri al personale, in una sola schermata, quali bus sono pronti e quali no.
""",
        "expected_outcomes": (
            "- Il 100% dei bus pronto per la prima corsa durante il pilota\n"
            "- Picco di potenza del deposito ridotto di almeno il 20%\n"
            "- Costo dell'energia per km misurato rispetto alla strategia attuale"
        ),
        "rewards": (
            "- Un pilota di 6 mesi in un deposito, **70.000 €**\n"
            "- Accesso ai servizi di flessibilità di Enel X\n"
            "- ATM come cliente di riferimento"
        ),
        "eligibility": ELIGIBILITY_IT.format(
            extra="Esperienza con OCPP e con software per flotte o depositi"),
    },
}


def ensure_goals() -> dict[str, cm.CityGoal]:
    """Create the demo goals that are missing; return every goal by slug."""
    goals = {g.slug: g for g in db.session.scalars(sa.select(cm.CityGoal))}
    for position, (slug, name_it, name_en, text_it, text_en) in enumerate(GOALS, start=1):
        if slug not in goals:
            goals[slug] = cm.CityGoal(slug=slug, name_it=name_it, name_en=name_en,
                                      description_it=text_it, description_en=text_en,
                                      position=position)
            db.session.add(goals[slug])
    db.session.flush()
    return goals


def build_goals(*, challenges: dict[str, cm.Challenge]) -> None:
    """Give the demo challenges their language, goals and translations where they have
    none yet (a challenge edited since keeps what it has)."""
    goals = ensure_goals()
    languages = {data["slug"]: data["lang"] for data in CHALLENGES}
    for slug, challenge in challenges.items():
        if challenge.locale != languages[slug] and not challenge.translations:
            challenge.locale = languages[slug]
        if not challenge.city_goals and CHALLENGE_GOALS.get(slug):
            challenge.city_goals = [goals[g] for g in CHALLENGE_GOALS[slug]]
        data = TRANSLATIONS.get(slug)
        if data and not challenge.translations and data["locale"] != challenge.locale:
            challenge.translations.append(cm.ChallengeTranslation(**data))
    db.session.flush()
