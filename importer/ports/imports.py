"""What the import engine needs of the store: its records and its run, nothing else."""

from __future__ import annotations

from typing import Protocol

from importer.ports.companies import CompanyLeases
from importer.ports.records import RecordWriter
from importer.ports.runs import RunStore


class ImportStore(RecordWriter, RunStore, CompanyLeases, Protocol):
    """One look-up and one insert per batch, the run with its lease and checkpoints, and the
    company's lease."""
