"""A deterministic generator of realistic search documents for the benchmark.

Proposals (about 150 words each, roughly 60% in Italian and 40% in English)
answer a few hundred challenges of the nine partners under four calls; a
sprinkling of start-up profiles completes the index. Everything comes from the
domain's vocabulary (themes, technologies, Milan's places), from one seed, so
two runs index exactly the same text.

The documents are :class:`alliance.search.documents.SearchDocument` objects,
built directly: no database is needed.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alliance.search.documents import SearchDocument

SEED = 2026
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # the benchmark's "now" (scopes, phases)

PARTNERS = [  # (id, slug, name)
    (1, "a2a-smart-city", "A2A Smart City"), (2, "accenture", "Accenture"), (3, "atm", "ATM"),
    (4, "cisco", "Cisco"), (5, "coima", "Coima"), (6, "enel-x", "Enel X"), (7, "ibm", "IBM"),
    (8, "siemens", "Siemens"), (9, "tim", "TIM"),
]
CALLS = [  # (slug, title, opens, deadline)
    ("mobilita-sostenibile-2025", "Mobilità sostenibile 2025",
     datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 30, 22, tzinfo=UTC)),
    ("climate-city-contract-2026", "Climate City Contract 2026",
     datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 4, 30, 22, tzinfo=UTC)),
    ("cybersecurecity-2026", "CyberSecureCity 2026",
     datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 9, 30, 22, tzinfo=UTC)),
    ("rigenerazione-urbana-2026", "Rigenerazione urbana 2026",
     datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC)),
]
THEMES = {  # slug: (name_it, name_en)
    "energy": ("Energia e decarbonizzazione", "Energy and decarbonisation"),
    "mobility": ("Mobilità", "Mobility"),
    "cyber-security": ("Sicurezza informatica", "Cyber security"),
    "connectivity": ("Connettività", "Connectivity"),
    "urban-regeneration": ("Rigenerazione urbana", "Urban regeneration"),
    "green-infrastructure": ("Infrastrutture verdi", "Green infrastructure"),
    "buildings": ("Edifici", "Buildings"),
    "circular-economy": ("Economia circolare", "Circular economy"),
}

# Per theme: Italian nouns/noun phrases, English ones (parallel where a glossary pair exists).
TOPICS = {
    "energy": (
        ["teleriscaldamento", "pompe di calore", "fotovoltaico", "comunità energetica",
         "efficienza energetica", "accumulo", "rete elettrica", "contatori intelligenti",
         "idrogeno verde", "illuminazione pubblica", "consumi energetici", "decarbonizzazione"],
        ["district heating", "heat pumps", "photovoltaics", "energy community",
         "energy efficiency", "storage", "power grid", "smart meters", "green hydrogen",
         "street lighting", "energy consumption", "decarbonisation"]),
    "mobility": (
        ["mobilità elettrica", "autobus elettrici", "ricarica", "trasporto pubblico",
         "parcheggi", "traffico", "ciclabili", "monopattini", "logistica urbana",
         "deposito", "tram", "car sharing"],
        ["electric mobility", "electric buses", "charging", "public transport", "parking",
         "traffic", "cycle lanes", "scooters", "urban logistics", "depot", "tram",
         "car sharing"]),
    "cyber-security": (
        ["sicurezza informatica", "vulnerabilità", "attacchi informatici", "crittografia",
         "identità digitale", "autenticazione", "monitoraggio delle minacce", "ransomware",
         "infrastrutture critiche", "punti di ricarica", "resilienza", "continuità operativa"],
        ["cyber security", "vulnerabilities", "cyber attacks", "encryption",
         "digital identity", "authentication", "threat monitoring", "ransomware",
         "critical infrastructure", "charging points", "resilience", "business continuity"]),
    "connectivity": (
        ["fibra ottica", "rete 5G", "sensori", "internet delle cose", "rete fognaria",
         "copertura", "banda larga", "gemello digitale", "piattaforma dati", "edge computing",
         "dati aperti", "antenne"],
        ["optical fibre", "5G network", "sensors", "internet of things", "sewer network",
         "coverage", "broadband", "digital twin", "data platform", "edge computing",
         "open data", "antennas"]),
    "urban-regeneration": (
        ["rigenerazione urbana", "spazio pubblico", "quartiere", "periferie", "piazze",
         "desigillazione", "partecipazione civica", "scuole", "cortili", "riuso",
         "aree dismesse", "servizi di prossimità"],
        ["urban regeneration", "public space", "neighbourhood", "suburbs", "squares",
         "depaving", "civic participation", "schools", "courtyards", "reuse",
         "brownfield sites", "local services"]),
    "green-infrastructure": (
        ["forestazione urbana", "alberi", "verde pubblico", "tetti verdi", "isole di calore",
         "drenaggio urbano", "biodiversità", "qualità dell'aria", "acque meteoriche",
         "parchi", "ombreggiamento", "suolo permeabile"],
        ["urban forestry", "trees", "public green", "green roofs", "heat islands",
         "urban drainage", "biodiversity", "air quality", "stormwater", "parks", "shading",
         "permeable soil"]),
    "buildings": (
        ["riqualificazione energetica", "edifici pubblici", "involucro", "cappotto termico",
         "domotica", "ventilazione", "comfort termico", "case popolari", "certificazione",
         "cantieri", "materiali", "manutenzione predittiva"],
        ["energy retrofit", "public buildings", "building envelope", "thermal insulation",
         "home automation", "ventilation", "thermal comfort", "social housing",
         "certification", "construction sites", "materials", "predictive maintenance"]),
    "circular-economy": (
        ["economia circolare", "rifiuti", "raccolta differenziata", "riciclo", "compostaggio",
         "spreco alimentare", "imballaggi", "riuso dei materiali", "tracciabilità",
         "plastica", "rifiuti elettronici", "mercati rionali"],
        ["circular economy", "waste", "separate collection", "recycling", "composting",
         "food waste", "packaging", "material reuse", "traceability", "plastic",
         "electronic waste", "local markets"]),
}
TECH = (
    ["intelligenza artificiale", "apprendimento automatico", "sensori a basso costo",
     "piattaforma cloud", "app mobile", "analisi predittiva", "visione artificiale",
     "blockchain", "algoritmi di ottimizzazione", "cruscotto", "API aperte", "droni"],
    ["artificial intelligence", "machine learning", "low-cost sensors", "cloud platform",
     "mobile app", "predictive analytics", "computer vision", "blockchain",
     "optimisation algorithms", "dashboard", "open APIs", "drones"])
PLACES = ["Milano", "Città Studi", "Bovisa", "Lambrate", "Porta Romana", "Niguarda", "Isola",
          "NoLo", "Quarto Oggiaro", "Gratosoglio", "Giambellino", "Navigli", "Bicocca",
          "San Siro", "Corvetto", "Rogoredo"]
VERBS = (
    ["riduce", "misura", "ottimizza", "monitora", "integra", "semplifica", "prevede",
     "coordina", "rende accessibile", "automatizza"],
    ["reduces", "measures", "optimises", "monitors", "integrates", "simplifies", "forecasts",
     "coordinates", "opens up", "automates"])
SENTENCES = (
    ["La nostra soluzione {verb} {topic} grazie a {tech}.",
     "Proponiamo un pilota a {place} per {topic} con {tech}.",
     "Il progetto {verb} {topic} e {topic2} in tempo reale, con dati aperti al Comune.",
     "In sei mesi installiamo {tech} su {topic} in tre quartieri di {place}.",
     "Il sistema {verb} i costi di {topic} del trenta per cento e migliora {topic2}.",
     "La piattaforma raccoglie dati su {topic}, li analizza con {tech} e li restituisce ai cittadini.",
     "Il team ha già sperimentato {topic} con due aziende municipalizzate.",
     "Misuriamo l'impatto su {topic2} con indicatori condivisi con il partner.",
     "La soluzione è conforme al GDPR e si integra con i sistemi esistenti di {topic}.",
     "Il modello di business prevede un canone annuale e la manutenzione di {tech}."],
    ["Our solution {verb} {topic} with {tech}.",
     "We propose a pilot in {place} for {topic} using {tech}.",
     "The project {verb} {topic} and {topic2} in real time, with open data for the city.",
     "Within six months we install {tech} for {topic} in three districts of {place}.",
     "The system {verb} the cost of {topic} by thirty percent and improves {topic2}.",
     "The platform collects data on {topic}, analyses it with {tech} and shares it with citizens.",
     "The team has already tested {topic} with two municipal utilities.",
     "We measure the impact on {topic2} with indicators agreed with the partner.",
     "The solution complies with GDPR and integrates with the existing systems for {topic}.",
     "The business model is an annual fee plus maintenance of {tech}."])
TITLES = (
    ["{Tech} per {topic} a {place}", "{Topic}: un pilota con {tech}",
     "Piattaforma per {topic} e {topic2}", "{Topic} intelligente nei quartieri di {place}"],
    ["{Tech} for {topic} in {place}", "{Topic}: a pilot with {tech}",
     "A platform for {topic} and {topic2}", "Smart {topic} in the districts of {place}"])
STARTUP_WORDS = ["Lumen", "Grid", "Verde", "Flux", "Urbana", "Nodo", "Sense", "Ciclo", "Aria",
                 "Volt", "Terra", "Bit", "Onda", "Rete", "Smart", "Lab", "Hub", "Data"]
STATUSES = ["submitted"] * 7 + ["draft"] * 2 + ["withdrawn"]
TRL_WEIGHTS = [1, 2, 4, 6, 9, 10, 8, 5, 3]  # TRL 1..9: most proposals at 4-7


@dataclass(frozen=True)
class Challenge:
    id: int
    slug: str
    title: str
    theme: str
    partner_ids: tuple[int, ...]
    call: str
    opens_at: datetime
    deadline: datetime


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class Generator:
    """Documents from one seed: ``challenges()``, ``startups()``, ``proposals(n)``."""

    def __init__(self, proposals: int, seed: int = SEED):
        self.rng = random.Random(seed)
        self.n_proposals = proposals
        n_challenges = max(12, min(600, proposals // 150))
        n_startups = max(30, proposals // 40)
        self.challenge_rows = [self._challenge(i + 1) for i in range(n_challenges)]
        self.startup_names = [self._startup_name(i) for i in range(n_startups)]

    # -- pieces ---------------------------------------------------------------

    def _fill(self, template: str, lang: int, theme: str) -> str:
        rng = self.rng
        topics = TOPICS[theme][lang]
        if rng.random() < 0.25:  # a word from a neighbouring theme now and then
            topics = TOPICS[rng.choice(list(TOPICS))][lang]
        topic, topic2 = rng.sample(topics, 2)
        tech = rng.choice(TECH[lang])
        return template.format(topic=topic, topic2=topic2, tech=tech, Topic=_cap(topic),
                               Tech=_cap(tech), place=rng.choice(PLACES),
                               verb=rng.choice(VERBS[lang]))

    def _text(self, lang: int, theme: str, words: int) -> str:
        sentences: list[str] = []
        count = 0
        while count < words:
            sentence = self._fill(self.rng.choice(SENTENCES[lang]), lang, theme)
            sentences.append(sentence)
            count += len(sentence.split())
        return " ".join(sentences)

    def _challenge(self, i: int) -> Challenge:
        rng = self.rng
        theme = rng.choice(list(THEMES))
        call, _title, opens, deadline = rng.choice(CALLS)
        lead = rng.choice(PARTNERS)[0]
        partner_ids = (lead,) + tuple(p for p in rng.sample([p[0] for p in PARTNERS], 2)
                                      if p != lead)[: rng.randint(0, 1)]
        lang = 0 if rng.random() < 0.6 else 1
        title = self._fill(rng.choice(TITLES[lang]), lang, theme)
        return Challenge(i, f"challenge-{i}-{theme}", title, theme, partner_ids, call,
                         opens, deadline + timedelta(days=rng.randint(-20, 20)))

    def _startup_name(self, i: int) -> str:
        a, b = self.rng.sample(STARTUP_WORDS, 2)
        return f"{a}{b} {i} S.r.l."

    # -- documents ------------------------------------------------------------

    def challenges(self) -> Iterator[SearchDocument]:
        by_id = {p[0]: p for p in PARTNERS}
        for c in self.challenge_rows:
            lang = 0 if self.rng.random() < 0.6 else 1
            partners = [by_id[i] for i in c.partner_ids]
            yield SearchDocument(
                kind="challenge", object_id=c.id, title=c.title,
                body=self._text(lang, c.theme, 120) + "\n\n" + " ".join(THEMES[c.theme]),
                public=True, themes=[c.theme], partners=[p[1] for p in partners],
                partner_ids=list(c.partner_ids), call=c.call, status="published",
                opens_at=c.opens_at, deadline=c.deadline, created_at=c.opens_at,
                subtitle=partners[0][2], url_key=c.slug,
            )

    def startups(self) -> Iterator[SearchDocument]:
        rng = self.rng
        for i, name in enumerate(self.startup_names, start=1):
            lang = 0 if rng.random() < 0.6 else 1
            sectors = rng.sample(list(THEMES), rng.randint(1, 2))
            city = rng.choice(["Milano"] * 6 + ["Torino", "Bergamo", "Bologna", "Monza"])
            yield SearchDocument(
                kind="startup", object_id=i, title=name,
                body=self._text(lang, sectors[0], 40) + "\n\n" + city,
                public=rng.random() < 0.85, themes=sectors,
                status="public", city=city.lower(), startup_id=i,
                created_at=NOW - timedelta(days=rng.randint(30, 900)), subtitle=city,
                url_key=f"startup-{i}",
            )

    def proposals(self) -> Iterator[SearchDocument]:
        rng = self.rng
        by_id = {p[0]: p for p in PARTNERS}
        for i in range(1, self.n_proposals + 1):
            c = rng.choice(self.challenge_rows)
            startup_id = rng.randint(1, len(self.startup_names))
            lang = 0 if rng.random() < 0.6 else 1
            title = self._fill(rng.choice(TITLES[lang]), lang, c.theme)
            body = self._text(lang, c.theme, 150)
            yield SearchDocument(
                kind="proposal", object_id=i, title=title,
                body=body + "\n\n" + self.startup_names[startup_id - 1] + "\n\n" + c.title,
                public=False, themes=[c.theme], partners=[by_id[p][1] for p in c.partner_ids],
                partner_ids=list(c.partner_ids), call=c.call, challenge=c.slug,
                status=rng.choice(STATUSES), trl=rng.choices(range(1, 10), TRL_WEIGHTS)[0],
                startup_id=startup_id, opens_at=c.opens_at, deadline=c.deadline,
                created_at=c.opens_at + timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                subtitle=f"{self.startup_names[startup_id - 1]} · {c.title}", url_key=str(i),
            )

    def documents(self) -> Iterator[SearchDocument]:
        """Challenges, start-ups, then the proposals (generated lazily)."""
        yield from self.challenges()
        yield from self.startups()
        yield from self.proposals()

    @property
    def total(self) -> int:
        return len(self.challenge_rows) + len(self.startup_names) + self.n_proposals


def generate(proposals: int, seed: int = SEED) -> list[SearchDocument]:
    """Every document, in a list (the same list feeds Whoosh and the FTS5 reference)."""
    return list(Generator(proposals, seed).documents())
