"""Clients of the platforms field submissions are pulled from (ODK Central, KoboToolbox) and the officer's list of
sources; they fetch JSON records and write them as the export files intake already reads. No Prefect here."""
