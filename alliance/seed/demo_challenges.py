"""Demo data: the calls and challenges, drawn from Milan's smart-city programme
(Climate City Contract, CyberSecureCity, fibre in the sewers, ForestaMi...).

Dates are offsets in days from the day the seed runs: ``opens``/``deadline``
are turned into Europe/Rome noon on that day (see ``demo.py``). Weights of a
challenge's criteria sum to 100.
"""
from __future__ import annotations

CALLS = [
    {
        "slug": "cybersecurecity-2026",
        "title": "CyberSecureCity 2026",
        "opens": -30, "closes": 42, "results": 90,
        "description": (
            "CyberSecureCity is the first initiative of the Milano Smart City Alliance. "
            "Promoted by Assolombarda, it builds on the experience of the "
            "Cybersecurityalliance platform, where companies and the Polizia Postale share "
            "technical information on attacks and security updates.\n\n"
            "This call asks start-ups for solutions that protect the city's connected "
            "infrastructure and raise the security culture of public employees, schools, "
            "small businesses and citizens."
        ),
    },
    {
        "slug": "milano-net-zero-2030",
        "title": "Milano Net Zero 2030",
        "opens": -21, "closes": 90, "results": 150,
        "description": (
            "With the Climate City Contract the Comune di Milano committed to climate "
            "neutrality by 2030: 157 actions, 51 led by the City and 106 by public and private "
            "stakeholders, about 6 billion euro of investment.\n\n"
            "The partners of the Alliance open this call to start-ups whose technology can "
            "speed up those actions: energy networks, building retrofits, electric public "
            "transport, urban forestry, depaving and a city-wide data infrastructure."
        ),
    },
    {
        "slug": "smart-mobility-2025",
        "title": "Smart Mobility Milano 2025",
        "opens": -270, "closes": -90, "results": -20,
        "description": (
            "The Alliance's 2025 call on mobility: public transport, electric fleets and "
            "the infrastructure behind them. Submissions are closed; some challenges are "
            "still in evaluation and others have been decided."
        ),
    },
]

# Terms of participation, one version per challenge (two for one of them).
TERMS_EN = """\
**Terms of participation — version {version}**

1. **Intellectual property.** The start-up keeps every right to its background and to the
   results it develops during the pilot (d.lgs. 30/2005, Codice della proprietà industriale).
   {partner} receives a free, non-exclusive licence to use the results within the pilot only.
   Any further use needs a separate written agreement.
2. **Confidentiality.** Proposals are read only by the Alliance's staff, the evaluation
   committee and, after the deadline, the sponsoring partners, all bound to confidentiality
   for three years. Information already public or independently developed is excluded.
3. **Personal data.** Data are processed under Regulation (EU) 2016/679 and d.lgs. 196/2003
   for the sole purpose of running the challenge.
4. **No obligation.** Publishing the challenge does not oblige the partners to award a
   pilot. Italian law applies; the Court of Milan (Foro di Milano) has exclusive jurisdiction.
"""

TERMS_EN_V2_NOTE = """
5. **Data retention (added in version 2).** Network captures produced in the pilot stay on
   the pilot segment and are deleted within 30 days of its end.
"""

TERMS_IT = """\
**Condizioni di partecipazione — versione {version}**

1. **Proprietà intellettuale.** La start-up resta titolare dei diritti sulle proprie
   conoscenze pregresse e sui risultati sviluppati durante il pilota (d.lgs. 30/2005, Codice
   della proprietà industriale). {partner} riceve una licenza gratuita e non esclusiva
   limitata allo svolgimento del pilota; ogni altro uso richiede un accordo scritto.
2. **Riservatezza.** Le proposte sono lette solo dallo staff dell'Alliance, dalla
   commissione di valutazione e, dopo la scadenza, dai partner promotori, tenuti alla
   riservatezza per tre anni.
3. **Dati personali.** Trattati ai sensi del Regolamento (UE) 2016/679 e del d.lgs.
   196/2003 al solo fine della gestione della challenge.
4. **Nessun obbligo.** La pubblicazione non obbliga i partner ad assegnare il pilota. Legge
   italiana; foro esclusivo di Milano.
"""

ELIGIBILITY_EN = (
    "- Start-ups and innovative SMEs (d.l. 179/2012) or equivalent companies registered "
    "in the European Union\n"
    "- {extra}\n"
    "- One proposal per start-up for this challenge; consortia of up to two start-ups "
    "apply through one lead"
)

ELIGIBILITY_IT = (
    "- Start-up e PMI innovative (d.l. 179/2012) o imprese equivalenti registrate "
    "nell'Unione europea\n"
    "- {extra}\n"
    "- Una proposta per start-up; i consorzi (massimo due start-up) partecipano tramite "
    "una capofila"
)

CHALLENGES = [
    # -- CyberSecureCity 2026 ----------------------------------------------------------
    {
        "slug": "cyber-resilient-iot-networks",
        "call": "cybersecurecity-2026", "lead": "cisco", "cosponsors": ["tim"],
        "theme": "cyber-security", "status": "published", "opens": -30, "deadline": 42,
        "pilot_slots": 2, "lang": "en", "terms_versions": 2,
        "title": "Cyber-resilient IoT networks for city infrastructure",
        "summary": (
            "Detect and contain attacks on the sensors, gateways and controllers that run "
            "Milan's lighting, traffic and water networks, without installing anything on "
            "devices that cannot be patched."
        ),
        "description": """\
## Context

Milan's infrastructure depends on tens of thousands of connected devices: traffic-light
controllers, air-quality sensors, smart meters, lighting nodes and the gateways that link
them. Many run firmware that is years old, cannot be patched in the field and is managed by
different operators.

Within **CyberSecureCity**, Cisco and TIM look for ways to protect this fleet at network
level.

## The challenge

We look for solutions that:

- keep a passive, always up-to-date inventory of the devices on a network segment;
- learn the normal behaviour of each device type and flag anomalies (new destinations,
  protocol misuse, lateral movement);
- isolate a compromised device through network segmentation, with a human in the loop;
- report to an existing SOC in standard formats (syslog, STIX 2.1).

## Pilot environment

A test segment of about **1,500 devices** in the Bicocca district, mirrored from production
traffic. No payload data leaves the segment.

### Out of scope

Agents installed on the devices, and processing of raw packet captures outside the EU.
""",
        "expected_outcomes": (
            "- A working detection and containment loop on the pilot segment\n"
            "- Mean time to detect under 15 minutes for the scenarios of the test plan\n"
            "- Fewer than 5 false alerts per 1,000 devices per day\n"
            "- A deployment guide other municipal networks can follow"
        ),
        "rewards": (
            "- A 6-month pilot on the partners' test segment, up to **€60,000** of budget\n"
            "- Mentoring by Cisco's and TIM's security teams\n"
            "- A slot at the CyberSecureCity annual event"
        ),
        "eligibility_extra": "A working product demo (TRL 5 or above)",
        "scale": 10,
        "criteria": [
            ("Technical soundness", 35, "Detection approach, evidence from previous deployments."),
            ("Fit with the pilot environment", 25, "Passive, agentless, on mirrored traffic."),
            ("Privacy and compliance", 20, "GDPR, NIS2 readiness, data kept in the EU."),
            ("Team and delivery", 20, "Can the team run a 6-month pilot?"),
        ],
    },
    {
        "slug": "cybersecurecity-academy",
        "call": "cybersecurecity-2026", "lead": "accenture", "cosponsors": ["ibm"],
        "theme": "cyber-security", "status": "published", "opens": -30, "deadline": 42,
        "pilot_slots": 1, "lang": "en",
        "title": "CyberSecureCity Academy: security training that changes habits",
        "summary": (
            "Training for public employees, schools and small businesses that measurably "
            "reduces clicks on phishing and weak passwords, in Italian and at scale."
        ),
        "description": """\
## Why

Most incidents that hit the Comune's offices, schools and the small businesses of the
metropolitan area start with a person: a phishing e-mail, a reused password, a USB stick.
CyberSecureCity wants to spread a **culture of security**, not another slide deck.

## What we look for

A training programme, delivered through a platform, that:

- adapts to the audience (municipal employees, teachers and pupils aged 11–18, shop owners);
- uses short, practical modules in Italian, accessible (WCAG 2.1 AA) and usable on a phone;
- runs realistic, ethical phishing simulations and measures behaviour over time;
- gives managers aggregated, anonymous dashboards.

## The pilot

Three audiences over 5 months: 400 employees of two Municipi, four secondary schools in
Municipio 9 and 100 members of Assolombarda's small-business network.
""",
        "expected_outcomes": (
            "- Phishing click rate down by at least 40% between the first and last simulation\n"
            "- At least 70% of enrolled learners completing the core path\n"
            "- Material the City can reuse after the pilot"
        ),
        "rewards": (
            "- A paid pilot worth **€40,000**\n"
            "- Go-to-market support from Accenture and IBM\n"
            "- Introduction to the Cybersecurityalliance network of Assolombarda"
        ),
        "eligibility_extra": "Content available in Italian at the start of the pilot",
        "scale": 5,
        "criteria": [
            ("Pedagogical quality", 30, "Evidence that the method changes behaviour."),
            ("Measurable impact", 30, "How results are measured and reported."),
            ("Accessibility and inclusion", 20, "Languages, disabilities, devices."),
            ("Cost per learner", 20, "Sustainable after the pilot."),
        ],
    },
    {
        "slug": "threat-intelligence-sharing",
        "call": "cybersecurecity-2026", "lead": "ibm", "cosponsors": [],
        "theme": "cyber-security", "status": "published", "opens": -30, "deadline": 42,
        "pilot_slots": 1, "lang": "en",
        "title": "Threat intelligence that small organisations can actually use",
        "summary": (
            "Turn the alerts shared between companies and the Polizia Postale into concrete, "
            "prioritised actions for organisations without a security team."
        ),
        "description": """\
## Context

Through the **Cybersecurityalliance** platform, Assolombarda and the Polizia Postale share
technical information on attacks and security updates. Large companies act on it; a
20-person firm or a school usually cannot: the indicators arrive as raw lists, in English,
without context.

## The challenge

Build the missing step between a shared indicator and a decision:

- ingest feeds in STIX/TAXII and e-mail bulletins;
- match them against what an organisation declares or exposes (domains, software, suppliers);
- explain in plain Italian what to do, by when and why;
- close the loop: organisations report what they did, anonymously.

## Constraints

The service must run on IBM Cloud in an EU region or on premises, and must not require the
organisations to install sensors.
""",
        "expected_outcomes": (
            "- 200 organisations onboarded during the pilot\n"
            "- Median time from a bulletin to a recommended action under 4 hours\n"
            "- An evaluation of usefulness by the participating organisations"
        ),
        "rewards": (
            "- A 6-month pilot with **€50,000** and IBM Cloud credits\n"
            "- Access to IBM's security research team in Rome\n"
            "- Mentoring on the public-sector market"
        ),
        "eligibility_extra": "Experience with STIX/TAXII or comparable threat-intelligence formats",
        "scale": 5,
        "criteria": [
            ("Relevance of recommendations", 40, "Right action, right organisation."),
            ("Ease of use for non-experts", 25, "Plain language, minimal onboarding."),
            ("Technical architecture", 20, "Standards, security of the service itself."),
            ("Scalability", 15, "From 200 to 20,000 organisations."),
        ],
    },
    {
        "slug": "secure-ev-charging",
        "call": "cybersecurecity-2026", "lead": "enel-x", "cosponsors": ["cisco"],
        "theme": "cyber-security", "status": "closed", "opens": -30, "deadline": -6,
        "pilot_slots": 1, "lang": "en",
        "title": "Securing public EV charging points",
        "summary": (
            "Protect Milan's public charging network from tampering, fraud and remote attacks "
            "on the charge-point management protocol."
        ),
        "description": """\
## Context

Enel X operates thousands of public charging points in Milan. Each one is a computer on the
street, connected to a back end through OCPP, handling payments and talking to the vehicle.
A compromised charger can steal credentials, disrupt charging or, at scale, destabilise the
grid.

## The challenge (fast-track round)

This fast-track round of CyberSecureCity looked for:

- detection of anomalous OCPP traffic and firmware tampering;
- secure onboarding and certificate management for chargers (OCPP 2.0.1 security profiles);
- physical tamper detection that works on existing hardware;
- incident playbooks shared with the network operations centre.

## Status

Submissions are closed. The committee is reviewing the proposals.
""",
        "expected_outcomes": (
            "- A tested detection pipeline on 50 chargers in the Porta Romana area\n"
            "- Certificate rotation for the pilot fleet without field visits\n"
            "- Playbooks validated in a joint exercise"
        ),
        "rewards": (
            "- A 4-month pilot with **€45,000**\n"
            "- Joint go-to-market with Enel X for charging operators in Europe"
        ),
        "eligibility_extra": "Knowledge of OCPP 1.6 and 2.0.1",
        "scale": 10,
        "criteria": [
            ("Security effectiveness", 40, "Threats covered, depth of detection."),
            ("Compatibility with the installed base", 30, "Works on today's chargers."),
            ("Operational effort", 15, "Effort for the operations centre."),
            ("Team", 15, "Security and energy-sector skills."),
        ],
    },
    {
        "slug": "post-quantum-city-archives",
        "call": "cybersecurecity-2026", "lead": "ibm", "cosponsors": [],
        "theme": "cyber-security", "status": "draft", "opens": 7, "deadline": 42,
        "pilot_slots": 1, "lang": "en",
        "title": "Post-quantum cryptography for the city's long-lived archives",
        "summary": (
            "Inventory and migrate the cryptography that protects records the City must keep "
            "for decades, before quantum computers can break it."
        ),
        "description": """\
## Draft

Records such as building permits and land registers are kept for decades. Data encrypted
today with RSA or elliptic curves could be harvested now and decrypted later.

## Ideas for the brief

- automatic inventory of cryptographic assets (certificates, libraries, protocols);
- migration plans towards the NIST post-quantum standards (ML-KEM, ML-DSA);
- crypto-agility in document management systems.

*To be completed before sending for approval: pilot scope and budget.*
""",
        "expected_outcomes": "- A cryptographic inventory of one archive\n- A migration plan",
        "rewards": "- Pilot budget to be defined",
        "eligibility_extra": "Experience with post-quantum algorithms",
        "scale": 5,
        "criteria": [
            ("Technical depth", 50, ""),
            ("Feasibility", 30, ""),
            ("Team", 20, ""),
        ],
    },
    # -- Milano Net Zero 2030 ----------------------------------------------------------
    {
        "slug": "fibra-nelle-fognature",
        "call": "milano-net-zero-2030", "lead": "tim", "cosponsors": ["a2a-smart-city"],
        "theme": "connectivity", "status": "published", "opens": -21, "deadline": 60,
        "pilot_slots": 2, "lang": "it",
        "title": "Fibra ottica nelle fognature: posa e manutenzione senza scavi",
        "summary": (
            "Portare la banda ultra larga nei comuni dell'hinterland usando i condotti "
            "fognari: robot di ispezione, mappatura digitale e manutenzione predittiva."
        ),
        "description": """\
## Contesto

La Città Metropolitana di Milano e il Gruppo CAP hanno avviato un piano per distribuire la
**fibra ottica attraverso la rete fognaria**: niente scavi, costi più bassi e tempi più
rapidi, anche nei piccoli comuni dell'hinterland. TIM e A2A Smart City vogliono rendere
questo modello replicabile.

## La sfida

Cerchiamo soluzioni per:

- ispezionare i condotti prima della posa con robot o sensori e classificarne lo stato;
- costruire un **gemello digitale** della rete che unisca fognatura e cavi posati;
- monitorare la fibra in esercizio (fibra come sensore: temperatura, vibrazioni, perdite);
- pianificare gli interventi senza interrompere il servizio idrico.

## Il pilota

Un tratto di circa 8 km tra Rozzano e Assago, con i dati di ispezione esistenti messi a
disposizione dai partner.

### Requisiti

- sicurezza degli operatori in ambienti confinati (d.lgs. 81/2008);
- dati interoperabili con i sistemi GIS dei gestori.
""",
        "expected_outcomes": (
            "- Mappatura completa del tratto pilota con classificazione dei difetti\n"
            "- Riduzione del 30% dei tempi di progettazione della posa\n"
            "- Un modello di costo per la replica in altri 20 comuni"
        ),
        "rewards": (
            "- Pilota di 8 mesi con un budget fino a **70.000 €**\n"
            "- Accesso ai laboratori TIM e ai dati di rete di A2A Smart City\n"
            "- Mentoring tecnico e commerciale"
        ),
        "eligibility_extra": "Esperienza in robotica, sensoristica o GIS per reti di sottoservizi",
        "scale": 10,
        "criteria": [
            ("Qualità tecnica", 35, "Affidabilità di ispezione e mappatura."),
            ("Riduzione di costi e tempi", 25, "Stima documentata dei risparmi."),
            ("Sicurezza e impatto sul servizio", 20, "Nessuna interruzione del servizio idrico."),
            ("Replicabilità", 20, "Costi e processi per altri comuni."),
        ],
    },
    {
        "slug": "district-heating-forecast",
        "call": "milano-net-zero-2030", "lead": "a2a-smart-city", "cosponsors": ["siemens"],
        "theme": "energy", "status": "published", "opens": -21, "deadline": 75,
        "pilot_slots": 1, "lang": "en",
        "title": "Forecasting demand on Milan's district heating network",
        "summary": (
            "Predict heat demand building by building so the teleriscaldamento network can "
            "run at lower temperatures, burn less gas and take in more waste heat."
        ),
        "description": """\
## Context

Milan's district heating network (*teleriscaldamento*) serves more than 250,000 flat
equivalents. Lowering supply temperatures and absorbing waste heat from data centres and
heat pumps are among the Climate City Contract's actions, but both need a much better view
of **when and where heat is needed**.

## The challenge

We look for forecasting and control tools that:

- forecast demand per substation 24–72 hours ahead from meter data, weather and occupancy;
- recommend supply-temperature set points that keep every building comfortable;
- flag substations whose return temperature is too high (a sign of poor balancing);
- explain their recommendations to the control-room operators.

## Data available

Hourly data from 1,200 substations over three heating seasons, weather history and the
network's topology, shared under a data agreement.
""",
        "expected_outcomes": (
            "- Day-ahead forecast error (MAPE) under 8% at substation level\n"
            "- A 3–5 °C reduction of supply temperature on the pilot branch\n"
            "- A list of substations to rebalance, ranked by savings"
        ),
        "rewards": (
            "- A pilot on one branch of the network (about 150 substations), **€75,000**\n"
            "- Joint work with Siemens' building-automation team\n"
            "- Path to a framework contract if the targets are met"
        ),
        "eligibility_extra": "Proven experience with energy time series or building data",
        "scale": 10,
        "criteria": [
            ("Forecast accuracy", 30, "Validated on historical data."),
            ("Energy and CO₂ savings", 30, "Credible estimate for the pilot branch."),
            ("Explainability for operators", 20, "Operators understand and trust it."),
            ("Integration effort", 20, "Fits the existing SCADA."),
        ],
    },
    {
        "slug": "condominium-deep-retrofit",
        "call": "milano-net-zero-2030", "lead": "coima", "cosponsors": ["siemens"],
        "theme": "buildings", "status": "published", "opens": -21, "deadline": 80,
        "pilot_slots": 2, "lang": "en",
        "title": "Deep retrofit of 1960s condominiums, with residents at home",
        "summary": (
            "Industrialised, fast retrofits that cut the energy use of Milan's post-war "
            "apartment blocks by more than half while people keep living in them."
        ),
        "description": """\
## Context

Buildings produce about half of Milan's emissions. Most of the city's housing stock was
built between 1950 and 1980 and is heated by old boilers behind uninsulated walls. The
Climate City Contract calls for retrofits at a pace never seen before.

## The challenge

Coima and Siemens look for solutions that make a **deep retrofit** fast, predictable and
acceptable to a condominium assembly:

- prefabricated façade and roof modules with integrated insulation, ventilation and PV;
- 3D surveys and digital twins that cut design time;
- heat-pump systems that work with existing radiators;
- financing and decision tools for the *assemblea condominiale*.

## Pilot sites

Two blocks in the Niguarda and Lorenteggio neighbourhoods (about 90 flats in total).
""",
        "expected_outcomes": (
            "- Primary energy demand reduced by at least 60%\n"
            "- On-site works under 12 weeks per building\n"
            "- Resident satisfaction measured before and after"
        ),
        "rewards": (
            "- Co-design with Coima's development team and **€80,000** for the pilot\n"
            "- Building automation from Siemens for the pilot blocks\n"
            "- Visibility at the Milano Net Zero 2030 showcase"
        ),
        "eligibility_extra": "At least one completed building project or a certified prototype",
        "scale": 5,
        "criteria": [
            ("Energy performance", 30, ""),
            ("Speed and disruption on site", 25, ""),
            ("Cost and financing model", 25, ""),
            ("Acceptance by residents", 20, ""),
        ],
    },
    {
        "slug": "forestami-monitoraggio-alberi",
        "call": "milano-net-zero-2030", "lead": "accenture", "cosponsors": ["coima"],
        "theme": "green-infrastructure", "status": "published", "opens": -21, "deadline": 85,
        "pilot_slots": 1, "lang": "it",
        "title": "ForestaMi: sapere come sta ogni albero piantato",
        "summary": (
            "Monitorare la salute, la crescita e i benefici dei nuovi alberi della città "
            "metropolitana, dal Parco della Vettabbia ai cortili delle scuole."
        ),
        "description": """\
## Contesto

Con **ForestaMi** la città metropolitana punta a piantare 3 milioni di alberi entro il 2030.
Piantare non basta: nei primi anni una parte dei giovani alberi non sopravvive, soprattutto
durante le estati più calde. Oggi i controlli sono manuali e a campione.

## La sfida

Cerchiamo strumenti per:

- censire i nuovi impianti (da immagini satellitari, droni, LiDAR o rilievi a terra);
- stimare salute, stress idrico e crescita di ogni albero o filare;
- segnalare in tempo dove irrigare o sostituire, con priorità chiare per le squadre;
- calcolare i benefici: CO₂ assorbita, ombra, riduzione dell'isola di calore.

## Il pilota

Il Parco della Vettabbia e 20 aree di nuova piantumazione nei Municipi 4 e 5.

## Dati

Gli inventari esistenti, le ortofoto del Comune e i dati meteo di ARPA Lombardia.
""",
        "expected_outcomes": (
            "- Stato di salute aggiornato almeno ogni due settimane per gli alberi del pilota\n"
            "- Mortalità dei nuovi impianti ridotta rispetto all'anno precedente\n"
            "- Un cruscotto pubblico dei benefici di ForestaMi"
        ),
        "rewards": (
            "- Pilota di una stagione vegetativa con **50.000 €**\n"
            "- Integrazione nella piattaforma dati di Accenture per la città\n"
            "- Mentoring di Coima sulla gestione del verde nei progetti urbani"
        ),
        "eligibility_extra": "Competenze in telerilevamento, agronomia o analisi di immagini",
        "scale": 5,
        "criteria": [
            ("Accuratezza del monitoraggio", 35, ""),
            ("Utilità per le squadre del verde", 25, ""),
            ("Costo per albero monitorato", 20, ""),
            ("Trasparenza dei dati", 20, ""),
        ],
    },
    {
        "slug": "depavimentazione-cortili-scolastici",
        "call": "milano-net-zero-2030", "lead": "coima", "cosponsors": [],
        "theme": "urban-regeneration", "status": "submitted", "opens": 5, "deadline": 90,
        "pilot_slots": 3, "lang": "it",
        "title": "Depavimentare cortili e parcheggi: dall'asfalto al suolo vivo",
        "summary": (
            "Trasformare superfici asfaltate in suolo permeabile e verde, sul modello "
            "dell'ombrello verde di Monza: progettazione rapida, materiali e misura dei risultati."
        ),
        "description": """\
## Contesto

Il Climate City Contract prevede interventi di **depavimentazione**: togliere asfalto e
cemento dove non servono, restituire suolo permeabile, ridurre allagamenti e isole di
calore. I cortili scolastici e i parcheggi sono i primi candidati.

## La sfida

Cerchiamo soluzioni per:

- individuare e classificare le superfici da depavimentare (mappe di calore, drenaggio);
- progettare in poche settimane, con la partecipazione di scuole e residenti;
- usare materiali drenanti e di recupero, riducendo i rifiuti da demolizione;
- misurare dopo l'intervento temperatura, acqua trattenuta e uso degli spazi.

## Il pilota

Tre cortili scolastici e un parcheggio nel quartiere Corvetto.
""",
        "expected_outcomes": (
            "- Almeno 5.000 m² depavimentati nel pilota\n"
            "- Temperatura superficiale estiva ridotta di almeno 10 °C\n"
            "- Un manuale di intervento per altri cortili della città"
        ),
        "rewards": (
            "- Fino a tre piloti, **30.000 €** ciascuno\n"
            "- Affiancamento del team di rigenerazione urbana di Coima"
        ),
        "eligibility_extra": "Almeno un progetto di paesaggio o drenaggio urbano realizzato",
        "scale": 10,
        "criteria": [
            ("Impatto climatico e idraulico", 35, ""),
            ("Partecipazione delle comunità", 25, ""),
            ("Circolarità dei materiali", 20, ""),
            ("Costi e tempi", 20, ""),
        ],
    },
    {
        "slug": "smart-lighting-sensor-network",
        "call": "milano-net-zero-2030", "lead": "enel-x", "cosponsors": ["tim"],
        "theme": "energy", "status": "published", "opens": -21, "deadline": 55,
        "pilot_slots": 2, "lang": "en",
        "title": "Street lights that save energy and sense the city",
        "summary": (
            "Use Milan's LED street-lighting network as a platform: adaptive dimming, "
            "environmental sensing and services for citizens on existing poles."
        ),
        "description": """\
## Context

Milan replaced its street lights with LEDs years ago. The next step is **adaptive
lighting**: light where and when people need it, and poles that carry sensors for air
quality, noise, parking and flooding, connected through TIM's 5G and NB-IoT networks.

## The challenge

We look for solutions that:

- dim lights according to real presence and weather, within the UNI 11248 safety rules;
- add sensing nodes to existing poles without new cabling;
- publish the data through open interfaces for the city's data platform;
- prove the energy saved, pole by pole.

## Pilot area

About 600 light points in Città Studi, including streets around schools and the
university campus.
""",
        "expected_outcomes": (
            "- At least 30% electricity saving on the pilot area against today's profile\n"
            "- Two environmental data services published as open data\n"
            "- No decrease in perceived safety (survey before and after)"
        ),
        "rewards": (
            "- Up to two 6-month pilots with **€50,000** each\n"
            "- Connectivity from TIM for the duration of the pilot\n"
            "- Commercial partnership with Enel X for the best solution"
        ),
        "eligibility_extra": "Hardware certified for outdoor use (CE, IP66), or a partner with it",
        "scale": 10,
        "criteria": [
            ("Energy saving", 30, "Measured, not estimated."),
            ("Quality of the sensing services", 25, ""),
            ("Installation on existing poles", 25, "No new cabling, fast install."),
            ("Open interfaces", 20, "Standard APIs and data formats."),
        ],
    },
    {
        "slug": "ai-traffic-cameras",
        "call": "milano-net-zero-2030", "lead": "siemens", "cosponsors": ["cisco"],
        "theme": "mobility", "status": "published", "opens": -21, "deadline": 70,
        "pilot_slots": 1, "lang": "en",
        "title": "AI on traffic cameras: safer junctions, privacy by design",
        "summary": (
            "Count and classify pedestrians, cyclists and vehicles at busy junctions such as "
            "Piazzale Loreto to adapt signals and redesign streets, without identifying anyone."
        ),
        "description": """\
## Context

Milan has installed smart cameras to monitor urban mobility, and the redesign of
**Piazzale Loreto** will turn one of its busiest junctions into a public square. Planners
need reliable counts of every kind of user; citizens need to know they are not being watched.

## The challenge

We look for computer-vision solutions that:

- run on the edge, next to the camera, and send only anonymous counts and trajectories;
- distinguish pedestrians, bicycles, scooters, cars, buses and trucks, day and night;
- detect near misses and dangerous manoeuvres to prioritise safety works;
- feed adaptive signal control (Siemens' traffic controllers) in real time.

## Privacy by design

No image leaves the device; the solution must pass a data protection impact assessment
(art. 35 GDPR) before the pilot starts.
""",
        "expected_outcomes": (
            "- Counting accuracy above 95% for all classes on the validation set\n"
            "- Near-miss reports for 10 junctions\n"
            "- A signed DPIA and an open methodology"
        ),
        "rewards": (
            "- A 6-month pilot on 10 junctions, **€65,000**\n"
            "- Edge hardware and networking from Siemens and Cisco\n"
            "- Data for the Piazzale Loreto redesign"
        ),
        "eligibility_extra": "A computer-vision model already tested on real traffic footage",
        "scale": 10,
        "criteria": [
            ("Detection accuracy", 30, ""),
            ("Privacy by design", 30, "Nothing identifiable leaves the edge device."),
            ("Value for safety and planning", 25, ""),
            ("Integration with signal control", 15, ""),
        ],
    },
    {
        "slug": "ebus-depot-charging",
        "call": "milano-net-zero-2030", "lead": "atm", "cosponsors": ["enel-x"],
        "theme": "mobility", "status": "published", "opens": -21, "deadline": 65,
        "pilot_slots": 1, "lang": "en",
        "title": "Charging an all-electric bus fleet overnight, within the grid's limits",
        "summary": (
            "Schedule the charging of hundreds of ATM e-buses in the depots so every bus is "
            "ready for its morning block, at the lowest cost and without overloading the grid."
        ),
        "description": """\
## Context

ATM is converting its bus fleet to electric as part of the **Full Electric** plan: more
than 1,000 e-buses and new depots such as San Donato and Giambellino. Each depot charges
hundreds of buses overnight against a limited grid connection.

## The challenge

We look for software that:

- plans each bus's charge from the next day's duty schedule and battery state;
- keeps the depot under its contracted power and reacts to grid signals;
- accounts for battery ageing and for pre-conditioning in winter;
- tells depot staff, in one screen, which bus is ready and which is not.

## Data and interfaces

Duty schedules (GTFS and internal formats), charger data over OCPP and battery telemetry
from two bus makers.
""",
        "expected_outcomes": (
            "- 100% of buses ready for their first trip during the pilot\n"
            "- Peak power at the depot reduced by at least 20%\n"
            "- Energy cost per km measured against the current strategy"
        ),
        "rewards": (
            "- A pilot at one depot for 6 months, **€70,000**\n"
            "- Access to Enel X's flexibility services\n"
            "- ATM as a reference customer"
        ),
        "eligibility_extra": "Experience with OCPP and fleet or depot software",
        "scale": 5,
        "criteria": [
            ("Operational reliability", 35, ""),
            ("Cost and peak reduction", 30, ""),
            ("Usability for depot staff", 20, ""),
            ("Scalability to all depots", 15, ""),
        ],
    },
    {
        "slug": "smart-waste-collection",
        "call": "milano-net-zero-2030", "lead": "a2a-smart-city", "cosponsors": [],
        "theme": "circular-economy", "status": "published", "opens": -21, "deadline": 50,
        "pilot_slots": 1, "lang": "en",
        "title": "From street bins to data: smarter waste collection",
        "summary": (
            "Sensors and route optimisation that empty bins when they are full, cut "
            "kilometres driven and raise the quality of separate collection."
        ),
        "description": """\
## Context

Milan separates more than 60% of its household waste, one of the best results among
Europe's large cities. The remaining gains are in the streets: public bins that overflow
in some places and are emptied half-empty in others, and contaminated recycling streams.

## The challenge

We look for solutions that:

- measure fill level and contamination in public and shared bins;
- plan collection routes dynamically for the collection crews;
- give citizens feedback on separate collection, neighbourhood by neighbourhood;
- work on battery for years and over public IoT networks.

## Pilot

500 bins in the Navigli and Isola neighbourhoods, including nightlife areas.
""",
        "expected_outcomes": (
            "- Kilometres driven for bin collection down by 20% in the pilot area\n"
            "- Overflowing bins reported by citizens halved\n"
            "- Contamination of the paper stream measured every week"
        ),
        "rewards": (
            "- A 6-month pilot with **€40,000**\n"
            "- IoT connectivity and platform from A2A Smart City"
        ),
        "eligibility_extra": "A sensor or software product already deployed outdoors",
        "scale": 5,
        "criteria": [
            ("Reduction of kilometres and emissions", 35, ""),
            ("Sensor reliability", 25, ""),
            ("Citizen engagement", 20, ""),
            ("Total cost of ownership", 20, ""),
        ],
    },
    {
        "slug": "condominium-demand-response",
        "call": "milano-net-zero-2030", "lead": "enel-x", "cosponsors": [],
        "theme": "energy", "status": "draft", "opens": 14, "deadline": 90,
        "pilot_slots": 2, "lang": "en",
        "title": "Flexible condominiums: heat pumps that help the grid",
        "summary": (
            "Aggregate the heat pumps, batteries and EV chargers of Milan's condominiums to "
            "offer flexibility to the grid and share the savings with residents."
        ),
        "description": """\
## Context

Thousands of condominiums are replacing gas boilers with heat pumps, often together with
solar panels and energy communities (*comunità energetiche rinnovabili*). Together they
could shift demand away from the evening peak.

## The challenge (draft)

- control heat pumps and storage without affecting comfort;
- aggregate condominiums for the flexibility markets;
- explain to residents what they earned and why.

*Draft: pilot sites and budget still to be confirmed with the energy team.*
""",
        "expected_outcomes": "- Flexibility offered by at least 20 condominiums",
        "rewards": "- Two pilots, budget to be confirmed",
        "eligibility_extra": "Experience with building energy management systems",
        "scale": 5,
        "criteria": [
            ("Flexibility delivered", 40, ""),
            ("Comfort for residents", 30, ""),
            ("Business model", 30, ""),
        ],
    },
    # -- Smart Mobility Milano 2025 (past) ---------------------------------------------
    {
        "slug": "metro-crowding-information",
        "call": "smart-mobility-2025", "lead": "atm", "cosponsors": ["accenture"],
        "theme": "mobility", "status": "decided", "opens": -270, "deadline": -90,
        "pilot_slots": 2, "lang": "en",
        "title": "Real-time crowding information on metro line M1",
        "summary": (
            "Tell passengers how crowded the next trains and each carriage are, so they can "
            "spread out along platforms and across departure times."
        ),
        "description": """\
## Context

Line M1 carries hundreds of thousands of passengers a day. At peak hours some carriages
are packed while others have room, and passengers cannot know it in advance.

## The challenge

- estimate carriage-level occupancy from existing data (ticket gates, weight sensors,
  Wi-Fi counts, cameras);
- forecast crowding for the next 30–60 minutes;
- show it on platform displays and in the ATM app, accessibly.

## Result

The challenge has been decided; the pilot runs on the Sesto–Duomo section.
""",
        "expected_outcomes": (
            "- Occupancy estimates with an error under 15% per carriage\n"
            "- Crowding shown on 10 stations and in the app"
        ),
        "rewards": "- A 6-month pilot with **€60,000** and ATM as a reference customer",
        "eligibility_extra": "Experience with transport or people-counting data",
        "scale": 5,
        "criteria": [
            ("Accuracy", 35, ""),
            ("Passenger experience", 30, ""),
            ("Integration with ATM systems", 20, ""),
            ("Cost", 15, ""),
        ],
    },
    {
        "slug": "tram-switch-predictive-maintenance",
        "call": "smart-mobility-2025", "lead": "siemens", "cosponsors": ["atm"],
        "theme": "mobility", "status": "decided", "opens": -270, "deadline": -90,
        "pilot_slots": 1, "lang": "en",
        "title": "Predictive maintenance for tram switches",
        "summary": (
            "Predict failures of the points and switches of Milan's tram network before they "
            "stop a line, from sensors and maintenance history."
        ),
        "description": """\
## Context

Milan's tram network is one of the largest in Europe, and a failed switch can stop a line
for hours. Maintenance is scheduled at fixed intervals.

## The challenge

- retrofit sensors on switch motors and heating;
- predict failures from current signatures, weather and traffic;
- plan maintenance windows with the least impact on service.

## Status

Submissions are closed.
""",
        "expected_outcomes": "- Failures predicted at least 48 hours ahead on the pilot switches",
        "rewards": "- A pilot on 20 switches, **€55,000**",
        "eligibility_extra": "Experience with railway or industrial predictive maintenance",
        "scale": 10,
        "criteria": [
            ("Prediction quality", 40, ""),
            ("Ease of retrofit", 30, ""),
            ("Cost", 30, ""),
        ],
    },
    {
        "slug": "v2g-bus-depots",
        "call": "smart-mobility-2025", "lead": "enel-x", "cosponsors": ["atm"],
        "theme": "energy", "status": "in_evaluation", "opens": -270, "deadline": -90,
        "pilot_slots": 1, "lang": "en",
        "title": "Vehicle-to-grid services from parked e-buses",
        "summary": (
            "Use the batteries of e-buses parked during the day as a resource for the grid, "
            "with bidirectional chargers at ATM depots."
        ),
        "description": """\
## Context

Between the morning and evening peaks many e-buses sit in the depot with charged batteries.
With bidirectional chargers they could support the grid and earn revenue for ATM.

## The challenge

- forecast which buses are available, for how long and with how much energy;
- bid their flexibility on the ancillary-services markets;
- guarantee that every bus is ready for its next duty;
- measure the effect on battery life.

## Status

Submissions are closed; the committee is evaluating the proposals.
""",
        "expected_outcomes": "- A V2G demonstrator with at least 10 buses",
        "rewards": "- A 6-month pilot with **€60,000** and Enel X's V2G chargers",
        "eligibility_extra": "Experience with V2G or energy flexibility markets",
        "scale": 10,
        "criteria": [
            ("Revenue potential", 30, ""),
            ("Service guarantee for ATM", 30, ""),
            ("Battery impact", 20, ""),
            ("Team", 20, ""),
        ],
    },
]
