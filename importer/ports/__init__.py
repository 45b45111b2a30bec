"""Ports: what the services need from the outside, as narrow `typing.Protocol`s per concern.

Adapters (storage, qbo) implement them; services and entry points depend on these, never on an
adapter. Each protocol holds only the methods its callers use.
"""
