"""Slack app: commands, actions, views and events (the Slack journeys of product.md)."""
