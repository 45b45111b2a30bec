"""Turn the store's records into MongoDB documents and back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from importer.domain.connections import QboConnection, TokenSet
from importer.domain.model import Account, Counts, Kind, NewRecord, Record
from importer.domain.runs import ImportRun, RunRead, RunStatus
from storage.connections import connection_from_doc, connection_to_doc, tokens_to_doc

Doc = dict[str, Any]


def new_id() -> str:
    """Return a fresh document id."""
    return uuid.uuid4().hex


def utc(value: datetime) -> datetime:
    """Return an aware time in UTC, cut to the milliseconds BSON keeps."""
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def maybe_utc(value: datetime | None) -> datetime | None:
    """Return utc(value), or None."""
    return None if value is None else utc(value)


def plain(value: Any) -> Any:
    """Return value with Decimals as decimal strings (BSON has no Decimal; money is no float)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def account_from(doc: Doc) -> Account:
    """Build an Account from its document."""
    return Account(
        doc["_id"],
        doc["name"],
        doc["plan"],
        doc["currency"],
        utc(doc["created_at"]),
        bool(doc.get("auto_import", False)),
    )


def record_doc(account_id: str, record: NewRecord, now: datetime) -> Doc:
    """Return the document of a new client or item."""
    return {
        "_id": new_id(),
        "account_id": account_id,
        "name": record.name,
        "name_key": record.name_key,
        "qbo_realm": record.qbo_realm,
        "qbo_id": record.qbo_id,
        "run_id": record.run_id,
        "created_at": now,
        "fields": plain(record.fields),
    }


def record_from(kind: Kind, doc: Doc) -> Record:
    """Build a Record from its document."""
    return Record(
        id=doc["_id"],
        account_id=doc["account_id"],
        kind=kind,
        name=doc["name"],
        name_key=doc["name_key"],
        fields=doc.get("fields") or {},
        qbo_realm=doc.get("qbo_realm"),
        qbo_id=doc.get("qbo_id"),
        run_id=doc.get("run_id"),
        created_at=utc(doc["created_at"]),
    )


def run_doc(run: ImportRun, lock: str) -> Doc:
    """Return the document of a run that starts now, holding the account+kind lock."""
    return {
        "_id": run.id,
        "account_id": run.account_id,
        "kind": run.kind.value,
        "realm_id": run.realm_id,
        "status": run.status.value,
        "owner": run.owner,
        "lease_expires_at": run.lease_expires_at,
        "started_at": run.started_at,
        "finished_at": None,
        "counts": run.counts.as_dict(),
        "total": None,
        "pages": 0,
        "next_position": None,
        "error": None,
        "lock": lock,
        "read": run.read.value,
    }


def run_from(doc: Doc) -> ImportRun:
    """Build an ImportRun from its document."""
    return ImportRun(
        id=doc["_id"],
        account_id=doc["account_id"],
        kind=Kind(doc["kind"]),
        realm_id=doc["realm_id"],
        status=RunStatus(doc["status"]),
        owner=doc["owner"],
        lease_expires_at=utc(doc["lease_expires_at"]),
        started_at=utc(doc["started_at"]),
        finished_at=maybe_utc(doc.get("finished_at")),
        counts=Counts.from_dict(doc.get("counts") or {}),
        total=doc.get("total"),
        pages=doc.get("pages", 0),
        next_position=doc.get("next_position"),
        error=doc.get("error"),
        read=RunRead(doc.get("read", RunRead.FULL)),
    )


def tokens_doc(tokens: TokenSet) -> Doc:
    """Return the stored form of a token set (ciphertext and expiry times)."""
    return tokens_to_doc(tokens, utc)


def connection_doc(connection: QboConnection) -> Doc:
    """Return the document of a QBO connection, keyed by its account."""
    return {
        "_id": connection.account_id,
        "realm_id": connection.realm_id,
        "token_version": connection.token_version,
        **connection_to_doc(connection, utc),
    }


def connection_from(doc: Doc) -> QboConnection:
    """Build a QboConnection from its document."""
    return connection_from_doc(doc["_id"], doc["realm_id"], doc["token_version"], doc, maybe_utc)


# Leases are dated by the database server's clock ($$NOW), never a worker's: a worker whose clock
# is skewed can neither write a lease that has already run out nor judge a live one stale.
def lease_from_now(lease: timedelta) -> Doc:
    """Return an update pipeline expression: the server's now plus the lease."""
    return {"$add": ["$$NOW", round(lease.total_seconds() * 1000)]}


# A query part: the document's lease has run out by the server's clock.
LEASE_RUN_OUT: Doc = {"$expr": {"$lte": ["$lease_expires_at", "$$NOW"]}}


def literal(values: Doc) -> Doc:
    """Return values for an update pipeline's $set, taken as they are (no $ paths)."""
    return {key: {"$literal": value} for key, value in values.items()}
