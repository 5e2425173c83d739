"""Geography and value chains of Benin used by the generator: communes, calendars, products, prices."""

from __future__ import annotations

from dataclasses import dataclass

TIMEZONE = "Africa/Porto-Novo"
MARKETS = ("local", "national", "regional", "export")

# commune -> (department, 3-letter ASCII code)
COMMUNES: dict[str, tuple[str, str]] = {
    "Glazoué": ("Collines", "GLZ"),
    "Dassa-Zoumè": ("Collines", "DSZ"),
    "Savalou": ("Collines", "SVL"),
    "Savè": ("Collines", "SVE"),
    "Bantè": ("Collines", "BNT"),
    "Ouèssè": ("Collines", "OUS"),
    "Malanville": ("Alibori", "MLV"),
    "Kandi": ("Alibori", "KDI"),
    "Banikoara": ("Alibori", "BNK"),
    "Gogounou": ("Alibori", "GGN"),
    "Parakou": ("Borgou", "PKO"),
    "Tchaourou": ("Borgou", "TCH"),
    "Nikki": ("Borgou", "NKK"),
    "Bembèrèkè": ("Borgou", "BMK"),
    "N'Dali": ("Borgou", "NDL"),
    "Djougou": ("Donga", "DJG"),
    "Bassila": ("Donga", "BSL"),
    "Copargo": ("Donga", "CPG"),
    "Natitingou": ("Atacora", "NTT"),
    "Tanguiéta": ("Atacora", "TGT"),
    "Kouandé": ("Atacora", "KDE"),
    "Allada": ("Atlantique", "ALD"),
    "Zè": ("Atlantique", "ZEE"),
    "Abomey-Calavi": ("Atlantique", "ABC"),
    "Toffo": ("Atlantique", "TOF"),
    "Tori-Bossito": ("Atlantique", "TRB"),
    "Kétou": ("Plateau", "KET"),
    "Pobè": ("Plateau", "POB"),
    "Sakété": ("Plateau", "SKT"),
    "Lokossa": ("Mono", "LKS"),
    "Athiémé": ("Mono", "ATH"),
    "Aplahoué": ("Couffo", "APL"),
    "Dogbo": ("Couffo", "DGB"),
    "Djidja": ("Zou", "DJJ"),
    "Zogbodomey": ("Zou", "ZGB"),
    "Covè": ("Zou", "COV"),
    "Ouinhi": ("Zou", "OUH"),
    "Dangbo": ("Ouémé", "DNG"),
    "Adjohoun": ("Ouémé", "ADJ"),
}


@dataclass(frozen=True)
class Chain:
    """A value chain ("filière"): what is delivered, when, at what price, and what the aggregator sells."""

    name: str
    code: str
    product: str
    start_md: str
    end_md: str
    peaks: tuple[tuple[int, int], ...]
    price_xof: float
    delivery_kg: float
    sale_products: tuple[tuple[str, float, float], ...]
    markets: tuple[float, float, float, float]
    communes: tuple[str, ...]
    aggregators: tuple[tuple[str, str], ...]
    materials: tuple[tuple[str, str], ...]
    women_share: float


# fmt: off
CHAINS: tuple[Chain, ...] = (
    Chain(
        "riz", "RIZ", "riz paddy", "10-01", "06-30", ((11, 20), (4, 10)), 200.0, 450.0,
        (("riz blanc étuvé long grain", 0.45, 600.0), ("riz blanc brisé", 0.12, 400.0)),
        (0.35, 0.45, 0.20, 0.0),
        ("Glazoué", "Malanville", "Dassa-Zoumè", "Savè", "Bantè", "Ouinhi", "Dangbo", "Athiémé",
         "Zogbodomey"),
        (("Rizerie de {commune}", "processor"), ("Rizerie {surname} et Fils", "processor"),
         ("Union des étuveuses de riz de {commune}", "processor")),
        (("étuveuses améliorées", "unité"), ("décortiqueuse", "unité"), ("bâches de séchage", "unité"),
         ("sacs de 50 kg", "sac")),
        0.6,
    ),
    Chain(
        "ananas", "ANA", "ananas frais", "01-01", "12-31", ((1, 15), (7, 1)), 110.0, 600.0,
        (("jus d'ananas pasteurisé", 0.45, 1000.0), ("ananas frais calibré", 0.2, 300.0)),
        (0.25, 0.35, 0.25, 0.15),
        ("Allada", "Zè", "Abomey-Calavi", "Toffo", "Tori-Bossito"),
        (("Unité de jus d'ananas de {commune}", "processor"), ("{surname} Jus Naturels", "processor"),
         ("Société de transformation d'ananas de {commune}", "processor")),
        (("pasteurisateur", "unité"), ("bouteilles", "carton"), ("caisses de récolte", "unité"),
         ("presse-fruits", "unité")),
        0.4,
    ),
    Chain(
        "soja", "SOJ", "soja grain", "10-01", "07-31", ((11, 25), (1, 20)), 280.0, 300.0,
        (("huile de soja", 0.15, 1100.0), ("tourteau de soja", 0.7, 280.0)),
        (0.30, 0.40, 0.30, 0.0),
        ("Djougou", "Bassila", "Savalou", "Tchaourou", "Bantè", "Kétou", "Ouèssè", "Copargo", "N'Dali"),
        (("Huilerie de soja de {commune}", "processor"), ("{surname} Agro-Soja", "processor"),
         ("Unité de transformation de soja {surname}", "processor")),
        (("presse à huile", "unité"), ("trieuse de grains", "unité"), ("magasin de stockage", "unité"),
         ("sacs de 100 kg", "sac")),
        0.5,
    ),
    Chain(
        "anacarde", "ANC", "noix de cajou brutes", "02-01", "07-31", ((4, 1), (5, 5)), 400.0, 250.0,
        (("amandes de cajou blanches", 0.21, 4000.0), ("coques de cajou", 0.7, 25.0)),
        (0.05, 0.15, 0.10, 0.70),
        ("Savalou", "Tchaourou", "Bassila", "Parakou", "Djougou", "Savè", "Bantè", "Ouèssè", "Glazoué",
         "Dassa-Zoumè", "Djidja"),
        (("Usine de transformation de cajou de {commune}", "processor"),
         ("{surname} Cajou SARL", "processor"),
         ("Unité de décorticage de cajou de {commune}", "processor")),
        (("décortiqueuses manuelles", "unité"), ("four de séchage", "unité"), ("sacs de jute", "sac"),
         ("humidimètre", "unité")),
        0.55,
    ),
    Chain(
        "karité", "KAR", "noix de karité", "05-01", "12-31", ((7, 1), (8, 20)), 170.0, 80.0,
        (("beurre de karité", 0.35, 1400.0),),
        (0.20, 0.20, 0.20, 0.40),
        ("Natitingou", "Djougou", "Kandi", "Banikoara", "Parakou", "Nikki", "Bembèrèkè", "Tanguiéta",
         "Kouandé", "Copargo"),
        (("Coopérative des femmes transformatrices de karité de {commune}", "processor"),
         ("Union des productrices de beurre de karité de {commune}", "processor")),
        (("moulin à noix", "unité"), ("barattes", "unité"), ("marmites", "unité"),
         ("aires de séchage", "unité")),
        0.95,
    ),
    Chain(
        "maïs", "MAI", "maïs grain", "08-01", "05-31", ((8, 25), (11, 15)), 180.0, 500.0,
        (("maïs grain trié", 0.5, 220.0), ("farine de maïs", 0.35, 450.0)),
        (0.40, 0.35, 0.25, 0.0),
        ("Kétou", "Pobè", "Aplahoué", "Kandi", "Banikoara", "Parakou", "Lokossa", "Dogbo", "Gogounou",
         "Djidja"),
        (("Minoterie de {commune}", "processor"), ("{surname} Négoce Maïs", "trader"),
         ("Unité de farine de maïs de {commune}", "processor")),
        (("moulin", "unité"), ("égreneuse", "unité"), ("sacs hermétiques", "sac"),
         ("magasin de stockage", "unité")),
        0.45,
    ),
    Chain(
        "manioc", "MAN", "racines de manioc", "03-01", "12-31", ((4, 15), (10, 1)), 45.0, 900.0,
        (("gari", 0.25, 450.0), ("tapioca", 0.05, 800.0)),
        (0.45, 0.40, 0.15, 0.0),
        ("Kétou", "Pobè", "Lokossa", "Aplahoué", "Savè", "Zè", "Dassa-Zoumè", "Covè", "Adjohoun", "Sakété"),
        (("Unité de production de gari de {commune}", "processor"),
         ("Coopérative des transformatrices de manioc de {commune}", "processor"),
         ("{surname} Tapioca et Gari", "processor")),
        (("râpeuse motorisée", "unité"), ("presse à manioc", "unité"), ("foyers améliorés", "unité"),
         ("bassines", "unité")),
        0.75,
    ),
)
# fmt: on

BUYERS: dict[str, tuple[str, ...]] = {
    "local": ("Marché de {commune}", "Revendeuses de {commune}", "Cantines scolaires de {commune}"),
    "national": (
        "Grossiste de Cotonou",
        "Supermarché de Cotonou",
        "Centrale d'achat de Porto-Novo",
        "Grossiste de Parakou",
        "Boutique de Bohicon",
    ),
    "regional": (
        "Importateur de Lagos",
        "Négociant de Lomé",
        "Grossiste de Niamey",
        "Acheteur de Ouagadougou",
    ),
    "export": (
        "Importateur de Rotterdam",
        "Acheteur de Hô-Chi-Minh-Ville",
        "Importateur de Marseille",
        "Négociant de Kochi",
    ),
}

HUMAN_RESOURCES = (
    ("animateurs endogènes", "personne"),
    ("techniciens de transformation", "personne"),
    ("agents de collecte", "personne"),
)
FINANCIAL_RESOURCES = (
    ("fonds de roulement", "XOF"),
    ("crédit de campagne", "XOF"),
    ("subvention équipement", "XOF"),
)
ADVISORY_RESOURCES = (
    ("appui-conseil technique ATDA", "jour"),
    ("formation bonnes pratiques", "session"),
    ("contrôle qualité ABSSA", "visite"),
    ("conseil en gestion", "jour"),
)


def chain_by_name(name: str) -> Chain:
    """The chain called `name`."""
    return next(chain for chain in CHAINS if chain.name == name)


def department_of(commune: str) -> str:
    """The department a commune belongs to."""
    return COMMUNES[commune][0]


def neighbours(commune: str) -> tuple[str, ...]:
    """Communes of the same department (the commune itself first)."""
    dept = department_of(commune)
    return (commune, *(c for c, (d, _) in COMMUNES.items() if d == dept and c != commune))
