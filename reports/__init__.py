"""What people receive: dashboards rendered from Jinja2 templates (fr, en), MIME messages and mail senders."""
