"""Browser tier: the static site opened in headless Chromium."""
