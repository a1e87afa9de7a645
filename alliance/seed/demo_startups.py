"""Demo data: people, start-ups and their proposals.

An Italian start-up gives the seven digits of its partita IVA's company number
(``matricola``); the seed adds the office code of its province and the check
digit. Foreign start-ups give a registration number instead.

A proposal's ``days`` is how many days before ``min(now, deadline)`` it was first
submitted (or last edited, for a draft); ``revisions`` is its number of submitted
versions; ``withdrawn`` how many days ago it was withdrawn.
"""
from __future__ import annotations

DEMO_PASSWORD = "demo-password-2026"

# (email, name, role, partner slug) -- the logins the README lists.
DEMO_ACCOUNTS = [
    ("admin@alliance.demo", "Alessandra Bianchi", "admin", None),
    ("partner@alliance.demo", "Luca Moretti", "partner", "enel-x"),
    ("partner2@alliance.demo", "Francesca Romano", "partner", "coima"),
    ("jury@alliance.demo", "Marco Galli", "jury", None),
    ("startup@alliance.demo", "Chiara Colombo", "startup", None),  # founder of Lumen Grid
]

# One contact person for each partner without a demo account.
PARTNER_PEOPLE = {
    "a2a-smart-city": "Giorgio Ricci",
    "accenture": "Laura Ferrara",
    "atm": "Paolo Rinaldi",
    "cisco": "Simona Carbone",
    "ibm": "Massimo De Santis",
    "siemens": "Claudia Monti",
    "tim": "Fabio Leone",
}

# Two more committee members besides jury@alliance.demo.
JURY_PEOPLE = [
    ("elena.marchetti@polimi.example.com", "Elena Marchetti"),
    ("roberto.fontana@unimi.example.com", "Roberto Fontana"),
    ("giulia.rinaldi@unibocconi.example.com", "Giulia Rinaldi"),
    ("davide.conti@unimib.example.com", "Davide Conti"),
]

# Partita IVA office codes (the province's ISTAT code).
OFFICE_CODES = {"Milano": "015", "Torino": "001", "Bergamo": "016", "Bologna": "037"}

STARTUPS = [
    {
        "slug": "sentinella-labs", "name": "Sentinella Labs S.r.l.", "city": "Milano",
        "matricola": "1084512", "founded": 2020, "team": 14, "stage": "revenue",
        "sectors": ["cyber-security", "connectivity"],
        "pitch": "Passive security monitoring for operational technology and IoT networks: "
                 "we see every device and every conversation without touching them.",
        "founder": "Davide Conti", "cofounder": "Sara Esposito",
    },
    {
        "slug": "scudo-digitale", "name": "Scudo Digitale S.r.l.", "city": "Torino",
        "matricola": "1173305", "founded": 2019, "team": 11, "stage": "revenue",
        "sectors": ["cyber-security"],
        "pitch": "Security awareness in ten minutes a week: mobile-first courses and ethical "
                 "phishing simulations in Italian for public bodies, schools and SMEs.",
        "founder": "Elisa Ferraris", "cofounder": "Matteo Bruno",
    },
    {
        "slug": "cifra-quantistica", "name": "Cifra Quantistica S.r.l.", "city": "Milano",
        "matricola": "1290871", "founded": 2022, "team": 6, "stage": "prototype",
        "sectors": ["cyber-security"],
        "pitch": "Crypto-agility for the post-quantum era: we find every certificate and "
                 "algorithm in your systems and plan the migration.",
        "founder": "Andrea Villa",
    },
    {
        "slug": "kairos-ti", "name": "Kairos Threat Intelligence S.r.l.", "city": "Bologna",
        "matricola": "0398214", "founded": 2021, "team": 9, "stage": "mvp",
        "sectors": ["cyber-security"],
        "pitch": "Threat intelligence in plain language for organisations without a "
                 "security team.",
        "founder": "Lorenzo Mazza", "cofounder": "Giada Serra",
    },
    {
        "slug": "vigilo-iot", "name": "Vigilo IoT GmbH", "city": "Berlin", "country": "DE",
        "registration": "HRB 241876 B, AG Charlottenburg", "founded": 2019,
        "team": 23, "stage": "growth", "sectors": ["cyber-security", "energy"],
        "pitch": "Agentless firmware integrity and anomaly detection for charging stations "
                 "and industrial IoT.",
        "founder": "Jonas Weber", "cofounder": "Laura Ricci",
    },
    {
        "slug": "termoflux", "name": "Termoflux S.r.l.", "city": "Milano",
        "matricola": "0987623", "founded": 2018, "team": 17, "stage": "revenue",
        "sectors": ["energy", "buildings"],
        "pitch": "Machine-learning forecasts and control for district heating networks and "
                 "large heat-pump plants.",
        "founder": "Federico Lombardi", "cofounder": "Irene Gatti",
    },
    {
        "slug": "voltaria", "name": "Voltaria S.r.l.", "city": "Bergamo",
        "matricola": "0456678", "founded": 2020, "team": 12, "stage": "mvp",
        "sectors": ["energy", "mobility"],
        "pitch": "Smart and bidirectional charging software for fleets: every vehicle ready, "
                 "every kilowatt-hour at the best price.",
        "founder": "Simone Rota",
    },
    {
        "slug": "casa-zero", "name": "Casa Zero S.r.l. Società Benefit", "city": "Milano",
        "matricola": "1045590", "founded": 2019, "team": 28, "stage": "growth",
        "sectors": ["buildings", "energy"],
        "pitch": "Prefabricated façade and roof modules that bring old apartment blocks to "
                 "near-zero energy in weeks, not years.",
        "founder": "Valentina Longo", "cofounder": "Alberto Riva",
    },
    {
        "slug": "lumen-grid", "name": "Lumen Grid S.r.l.", "city": "Milano",
        "matricola": "1312047", "founded": 2021, "team": 9, "stage": "mvp",
        "sectors": ["energy", "connectivity"],
        "pitch": "Edge controllers that make street lights adaptive and turn every pole into "
                 "a sensing platform for the city.",
        "founder": "Chiara Colombo", "founder_email": "startup@alliance.demo",
        "cofounder": "Paolo Sala",
    },
    {
        "slug": "flexa-energia", "name": "Flexa Energia S.r.l.", "city": "Torino",
        "matricola": "1220934", "founded": 2022, "team": 7, "stage": "mvp",
        "sectors": ["energy", "buildings"],
        "pitch": "Demand response for condominiums and energy communities: heat pumps and "
                 "batteries that help the grid.",
        "founder": "Martina Greco",
    },
    {
        "slug": "talpa-robotics", "name": "Talpa Robotics S.r.l.", "city": "Milano",
        "matricola": "1126781", "founded": 2020, "team": 15, "stage": "revenue",
        "sectors": ["connectivity", "urban-regeneration"],
        "pitch": "Robot di ispezione per tubazioni e fognature da 30 cm di diametro, con "
                 "classificazione dei difetti basata su IA.",
        "founder": "Stefano Marino", "cofounder": "Anna De Luca",
    },
    {
        "slug": "onda5", "name": "Onda5 S.r.l.", "city": "Milano",
        "matricola": "0934452", "founded": 2019, "team": 20, "stage": "revenue",
        "sectors": ["connectivity", "cyber-security"],
        "pitch": "Private 5G and NB-IoT networks for cities and campuses, with security "
                 "built in.",
        "founder": "Giovanni Barbieri",
    },
    {
        "slug": "navigli-data", "name": "Navigli Data S.r.l.", "city": "Milano",
        "matricola": "1401126", "founded": 2023, "team": 5, "stage": "prototype",
        "sectors": ["connectivity", "mobility"],
        "pitch": "Piattaforme di dati urbani aperti e gemelli digitali delle reti della città.",
        "founder": "Elena Fumagalli",
    },
    {
        "slug": "vedetta-vision", "name": "Vedetta Vision S.r.l.", "city": "Milano",
        "matricola": "1098345", "founded": 2020, "team": 13, "stage": "revenue",
        "sectors": ["mobility", "cyber-security"],
        "pitch": "Edge computer vision that counts, classifies and protects road users "
                 "without identifying them.",
        "founder": "Roberto Caruso", "cofounder": "Silvia Pellegrini",
    },
    {
        "slug": "passo-mobility", "name": "Passo Mobility S.r.l.", "city": "Milano",
        "matricola": "1187720", "founded": 2021, "team": 10, "stage": "mvp",
        "sectors": ["mobility"],
        "pitch": "Crowding forecasts for public transport, from the data operators already "
                 "have.",
        "founder": "Tommaso Ferri",
    },
    {
        "slug": "binario-smart", "name": "Binario Smart S.r.l.", "city": "Bergamo",
        "matricola": "0378819", "founded": 2018, "team": 16, "stage": "revenue",
        "sectors": ["mobility"],
        "pitch": "Predictive maintenance for rail and tram infrastructure from motor-current "
                 "signatures.",
        "founder": "Nicola Testa",
    },
    {
        "slug": "edepot", "name": "eDepot Solutions SAS", "city": "Lyon", "country": "FR",
        "registration": "RCS Lyon 912 345 678", "founded": 2019, "team": 25,
        "stage": "growth", "sectors": ["mobility", "energy"],
        "pitch": "Depot management and charge scheduling for electric bus fleets across "
                 "Europe.",
        "founder": "Camille Laurent", "cofounder": "Hugo Martin",
    },
    {
        "slug": "radici-digitali", "name": "Radici Digitali S.r.l.", "city": "Milano",
        "matricola": "1356602", "founded": 2022, "team": 6, "stage": "mvp",
        "sectors": ["green-infrastructure"],
        "pitch": "Monitoraggio degli alberi urbani: satellite, LiDAR e sensori di suolo a "
                 "basso costo in un unico modello.",
        "founder": "Beatrice Vitale",
    },
    {
        "slug": "permea", "name": "Permea S.r.l.", "city": "Bologna",
        "matricola": "0411293", "founded": 2021, "team": 8, "stage": "prototype",
        "sectors": ["urban-regeneration", "green-infrastructure"],
        "pitch": "Pavimentazioni drenanti e progetti di depavimentazione: restituiamo suolo "
                 "alle città.",
        "founder": "Giulia Orlando",
    },
    {
        "slug": "ombra-verde", "name": "Ombra Verde S.r.l.", "city": "Milano",
        "matricola": "0876514", "founded": 2017, "team": 19, "stage": "revenue",
        "sectors": ["green-infrastructure", "buildings"],
        "pitch": "Green roofs, green façades and heat-island maps for buildings and "
                 "neighbourhoods.",
        "founder": "Marco Bassi", "cofounder": "Chiara Sanna",
    },
    {
        "slug": "binwise", "name": "Binwise S.r.l.", "city": "Milano",
        "matricola": "1009981", "founded": 2019, "team": 11, "stage": "revenue",
        "sectors": ["circular-economy", "connectivity"],
        "pitch": "Fill-level sensors and route optimisation for waste collection.",
        "founder": "Daniele Negri",
    },
    {
        "slug": "seconda-vita", "name": "Seconda Vita Materiali S.r.l.", "city": "Torino",
        "matricola": "1267745", "founded": 2022, "team": 7, "stage": "mvp",
        "sectors": ["circular-economy", "buildings"],
        "pitch": "Material passports and reuse marketplaces for construction and "
                 "demolition.",
        "founder": "Federica Cattaneo",
    },
]

PROPOSALS = [
    # -- cyber-resilient-iot-networks (open; terms version 2 published 5 days ago) ------
    {
        "challenge": "cyber-resilient-iot-networks", "startup": "sentinella-labs",
        "status": "submitted", "days": 20, "trl": 7, "months": 6, "cost": 58000,
        "attachment": True,
        "title": "Sentinella OT: passive anomaly detection for city IoT",
        "abstract": "Sentinella listens to mirrored traffic, fingerprints every device and "
                    "learns its normal conversations. Deviations are scored and, after an "
                    "operator's confirmation, the device is moved to a quarantine segment.",
        "approach": "Our sensor runs on a small appliance connected to a SPAN port. Passive "
                    "fingerprinting (DHCP, TLS, protocol banners) builds the inventory in "
                    "hours; baselines per device class keep false positives low. Containment "
                    "uses the switches' own segmentation policies through standard APIs, so "
                    "nothing is installed on the devices. Alerts reach the SOC as STIX 2.1.",
    },
    {
        "challenge": "cyber-resilient-iot-networks", "startup": "onda5",
        "status": "submitted", "days": 3, "trl": 6, "months": 6, "cost": 52000,
        "title": "Onda5 Shield: security for the cellular side of city IoT",
        "abstract": "Many city sensors never touch the wired network: they talk NB-IoT or 5G. "
                    "Our probe reads core-network signalling and flags SIM misuse, unexpected "
                    "destinations and anomalous firmware updates.",
        "approach": "We deploy a probe in TIM's test core network and correlate signalling "
                    "with the wired inventory of the segment. Devices that change behaviour "
                    "are throttled or moved to a restricted APN after confirmation.",
        "by": "founder",
    },
    {
        "challenge": "cyber-resilient-iot-networks", "startup": "lumen-grid",
        "status": "draft", "days": 2, "trl": 5,
        "title": "Lighting nodes that defend themselves",
        "abstract": "Our lighting gateways already run at the edge on thousands of poles: we "
                    "want to add a lightweight anomaly detector and feed the partners' SOC.",
        "approach": "To be completed: pilot plan and budget.",
    },
    {
        "challenge": "cyber-resilient-iot-networks", "startup": "vigilo-iot",
        "status": "submitted", "days": 12, "trl": 6, "months": 6, "cost": 60000,
        "title": "Vigilo Fleet Guard: firmware integrity without agents",
        "abstract": "Vigilo compares the network behaviour of each device with a signed "
                    "reference profile built in our lab, revealing tampered or outdated "
                    "firmware without installing anything on the device.",
        "approach": "Reference profiles exist for 140 controller and sensor models; for the "
                    "others we build them during the first month of the pilot. Mismatches "
                    "open a ticket with evidence in the SOC's tool.",
    },
    # -- cybersecurecity-academy (open) -------------------------------------------------
    {
        "challenge": "cybersecurecity-academy", "startup": "scudo-digitale",
        "status": "submitted", "days": 9, "revisions": 2, "trl": 8, "months": 5,
        "cost": 38000, "attachment": True, "by": "cofounder",
        "title": "Scudo: ten-minute security habits for the whole city",
        "abstract": "A mobile-first programme of ten-minute modules in Italian, monthly "
                    "phishing simulations and team challenges, tailored for municipal offices, "
                    "schools and shops.",
        "approach": "Each learner follows a path of 20 short modules adapted to their role; "
                    "simulations adapt their difficulty; managers see anonymous team "
                    "dashboards. Modules for pupils are co-designed with teachers and meet "
                    "WCAG 2.1 AA.",
    },
    {
        "challenge": "cybersecurecity-academy", "startup": "kairos-ti",
        "status": "draft", "days": 1, "trl": 6, "months": 5,
        "title": "Kairos Academy: learning from real attacks",
        "abstract": "Modules built from anonymised incidents reported in Lombardy, refreshed "
                    "every month.",
        "approach": "Draft: we are still defining the school track with two teachers.",
    },
    # -- threat-intelligence-sharing (open) ---------------------------------------------
    {
        "challenge": "threat-intelligence-sharing", "startup": "kairos-ti",
        "status": "submitted", "days": 6, "trl": 7, "months": 6, "cost": 48000,
        "title": "Kairos Brief: from indicators to actions, in plain Italian",
        "abstract": "Kairos Brief reads STIX/TAXII feeds and bulletins, matches them with what "
                    "each organisation exposes and sends a short, prioritised to-do list in "
                    "Italian.",
        "approach": "Organisations declare domains, software and suppliers in a five-minute "
                    "questionnaire; we add passive discovery of their internet exposure. A "
                    "language model drafts the advice, a human analyst validates every "
                    "template before it is sent.",
    },
    {
        "challenge": "threat-intelligence-sharing", "startup": "sentinella-labs",
        "status": "submitted", "days": 10, "trl": 6, "months": 6, "cost": 45000,
        "title": "Sentinella Exposure: what this bulletin means for you",
        "abstract": "A service that turns each shared indicator into a yes/no answer for an "
                    "organisation: are you affected, and what should you do today?",
        "approach": "We reuse the device fingerprinting engine of our OT product on the "
                    "organisations' internet-facing assets and match it with the bulletins "
                    "of the Cybersecurityalliance platform.",
    },
    {
        "challenge": "threat-intelligence-sharing", "startup": "cifra-quantistica",
        "status": "withdrawn", "days": 15, "withdrawn": 4, "trl": 5, "months": 6,
        "cost": 40000,
        "title": "CifraScan: cryptographic exposure alerts",
        "abstract": "Alerts when a bulletin concerns weak or deprecated cryptography used by "
                    "an organisation.",
        "approach": "We scan public endpoints for protocols, ciphers and certificates and "
                    "match them with advisories.",
    },
    # -- secure-ev-charging (closed 6 days ago) -----------------------------------------
    {
        "challenge": "secure-ev-charging", "startup": "vigilo-iot",
        "status": "submitted", "days": 3, "trl": 7, "months": 4, "cost": 44000,
        "attachment": True,
        "title": "Vigilo Charge: OCPP anomaly detection and tamper alerts",
        "abstract": "Vigilo Charge inspects OCPP traffic between chargers and the back end, "
                    "detects protocol abuse and firmware tampering, and raises tamper alerts "
                    "from the chargers' own sensors.",
        "approach": "A parser for OCPP 1.6 and 2.0.1 feeds behavioural models per charger "
                    "model; firmware images are verified against signed references. We have "
                    "run this on 3,000 chargers in Germany.",
    },
    {
        "challenge": "secure-ev-charging", "startup": "sentinella-labs",
        "status": "submitted", "days": 5, "trl": 6, "months": 4, "cost": 42000,
        "title": "Sentinella for charge-point networks",
        "abstract": "Our passive monitoring, adapted to the charging network: inventory, "
                    "baselines and containment for chargers and their modems.",
        "approach": "We mirror traffic at the aggregation points of the Porta Romana area and "
                    "apply our OT detection engine with OCPP-specific rules.",
    },
    {
        "challenge": "secure-ev-charging", "startup": "voltaria",
        "status": "submitted", "days": 8, "revisions": 2, "trl": 6, "months": 4,
        "cost": 39000,
        "title": "Voltaria Secure Onboarding: certificates for every charger",
        "abstract": "Zero-touch onboarding and automatic certificate rotation for chargers, "
                    "implementing OCPP 2.0.1 security profile 3.",
        "approach": "Our charging platform already manages certificates for fleet depots; we "
                    "will connect it to Enel X's PKI and rotate the pilot fleet's "
                    "certificates remotely.",
    },
    {
        "challenge": "secure-ev-charging", "startup": "cifra-quantistica",
        "status": "submitted", "days": 2, "trl": 5, "months": 4, "cost": 45000,
        "title": "A crypto-agile PKI for OCPP 2.0.1",
        "abstract": "A certificate infrastructure for chargers ready for post-quantum "
                    "algorithms, so today's fleet does not need replacing in ten years.",
        "approach": "Hybrid certificates (classical and ML-DSA) in a lab first, then on ten "
                    "chargers of the pilot area.",
    },
    # -- fibra-nelle-fognature (open, in Italian) ---------------------------------------
    {
        "challenge": "fibra-nelle-fognature", "startup": "talpa-robotics",
        "status": "submitted", "days": 7, "trl": 7, "months": 8, "cost": 68000,
        "attachment": True, "by": "cofounder",
        "title": "Talpa: robot di ispezione per condotti da 30 cm",
        "abstract": "Un robot cingolato con telecamera a 360° e LiDAR che percorre i condotti "
                    "fognari, classifica i difetti con un modello di IA e prepara la posa "
                    "della fibra.",
        "approach": "Il robot lavora senza operatori nei condotti; i dati alimentano un "
                    "gemello digitale del tratto in formato compatibile con i GIS dei "
                    "gestori. Abbiamo già ispezionato 40 km di rete in Piemonte.",
    },
    {
        "challenge": "fibra-nelle-fognature", "startup": "onda5",
        "status": "submitted", "days": 11, "trl": 6, "months": 8, "cost": 55000,
        "title": "Fibra che ascolta: sensing distribuito lungo i cavi posati",
        "abstract": "Usiamo la fibra posata come sensore distribuito (DAS/DTS) per rilevare "
                    "vibrazioni, variazioni di temperatura e perdite lungo la fognatura.",
        "approach": "Un interrogatore ottico in centrale legge fino a 40 km di fibra; gli "
                    "eventi vengono classificati e inviati ai gestori con la posizione.",
    },
    {
        "challenge": "fibra-nelle-fognature", "startup": "navigli-data",
        "status": "draft", "days": 4, "trl": 5,
        "title": "Gemello digitale della rete di sottoservizi",
        "abstract": "Un modello dati unico per fognatura, fibra e altri sottoservizi.",
        "approach": "Bozza: da completare con i costi del pilota.",
    },
    # -- district-heating-forecast (open) -----------------------------------------------
    {
        "challenge": "district-heating-forecast", "startup": "termoflux",
        "status": "submitted", "days": 5, "revisions": 2, "trl": 7, "months": 8,
        "cost": 72000, "attachment": True,
        "title": "Termoflux Forecast: substation-level demand forecasting",
        "abstract": "Gradient-boosted and physics-informed models forecast heat demand per "
                    "substation up to 72 hours ahead and recommend the supply temperature "
                    "that keeps the worst-served building comfortable.",
        "approach": "We train on three seasons of substation data and weather forecasts, "
                    "validate on the last season, then run in shadow mode for a month before "
                    "the operators apply our set points. Every recommendation comes with the "
                    "buildings that constrain it.",
    },
    {
        "challenge": "district-heating-forecast", "startup": "flexa-energia",
        "status": "submitted", "days": 14, "trl": 6, "months": 6, "cost": 50000,
        "title": "Flexa Balance: find and fix the substations that waste heat",
        "abstract": "We rank substations by excess return temperature and estimate the "
                    "savings of rebalancing each one.",
        "approach": "Unsupervised analysis of meter data spots faulty valves and poor "
                    "balancing; field technicians get a prioritised list with the expected "
                    "gain of each visit.",
    },
    {
        "challenge": "district-heating-forecast", "startup": "navigli-data",
        "status": "submitted", "days": 9, "trl": 5, "months": 6, "cost": 35000,
        "title": "Open heat map for a low-temperature network",
        "abstract": "A public data layer of heat demand and waste-heat sources to plan the "
                    "network's expansion and its move to lower temperatures.",
        "approach": "We combine the network's data with building registers and the City's "
                    "open data, published under an open licence.",
    },
    # -- condominium-deep-retrofit (open) -----------------------------------------------
    {
        "challenge": "condominium-deep-retrofit", "startup": "casa-zero",
        "status": "submitted", "days": 8, "trl": 7, "months": 12, "cost": 80000,
        "attachment": True,
        "title": "Casa Zero Façade: a deep retrofit in ten weeks",
        "abstract": "Prefabricated timber façade modules with insulation, mechanical "
                    "ventilation and PV, installed from the outside while residents stay "
                    "at home.",
        "approach": "A drone and laser survey feeds our configurator, which designs the "
                    "modules in two weeks; they are built in our plant near Lodi and "
                    "installed floor by floor. A heat pump with high-temperature output "
                    "keeps the existing radiators.",
    },
    {
        "challenge": "condominium-deep-retrofit", "startup": "ombra-verde",
        "status": "submitted", "days": 13, "trl": 6, "months": 10, "cost": 62000,
        "title": "Green envelopes: retrofits with green roofs and façades",
        "abstract": "We add green roofs and façades to insulation works, cutting summer "
                    "cooling demand and improving the courtyards' microclimate.",
        "approach": "Lightweight substrates and modular planters fit post-war roofs without "
                    "structural works; sensors measure the effect on indoor temperatures.",
    },
    {
        "challenge": "condominium-deep-retrofit", "startup": "seconda-vita",
        "status": "draft", "days": 3, "trl": 5,
        "title": "Reusing what the retrofit removes",
        "abstract": "Windows, radiators and stone sills removed during the works, catalogued "
                    "and resold through our marketplace.",
        "approach": "Draft.",
    },
    # -- forestami-monitoraggio-alberi (open, in Italian) -------------------------------
    {
        "challenge": "forestami-monitoraggio-alberi", "startup": "radici-digitali",
        "status": "submitted", "days": 6, "trl": 7, "months": 7, "cost": 48000,
        "attachment": True,
        "title": "Radici: un modello per ogni giovane albero",
        "abstract": "Immagini satellitari ogni cinque giorni, un rilievo LiDAR all'anno e "
                    "sensori di umidità a basso costo in un modello che stima lo stress "
                    "idrico di ogni albero.",
        "approach": "Le squadre ricevono ogni settimana la lista degli alberi da irrigare, "
                    "ordinata per urgenza e percorso. I benefici (CO₂, ombra) sono pubblicati "
                    "in un cruscotto aperto.",
    },
    {
        "challenge": "forestami-monitoraggio-alberi", "startup": "ombra-verde",
        "status": "submitted", "days": 16, "trl": 6, "months": 6, "cost": 35000,
        "title": "Mappa dell'ombra: i benefici di ForestaMi quartiere per quartiere",
        "abstract": "Misuriamo con sensori e immagini termiche l'effetto dei nuovi alberi "
                    "sulla temperatura percepita nei Municipi 4 e 5.",
        "approach": "Stazioni microclimatiche mobili e voli termici estivi, confrontati con "
                    "aree non piantumate.",
    },
    {
        "challenge": "forestami-monitoraggio-alberi", "startup": "permea",
        "status": "submitted", "days": 4, "trl": 6, "months": 7, "cost": 30000,
        "title": "Suolo e radici: l'umidità dei nuovi impianti",
        "abstract": "Sonde di umidità del suolo a lunga durata per decidere quando irrigare.",
        "approach": "Sonde LoRaWAN con batteria di cinque anni in 200 punti rappresentativi.",
    },
    # -- smart-lighting-sensor-network (open) -------------------------------------------
    {
        "challenge": "smart-lighting-sensor-network", "startup": "lumen-grid",
        "status": "submitted", "days": 5, "trl": 7, "months": 6, "cost": 49000,
        "attachment": True,
        "title": "Lumen Adaptive: presence-based dimming on existing poles",
        "abstract": "Our edge controller fits inside the existing luminaire head, dims the "
                    "light when streets are empty and hosts air-quality and noise sensors "
                    "connected over NB-IoT.",
        "approach": "Installation takes 15 minutes per pole without new cabling. Dimming "
                    "profiles follow UNI 11248 lighting classes; each controller meters its "
                    "own consumption, so savings are measured pole by pole. Data are "
                    "published through OGC SensorThings APIs.",
    },
    {
        "challenge": "smart-lighting-sensor-network", "startup": "onda5",
        "status": "draft", "days": 6, "trl": 6,
        "title": "5G small cells on lighting poles",
        "abstract": "Lighting poles as sites for 5G small cells and IoT gateways.",
        "approach": "Draft: waiting for TIM's requirements on power and backhaul.",
    },
    {
        "challenge": "smart-lighting-sensor-network", "startup": "vedetta-vision",
        "status": "submitted", "days": 12, "trl": 6, "months": 6, "cost": 42000,
        "title": "Privacy-safe presence sensing for adaptive lighting",
        "abstract": "Low-resolution thermal sensors detect pedestrians and cyclists to drive "
                    "dimming, with nothing that could identify a person.",
        "approach": "Our sensors process everything on board and send only counts; they plug "
                    "into the controllers already on the poles.",
    },
    # -- ai-traffic-cameras (open) ------------------------------------------------------
    {
        "challenge": "ai-traffic-cameras", "startup": "vedetta-vision",
        "status": "submitted", "days": 10, "revisions": 2, "trl": 7, "months": 6,
        "cost": 64000, "attachment": True,
        "title": "Vedetta Edge: anonymous multimodal counts and near-miss detection",
        "abstract": "An edge device next to each camera counts and tracks six classes of road "
                    "users day and night and detects near misses; only anonymous trajectories "
                    "leave the device.",
        "approach": "Our models are trained on 2 million annotated frames from Italian "
                    "cities. The device sends aggregated counts every minute to the signal "
                    "controllers and a daily near-miss report to the planners. We have a DPIA "
                    "template already reviewed by two municipalities.",
    },
    {
        "challenge": "ai-traffic-cameras", "startup": "passo-mobility",
        "status": "submitted", "days": 18, "trl": 6, "months": 6, "cost": 45000,
        "title": "Junction analytics for Piazzale Loreto's redesign",
        "abstract": "We turn anonymous counts into what-if scenarios for the new square: "
                    "pedestrian flows, bus reliability and waiting times.",
        "approach": "A simulation model calibrated on the counts of the cameras tests the "
                    "redesign's phases before works start.",
    },
    # -- ebus-depot-charging (open) -----------------------------------------------------
    {
        "challenge": "ebus-depot-charging", "startup": "edepot",
        "status": "submitted", "days": 7, "trl": 8, "months": 6, "cost": 69000,
        "attachment": True,
        "title": "eDepot Planner: charge scheduling for 24/7 bus operations",
        "abstract": "eDepot Planner reads the next day's duties and each bus's battery state "
                    "and plans every charge under the depot's power limit, with a live board "
                    "for depot staff.",
        "approach": "Running in 14 depots in France and Spain. We integrate chargers over OCPP "
                    "and duties from GTFS or the operator's own format; the optimiser "
                    "re-plans every five minutes when a bus returns late.",
    },
    {
        "challenge": "ebus-depot-charging", "startup": "voltaria",
        "status": "submitted", "days": 15, "trl": 7, "months": 6, "cost": 60000,
        "title": "Voltaria Depot: grid-aware charging that earns flexibility revenue",
        "abstract": "Charging plans that keep buses ready and sell the remaining flexibility "
                    "through Enel X's services.",
        "approach": "Our optimiser already runs for logistics fleets in Bergamo; for ATM we "
                    "add duty-based planning and battery pre-conditioning.",
    },
    {
        "challenge": "ebus-depot-charging", "startup": "binario-smart",
        "status": "draft", "days": 2, "trl": 5,
        "title": "Battery health analytics for e-buses",
        "abstract": "Predicting battery ageing from charging and duty data.",
        "approach": "Draft.",
    },
    # -- smart-waste-collection (open) --------------------------------------------------
    {
        "challenge": "smart-waste-collection", "startup": "binwise",
        "status": "submitted", "days": 8, "trl": 8, "months": 6, "cost": 39000,
        "title": "Binwise: fill-level sensors and dynamic routes",
        "abstract": "Ultrasonic sensors with a seven-year battery report fill levels over "
                    "NB-IoT; routes are recomputed every night for the next day's crews.",
        "approach": "Sensors fit in 10 minutes on existing bins; our routing engine works "
                    "with the crews' current vehicles and shifts.",
    },
    {
        "challenge": "smart-waste-collection", "startup": "seconda-vita",
        "status": "submitted", "days": 11, "trl": 6, "months": 6, "cost": 36000,
        "title": "Clean streams: measuring contamination of recycling",
        "abstract": "Cameras on collection trucks estimate contamination of paper and plastic "
                    "streams street by street, and feed a neighbourhood scoreboard.",
        "approach": "Images are processed on the truck and deleted; only the contamination "
                    "estimate and the street are stored.",
    },
    # -- metro-crowding-information (decided) -------------------------------------------
    {
        "challenge": "metro-crowding-information", "startup": "passo-mobility",
        "status": "submitted", "days": 4, "trl": 7, "months": 6, "cost": 58000,
        "title": "Passo Crowd: carriage-level occupancy from gates and Wi-Fi",
        "abstract": "We fuse ticket-gate entries, anonymous Wi-Fi counts and train weight "
                    "data to estimate and forecast occupancy per carriage.",
        "approach": "Forecasts for the next 60 minutes are published on platform displays and "
                    "in the ATM app, with an accessible colour scale.",
    },
    {
        "challenge": "metro-crowding-information", "startup": "vedetta-vision",
        "status": "submitted", "days": 10, "trl": 6, "months": 6, "cost": 55000,
        "title": "Platform cameras that count, not watch",
        "abstract": "Existing platform cameras count people along the platform, so trains can "
                    "be boarded more evenly.",
        "approach": "On-camera processing; counts only.",
    },
    {
        "challenge": "metro-crowding-information", "startup": "navigli-data",
        "status": "submitted", "days": 20, "trl": 5, "months": 6, "cost": 30000,
        "title": "Crowding forecasts from open and ticketing data",
        "abstract": "A forecasting model built on ticketing history, events and weather.",
        "approach": "Lightweight and cheap, no new sensors.",
    },
    # -- tram-switch-predictive-maintenance (decided) -----------------------------------
    {
        "challenge": "tram-switch-predictive-maintenance", "startup": "binario-smart",
        "status": "submitted", "days": 6, "trl": 7, "months": 8, "cost": 54000,
        "attachment": False,
        "title": "Binario Switch: current-signature analytics for point machines",
        "abstract": "Clamp-on current sensors on switch motors and a model of their "
                    "signatures predict failures days in advance.",
        "approach": "Installed on 300 switches of two Italian railway operators.",
    },
    {
        "challenge": "tram-switch-predictive-maintenance", "startup": "talpa-robotics",
        "status": "submitted", "days": 12, "trl": 5, "months": 8, "cost": 50000,
        "title": "Inspection robot for switch heaters and drainage",
        "abstract": "A small robot inspects the drainage and heaters of switches at night.",
        "approach": "Adapted from our pipe-inspection robot.",
    },
    {
        "challenge": "tram-switch-predictive-maintenance", "startup": "vedetta-vision",
        "status": "submitted", "days": 8, "trl": 6, "months": 8, "cost": 47000,
        "title": "Trackside cameras that spot worn switch blades",
        "abstract": "Cameras already watching tram crossings measure the gap and wear of "
                    "switch blades as trams pass, and flag the switches to inspect first.",
        "approach": "On-camera processing of the blade area only; no images of people leave "
                    "the camera. Tested on a depot switch in Milano Certosa.",
    },
    # -- v2g-bus-depots (in evaluation) -------------------------------------------------
    {
        "challenge": "v2g-bus-depots", "startup": "voltaria",
        "status": "submitted", "days": 5, "trl": 6, "months": 6, "cost": 59000,
        "title": "Voltaria V2G: bidding parked e-buses on the balancing market",
        "abstract": "We forecast which buses are parked and for how long, and bid their "
                    "flexibility on the ancillary-services market through Enel X.",
        "approach": "A safety margin per bus guarantees the next duty; battery cycling is "
                    "limited and monitored.",
    },
    {
        "challenge": "v2g-bus-depots", "startup": "edepot",
        "status": "submitted", "days": 9, "trl": 7, "months": 6, "cost": 52000,
        "title": "Availability forecasts for V2G from duty schedules",
        "abstract": "Our depot planner predicts the energy each parked bus can safely give "
                    "back to the grid.",
        "approach": "Built on eDepot Planner, already running in 14 depots.",
    },
    {
        "challenge": "v2g-bus-depots", "startup": "flexa-energia",
        "status": "submitted", "days": 14, "trl": 6, "months": 6, "cost": 48000,
        "title": "Flexa Aggregator for depot batteries",
        "abstract": "Aggregating depots with condominium heat pumps for a larger, steadier "
                    "flexibility offer.",
        "approach": "Our aggregator already runs for 30 condominiums in Torino.",
    },
]
