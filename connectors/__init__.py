"""Connectors to the systems Vigie collects from (ODK Central, KoboToolbox: JSON records written as the export files
intake already reads) and reports to (DHIS2). No Prefect here."""
