"""Test support shared by the test tiers (doubles of outside services)."""
