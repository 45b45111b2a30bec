"""Import runs on MongoDB: R8 by a unique partial index, leases by compare-and-set."""

from __future__ import annotations

from datetime import timedelta

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from importer.domain.errors import LeaseLost, RunInProgress, StoreError
from importer.domain.messages import N_
from importer.domain.model import Kind, Skipped, SkipReason
from importer.domain.runs import Checkpoint, ImportRun, RunRead, RunStatus, run_lock
from storage.mongo.core import MongoCore
from storage.mongo.documents import Doc, lease_from_now, literal, run_doc, run_from, utc
from storage.runs import LOST, new_run

_RUNNING = RunStatus.RUNNING.value


# What get_run and list_runs leave out: the latest batch's skips, which skipped_entries reads.
_WITHOUT_PENDING: Doc = {"pending_skips": 0}


class RunsMixin(MongoCore):
    """Import runs, their checkpoints and their skipped entries (one document per batch).

    A checkpoint is one compare-and-set on the run document, which checks ownership and keeps the
    batch's skips beside the counts (pending_skips); the skips are then copied into import_skips.
    A worker that lost its run changes nothing; one that dies between the two writes loses
    nothing: whoever touches the run next copies them (take_over_run, end_run, cancel_run), and
    skipped_entries reads them from the run meanwhile.
    """

    def _lost(self, run_id: str) -> LeaseLost:
        return LeaseLost(LOST, run_id=run_id)

    async def begin_run(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        owner: str,
        lease: timedelta,
        *,
        read: RunRead = RunRead.FULL,
    ) -> ImportRun:
        """Start a run; raise RunInProgress with the run holding the lock if there is one (R8)."""
        lock = run_lock(account_id, kind)
        runs = self.database["import_runs"]
        for _ in range(3):
            now = self._now()
            run = new_run(account_id, kind, realm_id, owner, now, now, read)
            fields = run_doc(run, lock)
            del fields["lease_expires_at"]
            self._trip()
            try:
                doc = await runs.find_one_and_update(
                    {"_id": run.id},
                    [{"$set": {**literal(fields), "lease_expires_at": lease_from_now(lease)}}],
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                assert doc is not None  # an upsert returns what it wrote
                return run_from(doc)
            except DuplicateKeyError:
                self._trip()
                holder = await runs.find_one({"lock": lock}, _WITHOUT_PENDING)
            if holder is not None:
                raise RunInProgress(run_from(holder))
            # The run holding the lock ended between our insert and our read: try again.
        raise StoreError(
            N_("could not start an import of {kind}: the lock kept changing"), kind=kind.noun
        )

    @staticmethod
    def _takeable(seen: ImportRun, owner_gone: bool) -> Doc:
        """Still as seen, holding its lock, and failed or stale by the server's clock."""
        query: Doc = {
            "_id": seen.id,
            "owner": seen.owner,
            "lease_expires_at": utc(seen.lease_expires_at),
            "status": seen.status.value,
            "lock": {"$type": "string"},
        }
        if seen.status is RunStatus.RUNNING and not owner_gone:
            query["$expr"] = {"$lte": ["$lease_expires_at", "$$NOW"]}
        return query

    async def _as_it_is(self, run_id: str) -> RunInProgress:
        run = await self.get_run(run_id)
        if run is None:
            raise StoreError(N_("no import run {run}"), run=run_id)
        return RunInProgress(run)

    async def _copy_pending(self, doc: Doc) -> None:
        """Copy the skips of the run's latest checkpoint into import_skips (idempotent)."""
        pending = doc.get("pending_skips")
        if pending is None:
            return
        page = {"_id": f"{doc['_id']}:{pending['page_no']}"}
        self._trip()
        if pending["entries"]:
            await self.database["import_skips"].replace_one(
                page,
                {
                    "run_id": doc["_id"],
                    "page_no": pending["page_no"],
                    "entries": pending["entries"],
                },
                upsert=True,
            )
        else:
            await self.database["import_skips"].delete_one(page)

    async def take_over_run(
        self, seen: ImportRun, owner: str, lease: timedelta, *, owner_gone: bool = False
    ) -> ImportRun:
        """Resume a failed or stale run for a new owner: one compare-and-set on what was seen."""
        self._trip()
        doc = await self.database["import_runs"].find_one_and_update(
            self._takeable(seen, owner_gone),
            [
                {
                    "$set": {
                        **literal(
                            {"owner": owner, "status": _RUNNING, "finished_at": None, "error": None}
                        ),
                        "lease_expires_at": lease_from_now(lease),
                    }
                }
            ],
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise await self._as_it_is(seen.id)
        await self._copy_pending(doc)
        return run_from(doc)

    def _ended(self, reason: str) -> Doc:
        return {
            "$set": {"status": RunStatus.FAILED.value, "finished_at": self._now(), "error": reason},
            "$unset": {"lock": ""},
        }

    async def end_run(self, seen: ImportRun, reason: str, *, owner_gone: bool = False) -> ImportRun:
        """End a failed or stale run for good: one compare-and-set on what was seen."""
        self._trip()
        doc = await self.database["import_runs"].find_one_and_update(
            self._takeable(seen, owner_gone),
            self._ended(reason),
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise await self._as_it_is(seen.id)
        await self._copy_pending(doc)
        return run_from(doc)

    async def cancel_run(self, account_id: str, kind: Kind, reason: str) -> ImportRun | None:
        """End the run holding the account and kind's lock, live or not, for good."""
        self._trip()
        doc = await self.database["import_runs"].find_one_and_update(
            {"lock": run_lock(account_id, kind)},
            self._ended(reason),
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        await self._copy_pending(doc)
        return run_from(doc)

    async def renew_lease(self, run_id: str, owner: str, lease: timedelta) -> None:
        """Extend the lease; raise LeaseLost when the run is no longer this owner's."""
        self._trip()
        result = await self.database["import_runs"].update_one(
            {"_id": run_id, "owner": owner, "status": _RUNNING},
            [{"$set": {"lease_expires_at": lease_from_now(lease)}}],
        )
        if not result.matched_count:
            raise self._lost(run_id)

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        """Store a batch's outcome in two round trips; raise LeaseLost if not the owner."""
        entries = [skip_entry(entry) for entry in checkpoint.skipped]
        progress: Doc = {
            "counts": checkpoint.counts.as_dict(),
            "pages": checkpoint.page_no,
            "next_position": checkpoint.next_position,
            # At most 4 pages of 1,000 skips, names cut to 500 characters: bounded.
            "pending_skips": {"page_no": checkpoint.page_no, "entries": entries},
        }
        if checkpoint.total is not None:
            progress["total"] = checkpoint.total
        # Ownership and the whole batch in one step; a worker that lost its run stops here.
        self._trip()
        result = await self.database["import_runs"].update_one(
            {"_id": run_id, "owner": owner, "status": _RUNNING}, {"$set": progress}
        )
        if not result.matched_count:
            raise self._lost(run_id)
        await self._copy_pending({"_id": run_id, "pending_skips": progress["pending_skips"]})

    async def finish_run(
        self, run_id: str, owner: str, status: RunStatus, error: str | None = None
    ) -> ImportRun:
        """Mark the run finished; a succeeded one releases the lock, a failed one keeps it."""
        update: Doc = {"$set": {"status": status.value, "finished_at": self._now(), "error": error}}
        if status is RunStatus.SUCCEEDED:
            update["$unset"] = {"lock": ""}
        self._trip()
        doc = await self.database["import_runs"].find_one_and_update(
            {"_id": run_id, "owner": owner, "status": _RUNNING},
            update,
            projection=_WITHOUT_PENDING,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise self._lost(run_id)
        return run_from(doc)

    async def take_company_lease(
        self, realm_id: str, owner: str, lease: timedelta, *, gone_owner: str | None = None
    ) -> str | None:
        """Hold the company for owner if it is free, ours, gone or run out by the server's
        clock: one compare-and-set (an upsert that a live holder's document refuses)."""
        takeable: list[Doc] = [
            {"owner": owner},
            {"$expr": {"$lte": ["$lease_expires_at", "$$NOW"]}},
        ]
        if gone_owner is not None:
            takeable.append({"owner": gone_owner})
        leases = self.database["company_leases"]
        for _ in range(3):
            self._trip()
            try:
                await leases.update_one(
                    {"_id": realm_id, "$or": takeable},
                    [
                        {
                            "$set": {
                                "owner": {"$literal": owner},
                                "lease_expires_at": lease_from_now(lease),
                            }
                        }
                    ],
                    upsert=True,
                )
                return None
            except DuplicateKeyError:
                self._trip()
                holder = await leases.find_one({"_id": realm_id})
            if holder is not None:
                return str(holder["owner"])
            # Released between our upsert and our read: try again.
        raise StoreError(
            N_("could not take the lease of QuickBooks company {realm_id}"), realm_id=realm_id
        )

    async def release_company_lease(self, realm_id: str, owner: str) -> None:
        """Let the company go if owner holds it."""
        self._trip()
        await self.database["company_leases"].delete_one({"_id": realm_id, "owner": owner})

    async def get_run(self, run_id: str) -> ImportRun | None:
        """Return the run with this id."""
        self._trip()
        doc = await self.database["import_runs"].find_one({"_id": run_id}, _WITHOUT_PENDING)
        return None if doc is None else run_from(doc)

    async def list_runs(
        self, account_id: str, kind: Kind | None = None, limit: int = 10
    ) -> list[ImportRun]:
        """Return the newest runs first."""
        if limit <= 0:
            return []  # MongoDB reads a limit of 0 as "no limit"
        query: Doc = {"account_id": account_id}
        if kind is not None:
            query["kind"] = kind.value
        self._trip()
        cursor = (
            self.database["import_runs"]
            .find(query, _WITHOUT_PENDING)
            .sort([("started_at", DESCENDING)])
            .limit(limit)
        )
        return [run_from(doc) for doc in await cursor.to_list(None)]

    async def skipped_entries(
        self, run_id: str, limit: int = 100, offset: int = 0
    ) -> list[Skipped]:
        """Return a run's skipped names with their reasons, in the order met.

        The latest batch's skips are read from the run (they may not be copied yet), after the
        earlier batches': its page is the run's last.
        """
        if limit <= 0:
            return []  # MongoDB refuses $limit 0
        self._trip()
        run = await self.database["import_runs"].find_one({"_id": run_id}, {"pending_skips": 1})
        pending = (run or {}).get("pending_skips")
        match: Doc = {"run_id": run_id}
        if pending is not None:
            match["page_no"] = {"$lt": pending["page_no"]}
        unwound: list[Doc] = [{"$match": match}, {"$sort": {"page_no": 1}}, {"$unwind": "$entries"}]
        docs = await self._aggregate(
            self.database["import_skips"], [*unwound, {"$skip": offset}, {"$limit": limit}]
        )
        entries = [doc["entries"] for doc in docs]
        if pending is not None and len(entries) < limit:
            start = 0
            if not entries:
                counted = await self._aggregate(
                    self.database["import_skips"], [*unwound, {"$count": "n"}]
                )
                start = max(0, offset - (counted[0]["n"] if counted else 0))
            entries += pending["entries"][start : start + limit - len(entries)]
        return [
            Skipped(
                entry["qbo_id"],
                entry["name"],
                SkipReason(entry["reason"]),
                entry.get("existing_name"),
            )
            for entry in entries
        ]


def skip_entry(entry: Skipped) -> Doc:
    """Return a skipped record as stored in its batch's import_skips document."""
    doc: Doc = {"qbo_id": entry.qbo_id, "name": entry.name, "reason": entry.reason.value}
    if entry.existing_name is not None:
        doc["existing_name"] = entry.existing_name
    return doc
