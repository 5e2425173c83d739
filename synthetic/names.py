"""Names of people and organisations, Beninese-sounding, drawn with numpy (vectorised per cluster)."""

from __future__ import annotations

import unicodedata

import numpy as np

WOMEN = (
    "Afiavi",
    "Akouavi",
    "Houéfa",
    "Sènan",
    "Rissikatou",
    "Mariam",
    "Bernadette",
    "Pélagie",
    "Gisèle",
    "Clarisse",
    "Yvette",
    "Félicité",
    "Rachida",
    "Awa",
    "Fatima",
    "Bintou",
    "Zénabou",
    "Chantal",
    "Delphine",
    "Justine",
    "Adjoko",
    "Ablawa",
    "Bienvenue",
    "Odile",
    "Hortense",
    "Safiatou",
    "Mounirath",
    "Ganiatou",
)
MEN = (
    "Koffi",
    "Codjo",
    "Sèhou",
    "Mathias",
    "Rodrigue",
    "Ulrich",
    "Romaric",
    "Gildas",
    "Armand",
    "Hippolyte",
    "Sylvain",
    "Boni",
    "Sabi",
    "Orou",
    "Issa",
    "Moussa",
    "Séidou",
    "Adamou",
    "Gounou",
    "Kassim",
    "Fiacre",
    "Comlan",
    "Dossa",
    "Janvier",
    "Placide",
    "Léonce",
    "Bachirou",
    "Wilfried",
)
SURNAMES = (
    "Houngbo",
    "Hounkpatin",
    "Dossou",
    "Agossou",
    "Ahouandjinou",
    "Kpadonou",
    "Gbaguidi",
    "Zinsou",
    "Adjovi",
    "Tossou",
    "Akpovi",
    "Hounsou",
    "Sossou",
    "Yabi",
    "Sanni",
    "Worou",
    "Bagnan",
    "Chabi",
    "Idrissou",
    "Alassane",
    "Maïga",
    "Touré",
    "Assogba",
    "Gnonlonfoun",
    "Fanou",
    "Kiki",
    "Amoussou",
    "Djossou",
    "Ogoubiyi",
    "Adéchian",
    "Akakpo",
    "Sèdégan",
    "Bio Sika",
    "Kora",
    "Djibril",
    "Lawani",
    "Ayéna",
    "Dègbo",
    "Houssou",
    "Ahononga",
)
GROUP_WORDS = (
    "Sènami",
    "Nonvitcha",
    "Espoir",
    "Union fait la force",
    "Mahougnon",
    "Gbénonkpo",
    "Alafia",
    "Bonne récolte",
    "Houénoukpo",
    "Kpodé",
    "Avenir",
    "Solidarité",
    "Nanawa",
    "Dèdji",
    "Sèdjro",
    "Wassa",
    "Lumière",
)

LINK_NAMES: dict[str, tuple[str, ...]] = {
    "input_supplier": (
        "Agro-intrants {surname}",
        "Boutique d'intrants de {commune}",
        "Établissements {surname}",
        "Emballages {surname}",
    ),
    "processor": ("Unité de transformation {surname}", "Atelier de transformation de {commune}"),
    "trader": ("Commerce général {surname}", "{first} {surname}"),
    "distributor": ("Distribution {surname}", "Grossiste de {commune}", "Dépôt {surname}"),
    "financial_service": (
        "Caisse locale de crédit agricole de {commune}",
        "Mutuelle d'épargne et de crédit de {commune}",
        "Microfinance {word}",
    ),
    "non_financial_service": (
        "ONG {word}",
        "Cabinet de conseil {surname}",
        "Transport {surname}",
        "Centre de formation agricole de {commune}",
    ),
    "public_support": (
        "ATDA antenne de {commune}",
        "DDAEP {department}",
        "ABSSA {department}",
        "Mairie de {commune}",
    ),
}


def slug(text: str) -> str:
    """ASCII lower-case slug: accents dropped, anything else than letters and digits becomes '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    parts = "".join(ch if ch.isalnum() else "-" for ch in ascii_text).split("-")
    return "-".join(part for part in parts if part)


def people(rng: np.random.Generator, is_woman: np.ndarray) -> np.ndarray:
    """Full names ("Houéfa Dossou") for persons, one per entry of `is_woman`."""
    n = len(is_woman)
    women = np.asarray(WOMEN, dtype=object)[rng.integers(0, len(WOMEN), n)]
    men = np.asarray(MEN, dtype=object)[rng.integers(0, len(MEN), n)]
    surnames = np.asarray(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    first = np.where(is_woman, women, men)
    return first + " " + surnames


def fill(rng: np.random.Generator, templates: tuple[str, ...], commune: str, department: str) -> str:
    """One name from `templates`, its placeholders filled in."""
    template = templates[int(rng.integers(0, len(templates)))]
    return template.format(
        surname=SURNAMES[int(rng.integers(0, len(SURNAMES)))],
        first=MEN[int(rng.integers(0, len(MEN)))],
        word=GROUP_WORDS[int(rng.integers(0, len(GROUP_WORDS)))],
        commune=commune,
        department=department,
    )
