"""Deterministic synthetic campaigns for Vigie: every input table of a programme of Benin clusters, as CSV."""

from synthetic.generator import generate

__all__ = ["generate"]
