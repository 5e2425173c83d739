"""Operator entry points: Prefect flows (wiring only), the command line and settings."""
