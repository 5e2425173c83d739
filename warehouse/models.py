"""Warehouse tables. Each class states its grain and natural key; results are keyed so a rerun replaces them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every warehouse table."""


class Cluster(Base):
    """One row per cluster (the registry). Key: cluster_id."""

    __tablename__ = "clusters"
    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    value_chain: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(120))
    department: Mapped[str] = mapped_column(String(120))
    commune: Mapped[str] = mapped_column(String(120))
    aggregator_name: Mapped[str] = mapped_column(String(200))
    committee_emails: Mapped[str] = mapped_column(Text)
    officer_emails: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    campaign_start_md: Mapped[str] = mapped_column(String(5))
    campaign_end_md: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Porto-Novo")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Actor(Base):
    """One row per member actor. Key: actor_id."""

    __tablename__ = "actors"
    actor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.cluster_id"), index=True)
    link: Mapped[str] = mapped_column(String(32))
    actor_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str | None] = mapped_column(String(1))
    is_youth: Mapped[bool | None] = mapped_column(Boolean)
    commune: Mapped[str | None] = mapped_column(String(120))
    distance_km_to_aggregator: Mapped[float | None] = mapped_column(Float)
    joined_on: Mapped[datetime | None] = mapped_column(Date)


class Run(Base):
    """One row per flow run that produced results (a review, an intake). Key: run_id."""

    __tablename__ = "runs"
    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    season: Mapped[str | None] = mapped_column(String(16), index=True)
    """What the run was about: for a review, the season it reviewed (the year its campaigns end, `2025`), not a
    cluster's own campaign (`2024-2025`, the score tables' `campaign`); the day of a monitor or deadline check; the
    cluster's campaign of a missing-submission check."""
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    input_fingerprint: Mapped[str | None] = mapped_column(String(64))
    store_versions: Mapped[str | None] = mapped_column(Text)
    """The store versions a review read, JSON: {"store": 12, "tables": {"deliveries": 7, ...}} (see
    `vigie season --as-of`)."""
    grid_hash: Mapped[str | None] = mapped_column(String(64))
    code_version: Mapped[str | None] = mapped_column(String(64))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    clusters_count: Mapped[int | None] = mapped_column(Integer)
    rows_read: Mapped[int | None] = mapped_column(Integer)
    rows_accepted: Mapped[int | None] = mapped_column(Integer)
    rows_rejected: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class IndicatorValue(Base):
    """One row per cluster, campaign and indicator: the latest review's value and score. Key: those three."""

    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("cluster_id", "campaign", "indicator_id", name="uq_indicator_values"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.cluster_id"), index=True)
    campaign: Mapped[str] = mapped_column(String(16))
    indicator_id: Mapped[str] = mapped_column(String(8))
    axis: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(32))
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    band_low: Mapped[float | None] = mapped_column(Float)
    band_high: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(200))
    previous_score: Mapped[int | None] = mapped_column(Integer)
    computed_score: Mapped[int | None] = mapped_column(Integer)
    assessed_score: Mapped[int | None] = mapped_column(Integer)
    assessed_by: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    grid_hash: Mapped[str] = mapped_column(String(64))


class AxisScore(Base):
    """One row per cluster, campaign and axis. Key: those three."""

    __tablename__ = "axis_scores"
    __table_args__ = (UniqueConstraint("cluster_id", "campaign", "axis", name="uq_axis_scores"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.cluster_id"), index=True)
    campaign: Mapped[str] = mapped_column(String(16))
    axis: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    coverage: Mapped[float] = mapped_column(Float)
    n_scored: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)


class OverallScore(Base):
    """One row per cluster and campaign: the overall score and level. Key: cluster_id, campaign."""

    __tablename__ = "overall_scores"
    __table_args__ = (UniqueConstraint("cluster_id", "campaign", name="uq_overall_scores"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.cluster_id"), index=True)
    campaign: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str | None] = mapped_column(String(24))
    coverage: Mapped[float] = mapped_column(Float)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    grid_hash: Mapped[str] = mapped_column(String(64))


class Alert(Base):
    """One row per raised alert. Key: rule, cluster_id, campaign, subject (an alert is raised once)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule", "cluster_id", "campaign", "subject", name="uq_alerts"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(48))
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    campaign: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    previous: Mapped[float | None] = mapped_column(Float)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"))


class OutboxMessage(Base):
    """One row per message to send. Key: kind, scope (a cluster id, or `*` for programme-wide), campaign, recipient."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("kind", "scope", "campaign", "recipient", name="uq_outbox"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64), index=True)
    campaign: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    mime: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"))


from warehouse import models_intake, models_pull  # noqa: E402, F401  (intake tables, pull marks join Base.metadata)
