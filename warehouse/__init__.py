"""Persistence: the SQLAlchemy warehouse (registry, runs, scores, alerts, outbox) and its migrations."""
