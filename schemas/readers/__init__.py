"""Readers that bring what people send (CSV, XLSX, KoboToolbox/ODK exports) to the table contracts."""
