"""Connectors to the systems Vigie reports to or collects from (DHIS2, ODK Central, KoboToolbox)."""
