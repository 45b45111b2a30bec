"""The MongoDB store, on PyMongo's async API."""

from storage.mongo.store import MongoStore

__all__ = ["MongoStore"]
