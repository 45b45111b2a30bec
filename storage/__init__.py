"""Persistence behind one interface: MongoDB and the embedded SQLite store."""
