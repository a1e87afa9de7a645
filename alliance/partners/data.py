"""The nine partner companies of the Milano Smart City Alliance."""

PARTNERS = [
    {
        "slug": "a2a-smart-city",
        "name": "A2A Smart City",
        "website": "https://www.a2asmartcity.io",
        "description": (
            "A2A Smart City is the A2A group's company for digital urban services: "
            "fibre and 5G-ready networks, smart lighting, sensors and the platforms "
            "that connect them across Milan and Lombardy."
        ),
    },
    {
        "slug": "accenture",
        "name": "Accenture",
        "website": "https://www.accenture.com/it-it",
        "description": (
            "Accenture brings strategy, technology and data to the Alliance: digital "
            "twins of the city, cloud platforms and the integration that turns pilots "
            "into services for citizens."
        ),
    },
    {
        "slug": "atm",
        "name": "ATM",
        "website": "https://www.atm.it",
        "description": (
            "Azienda Trasporti Milanesi runs Milan's metro, trams and buses. Its "
            "challenges cover electric fleets, passenger information, accessibility "
            "and the safety of public transport."
        ),
    },
    {
        "slug": "cisco",
        "name": "Cisco",
        "website": "https://www.cisco.com/site/it/it/index.html",
        "description": (
            "Cisco contributes networking and cyber security: secure connectivity for "
            "city infrastructure, edge computing and the protection of critical services."
        ),
    },
    {
        "slug": "coima",
        "name": "Coima",
        "website": "https://www.coima.com",
        "description": (
            "Coima develops and manages urban regeneration projects such as Porta Nuova, "
            "with a focus on sustainable buildings, public spaces and green areas."
        ),
    },
    {
        "slug": "enel-x",
        "name": "Enel X",
        "website": "https://www.enelx.com/it/it",
        "description": (
            "Enel X works on electric mobility, charging infrastructure, public lighting "
            "and energy efficiency for cities, companies and homes."
        ),
    },
    {
        "slug": "ibm",
        "name": "IBM",
        "website": "https://www.ibm.com/it-it",
        "description": (
            "IBM brings hybrid cloud, artificial intelligence and quantum-safe security "
            "to the Alliance's challenges on data, resilience and city operations."
        ),
    },
    {
        "slug": "siemens",
        "name": "Siemens",
        "website": "https://www.siemens.com/it/it.html",
        "description": (
            "Siemens works on smart infrastructure, building automation, electrified "
            "transport and the digitalisation of energy networks."
        ),
    },
    {
        "slug": "tim",
        "name": "TIM",
        "website": "https://www.gruppotim.it",
        "description": (
            "TIM, Italy's main telecommunications operator, brings 5G, fibre, edge "
            "cloud and IoT connectivity to the city's services."
        ),
    },
]
