"""Needs for the latency benchmark: short and long, English and Swedish, some with filters.

Each request's text is unique (a base need with a varying context clause), but the needs of one
base share their other clauses: 180 of the 304 clauses of the multi-clause needs among the 200
were seen before in a run. The benchmarks therefore start the server with no need vectors kept
between requests (benchmarks/server.py, FRESH_NEEDS), so every need and clause is encoded.
"""

import random
from typing import Any

SHORT_EN = [
    "testbed for battery recycling",
    "partner for AI-based sepsis diagnostics",
    "lab that can test hydrogen fuel cells",
    "researchers in digital twins for district heating",
    "pilot customers for a wearable fall detector",
    "computer vision for sorting textile waste",
]
LONG_EN = [
    "We are a startup developing a point-of-care blood test that detects early signs of sepsis "
    "within twenty minutes. We need a hospital testbed for a clinical performance study, help "
    "with IVDR documentation and a partner with microfluidic cartridge manufacturing.",
    "Our company builds software that optimises charging schedules for electric bus depots. We "
    "look for a grid operator or municipality to pilot it, researchers in power systems and a "
    "lab where we can test bidirectional chargers at high power.",
    "We develop biodegradable packaging from forestry residues and need access to material "
    "characterisation, barrier property testing and a partner that can scale up a pilot line "
    "for thermoformed trays.",
    "A small team working on machine learning for predictive maintenance of industrial robots "
    "wants vibration datasets, a factory testbed and experts in signal processing.",
    "We want to reduce embodied carbon in concrete by adding recycled mineral fillers and are "
    "looking for a materials lab, a construction company and researchers in life cycle "
    "assessment of building materials.",
    "Our app supports elderly people living at home with medication reminders and video calls "
    "with nurses; we need a municipality care provider for a usability study and expertise in "
    "data protection and health economics.",
]
SHORT_SV = [
    "testbädd för återvinning av batterier",
    "partner inom AI för tidig diagnostik av sepsis",
    "labb för provning av vätgas och bränsleceller",
    "forskare inom digitala tvillingar för fjärrvärme",
    "pilotkunder för en bärbar fallsensor för äldre",
    "datorseende för sortering av textilavfall",
]
LONG_SV = [
    "Vi är ett nystartat bolag som utvecklar ett snabbtest för sepsis som ger svar på tjugo "
    "minuter. Vi behöver en sjukhusmiljö för en klinisk studie, stöd med regelverket för "
    "diagnostik och en partner som kan tillverka mikrofluidiska kassetter.",
    "Vi utvecklar programvara som planerar laddning av elbussar i depåer och söker en kommun "
    "eller ett elnätsbolag för ett pilotprojekt samt forskare inom elkraftsystem.",
    "Vi tar fram biologiskt nedbrytbara förpackningar av restprodukter från skogen och behöver "
    "materialkaraktärisering, mätning av barriäregenskaper och en partner för uppskalning.",
    "Ett litet team som arbetar med maskininlärning för förebyggande underhåll av industrirobotar "
    "söker vibrationsdata, en testbädd i en fabrik och experter på signalbehandling.",
    "Vi vill minska klimatpåverkan från betong genom återvunna mineraliska fillers och söker ett "
    "materiallabb, ett byggföretag och forskare inom livscykelanalys.",
    "Vår app hjälper äldre som bor hemma med påminnelser om läkemedel och videosamtal med "
    "sjuksköterskor; vi behöver en vårdgivare i en kommun för en användbarhetsstudie.",
]
CONTEXT_EN = [
    "",
    " in Stockholm",
    " for a pilot next year",
    " with a focus on SMEs",
    " near Solna",
    " for export to the Nordic market",
    " within six months",
    " with open data",
    " at TRL 4 to 6",
    " for a Vinnova application",
    " in the public sector",
    " at low cost",
    " with industrial partners",
    " for a master's thesis project",
    " in Södertälje",
    " before our seed round",
    " with clinical partners",
    " in a living lab",
]
CONTEXT_SV = [
    "",
    " i Stockholm",
    " för ett pilotprojekt nästa år",
    " med fokus på små företag",
    " nära Solna",
    " för export till Norden",
    " inom sex månader",
    " med öppna data",
    " på TRL 4 till 6",
    " för en ansökan till Vinnova",
    " i offentlig sektor",
    " till låg kostnad",
    " med industripartner",
    " för ett examensarbete",
    " i Södertälje",
    " före vår såddrunda",
    " med kliniska partner",
    " i ett levande labb",
]
FILTERS: list[dict[str, Any]] = [
    {"filters": {"areas": ["cleantech", "climate-urban"]}},
    {"filters": {"municipalities": ["Stockholm", "Solna"]}},
    {"filters": {"near": {"lat": 59.33, "lon": 18.06, "radius_km": 15}}},
    {"kinds": ["lab"], "filters": {"open_to_smes": True, "trl": [3, 6]}},
    {"kinds": ["researcher"], "filters": {"languages": ["sv"]}},
]


def _text(base: str, context: str) -> str:
    """Put the context clause before the final full stop of a long need, else at the end."""
    if base.endswith("."):
        return base[:-1] + context + "."
    return base + context


def needs(count: int, seed: int = 0, offset: int = 0) -> list[dict[str, Any]]:
    """`count` distinct request bodies; every fifth carries filters or kinds."""
    bases = [(b, CONTEXT_EN) for b in SHORT_EN + LONG_EN]
    bases += [(b, CONTEXT_SV) for b in SHORT_SV + LONG_SV]
    combos = [(b, ctx[j]) for j in range(len(CONTEXT_EN)) for b, ctx in bases]
    if offset + count > len(combos):
        raise ValueError(f"at most {len(combos) - offset} distinct needs")
    rng = random.Random(seed)
    chosen = combos[offset : offset + count]
    rng.shuffle(chosen)
    bodies = []
    for number, (base, context) in enumerate(chosen):
        body: dict[str, Any] = {"need": _text(base, context), "top_k": 10}
        if number % 5 == 4:
            body |= FILTERS[(number // 5) % len(FILTERS)]
        bodies.append(body)
    return bodies
