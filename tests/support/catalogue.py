"""A tiny synthetic catalogue whose right answers are known in advance."""

import json
from pathlib import Path

LOC = {"municipality": "Stockholm", "lat": 59.33, "lon": 18.06}

ENTITIES: list[dict] = [
    {
        "id": "company:battery-loop",
        "kind": "company",
        "name": "Battery Loop",
        "description": "Recycling of lithium-ion batteries; cobalt and nickel from black mass.",
        "keywords": ["battery recycling", "black mass"],
        "areas": ["sustainable-production"],
        "disciplines": ["chemistry"],
        "location": LOC,
        "stage": "startup",
        "employees": 8,
        "offers": ["hydrometallurgical recycling know-how"],
        "seeks": ["pilot customers"],
    },
    {
        "id": "company:care-robotics",
        "kind": "company",
        "name": "Care Robotics",
        "description": "Robots that help elderly people at home with medicines and falls.",
        "keywords": ["elderly care", "robotics"],
        "areas": ["life-science-health"],
        "disciplines": ["mechanical engineering"],
        "location": {"municipality": "Solna"},
        "stage": "sme",
        "employees": 40,
    },
    {
        "id": "company:ledger-safe",
        "kind": "company",
        "name": "Ledger Safe",
        "description": "Fraud detection for payments and banking with graph analytics.",
        "keywords": ["fintech", "fraud"],
        "areas": ["ict-digital"],
        "disciplines": ["data science"],
        "location": LOC,
        "stage": "startup",
        "employees": 5,
    },
    {
        "id": "lab:black-mass-pilot",
        "kind": "lab",
        "name": "Black Mass Pilot Line",
        "host": "Testbed Institute",
        "description": "Pilot line for battery recycling processes.",
        "capabilities": [
            "Leaching of black mass from lithium-ion batteries, 50 kg per batch",
            "ICP-OES analysis of recovered metals",
        ],
        "access_types": ["physical"],
        "access_modes": ["paid"],
        "open_to_smes": True,
        "trl_min": 4,
        "trl_max": 7,
        "areas": ["sustainable-production"],
        "disciplines": ["chemistry"],
        "location": {"municipality": "Södertälje"},
        "contact": "pilot@testbed-institute.example",
    },
    {
        "id": "lab:closed-cell-lab",
        "kind": "lab",
        "name": "Closed Battery Cell Lab",
        "host": "Big Corp",
        "description": "Battery cell testing and lithium-ion recycling research.",
        "capabilities": ["Cycling of lithium-ion battery cells", "Battery recycling experiments"],
        "access_types": ["physical"],
        "access_modes": ["conditional"],
        "open_to_smes": False,
        "trl_min": 2,
        "trl_max": 4,
        "areas": ["sustainable-production"],
        "disciplines": ["electrical engineering"],
        "location": LOC,
    },
    {
        "id": "lab:care-living-lab",
        "kind": "lab",
        "name": "Home Care Living Lab",
        "host": "Region",
        "description": "A flat where elderly care technology is tested with users.",
        "capabilities": ["Usability tests of care robots with elderly people"],
        "access_types": ["physical", "remote"],
        "access_modes": ["free"],
        "open_to_smes": True,
        "trl_min": 5,
        "trl_max": 8,
        "areas": ["life-science-health"],
        "disciplines": ["nursing and care"],
        "location": {"municipality": "Huddinge"},
    },
    {
        "id": "researcher:ann-metals",
        "kind": "researcher",
        "name": "Ann Metals",
        "affiliation": "KTH",
        "description": "Researches recycling of lithium-ion batteries.",
        "publications": [
            {
                "title": "Leaching cobalt from spent lithium-ion batteries",
                "abstract": "Recovery of cobalt and nickel from battery black mass.",
                "year": 2024,
            }
        ],
        "expertise": ["hydrometallurgy", "battery recycling"],
        "consent": True,
        "areas": ["sustainable-production"],
        "disciplines": ["chemistry"],
        "location": LOC,
    },
    {
        "id": "researcher:hidden-person",
        "kind": "researcher",
        "name": "Hidden Person",
        "affiliation": "KTH",
        "description": "Battery recycling of lithium-ion batteries, black mass.",
        "expertise": ["battery recycling"],
        "consent": False,
        "areas": ["sustainable-production"],
        "disciplines": ["chemistry"],
    },
    {
        "id": "researcher:bo-care",
        "kind": "researcher",
        "name": "Bo Care",
        "affiliation": "Karolinska Institutet",
        "description": "Studies elderly care and falls at home.",
        "publications": [
            {
                "title": "Fall prevention for elderly people living at home",
                "abstract": "A trial of sensors and robots in home care.",
                "year": 2022,
            }
        ],
        "expertise": ["elderly care"],
        "consent": True,
        "areas": ["life-science-health"],
        "disciplines": ["nursing and care"],
        "location": {"municipality": "Solna"},
    },
]


def write_catalogue(path: Path, entities: list[dict] | None = None) -> Path:
    """Write entities as JSON Lines and return the path."""
    rows = ENTITIES if entities is None else entities
    path.write_text("\n".join(json.dumps(e) for e in rows) + "\n", encoding="utf-8")
    return path
