"""Composition root: settings, the command line and the web application."""
