"""The committee's action plan of a campaign (issue 17): three actions, each aimed at one indicator."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthetic.clusters import Campaign, ClusterSpec

ACTIONS = (
    ("1.1", "Tenir la réunion du comité chaque mois et en garder le compte rendu", "président du comité", 3, None),
    ("1.4", "Présenter le bilan technique et financier à l'assemblée générale", "trésorier", 3, None),
    ("3.1", "Signer un contrat d'approvisionnement avec chaque groupement de producteurs", "agrégateur", 3, None),
    ("3.2", "Suivre chaque mois les quantités livrées par contrat", "coach interne", 2, None),
    ("4.2", "Inscrire le cluster à une foire régionale", "secrétaire du comité", 2, None),
    ("4.3", "Organiser une rencontre entre maillons chaque trimestre", "coach interne", 3, None),
    ("5.3", "Numéroter chaque lot livré avec le code du producteur", "agrégateur", None, 0.75),
    ("5.4", "Former les producteurs au séchage et au stockage", "conseiller ATDA", 2, None),
    ("2.3", "Déposer une demande de crédit de campagne à la caisse locale", "trésorier", 2, None),
    ("6.1", "Établir le compte d'exploitation de chaque maillon", "coach interne", 3, None),
)
"""(indicator, action, owner, target score, target value in the indicator's unit) the plans draw from."""
COLUMNS = (
    "cluster_id", "campaign", "action_id", "indicator_id", "action", "owner", "due_on", "target_score",
    "target_value", "action_status", "done_on", "note",
)  # fmt: skip
WITHOUT_PLAN_EVERY = 6
"""One cluster in six (the fifth: index 4, 10, ...) sends no plan: the review says so, the officers count it."""


def action_plan(spec: ClusterSpec, rng: np.random.Generator, campaign: Campaign) -> dict[str, Any]:
    """Three actions due within the campaign: the first done in time, the second still under way once its due
    date has passed (overdue at the review), the third done late or not yet due, by the cluster's parity."""
    rows: dict[str, list] = {name: [] for name in COLUMNS}
    if spec.index % WITHOUT_PLAN_EVERY == WITHOUT_PLAN_EVERY - 2:
        return rows
    chosen = rng.choice(len(ACTIONS), size=3, replace=False)
    day = lambda share: campaign.start + np.timedelta64(int(campaign.days * share), "D")  # noqa: E731
    fates = (
        (day(0.3), "done", day(0.25), ""),
        (day(0.6), "in_progress", None, "En attente des moyens"),
        (day(0.8), "done", day(0.9), "Terminée après la récolte")
        if spec.index % 2
        else (campaign.end + np.timedelta64(30, "D"), "planned", None, ""),
    )
    for number, (pick, (due, status, done, note)) in enumerate(zip(chosen, fates, strict=True), start=1):
        indicator, text, owner, score, value = ACTIONS[int(pick)]
        for name, cell in zip(
            COLUMNS,
            (spec.cluster_id, campaign.name, f"A{number}", indicator, text, owner, due, score, value, status, done,
             note or None),
            strict=True,
        ):  # fmt: skip
            rows[name].append(cell)
    return rows
