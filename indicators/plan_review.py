"""The review's part that drives action, for every reviewed cluster at once: its priorities, the targets beside
its scores, and the follow-up of the plan it made for the reviewed campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.action_plan import follow_up, indicator_targets, plan_counts, reached, reviewed_plan
from indicators.priorities import choose_priorities
from indicators.review import Review
from schemas.campaign import campaign_window


@dataclass(frozen=True)
class PlanReview:
    """`priorities`: at most 3 per cluster (indicators.priorities); `targets`: per cluster and indicator, its
    target and whether the score reached it; `follow_up`: per action of the reviewed campaign's plan;
    `counts`: per reviewed cluster, has_plan, actions, done, overdue, targets, targets_met."""

    priorities: pd.DataFrame
    targets: pd.DataFrame
    follow_up: pd.DataFrame
    counts: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames a committee's dashboard reads, by name."""
        return {"priorities": self.priorities, "targets": self.targets, "follow_up": self.follow_up}


def campaign_ends(clusters: pd.DataFrame, campaigns: dict[str, str]) -> dict[str, date]:
    """Cluster id -> the last day of its reviewed campaign, the day its plan's actions are judged from."""
    calendar = clusters.set_index("cluster_id")[["campaign_start_md", "campaign_end_md"]]
    return {
        cluster_id: campaign_window(campaign, *calendar.loc[cluster_id])[1]
        for cluster_id, campaign in campaigns.items()
        if cluster_id in calendar.index
    }


def review_plan(review: Review, plan: pd.DataFrame | None, clusters: pd.DataFrame) -> PlanReview:
    """Priorities, targets and follow-up of `review` from the action_plan table (None: no plan anywhere)."""
    campaigns = dict(zip(review.overall["cluster_id"].astype(str), review.overall["campaign"].astype(str), strict=True))
    actions = reviewed_plan(plan, campaigns)
    targets = reached(indicator_targets(actions, review.bands), review.indicators, review.bands)
    follow = follow_up(actions, review.indicators, review.bands, campaign_ends(clusters, campaigns))
    return PlanReview(
        priorities=choose_priorities(review.indicators, review.axes),
        targets=targets,
        follow_up=follow,
        counts=plan_counts(follow, list(campaigns)),
    )
