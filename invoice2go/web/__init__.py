"""The web process: Slack, the QuickBooks sign-in and webhooks, health checks (see app.py)."""
