"""Import runs on MongoDB: R8 by a unique partial index, leases by compare-and-set."""

from __future__ import annotations

from datetime import datetime

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from importer.domain.errors import LeaseLost, RunInProgress, StoreError
from importer.domain.model import Kind, Skipped, SkipReason
from importer.domain.runs import Checkpoint, ImportRun, RunStatus, run_lock
from storage.mongo.core import MongoCore
from storage.mongo.documents import Doc, run_doc, run_from, utc
from storage.runs import new_run

_RUNNING = RunStatus.RUNNING.value


class RunsMixin(MongoCore):
    """Import runs, their checkpoints and their skipped entries (one document per page)."""

    def _lost(self, run_id: str) -> LeaseLost:
        return LeaseLost(f"import run {run_id} is no longer owned by this worker")

    async def begin_run(
        self, account_id: str, kind: Kind, realm_id: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        """Start a run; raise RunInProgress with the running one if there is one (R8)."""
        lock = run_lock(account_id, kind)
        for _ in range(3):
            run = new_run(account_id, kind, realm_id, owner, utc(lease_until), self._now())
            self._trip()
            try:
                await self.database["import_runs"].insert_one(run_doc(run, lock))
                return run
            except DuplicateKeyError:
                self._trip()
                running = await self.database["import_runs"].find_one({"lock": lock})
            if running is not None:
                raise RunInProgress(run_from(running))
            # The running one finished between our insert and our read: try again.
        raise StoreError(f"could not start an import of {kind.value}: the lock kept changing")

    async def take_over_run(
        self, run_id: str, old_owner: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        """Move a stale run to a new owner; raise RunInProgress if someone else moved first."""
        self._trip()
        doc = await self.database["import_runs"].find_one_and_update(
            {"_id": run_id, "owner": old_owner, "status": _RUNNING},
            {"$set": {"owner": owner, "lease_expires_at": utc(lease_until)}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            taken = run_from(doc)
            # Skips its last owner saved for pages past its checkpoint (it died between the
            # two writes of save_checkpoint): those pages are read again, perhaps in other
            # batches, so their skips are saved anew.
            self._trip()
            await self.database["import_skips"].delete_many(
                {"run_id": run_id, "page_no": {"$gt": taken.pages}}
            )
            return taken
        run = await self.get_run(run_id)
        if run is None:
            raise StoreError(f"no import run {run_id}")
        raise RunInProgress(run)

    async def renew_lease(self, run_id: str, owner: str, lease_until: datetime) -> None:
        """Extend the lease; raise LeaseLost when the run has another owner."""
        self._trip()
        result = await self.database["import_runs"].update_one(
            {"_id": run_id, "owner": owner, "status": _RUNNING},
            {"$set": {"lease_expires_at": utc(lease_until)}},
        )
        if not result.matched_count:
            raise self._lost(run_id)

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        """Store a batch's outcome in two round trips; raise LeaseLost if not the owner."""
        progress: Doc = {
            "counts": checkpoint.counts.as_dict(),
            "pages": checkpoint.page_no,
            "next_position": checkpoint.next_position,
        }
        if checkpoint.total is not None:
            progress["total"] = checkpoint.total
        # Skips first, counts second: a crash in between leaves the batch unsaved, so its pages
        # are read again (take_over_run drops the orphaned skips). One document per batch keeps
        # every document bounded: at most 4 pages of 1,000 skips.
        page = {"_id": f"{run_id}:{checkpoint.page_no}"}
        skips = self.database["import_skips"]
        self._trip()
        if checkpoint.skipped:
            entries = [skip_entry(entry) for entry in checkpoint.skipped]
            await skips.replace_one(
                page,
                {"run_id": run_id, "page_no": checkpoint.page_no, "entries": entries},
                upsert=True,
            )
        else:
            await skips.delete_one(page)
        self._trip()
        result = await self.database["import_runs"].update_one(
            {"_id": run_id, "owner": owner, "status": _RUNNING}, {"$set": progress}
        )
        if not result.matched_count:
            raise self._lost(run_id)

    async def finish_run(
        self, run_id: str, owner: str, status: RunStatus, error: str | None = None
    ) -> ImportRun:
        """Mark the run finished and release its account+kind lock."""
        self._trip()
        doc = await self.database["import_runs"].find_one_and_update(
            {"_id": run_id, "owner": owner, "status": _RUNNING},
            {
                "$set": {"status": status.value, "finished_at": self._now(), "error": error},
                "$unset": {"lock": ""},
            },
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise self._lost(run_id)
        return run_from(doc)

    async def get_run(self, run_id: str) -> ImportRun | None:
        """Return the run with this id."""
        self._trip()
        doc = await self.database["import_runs"].find_one({"_id": run_id})
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
            self.database["import_runs"].find(query).sort([("started_at", DESCENDING)]).limit(limit)
        )
        return [run_from(doc) for doc in await cursor.to_list(None)]

    async def skipped_entries(
        self, run_id: str, limit: int = 100, offset: int = 0
    ) -> list[Skipped]:
        """Return a run's skipped names with their reasons, in the order met."""
        if limit <= 0:
            return []  # MongoDB refuses $limit 0
        pipeline: list[Doc] = [
            {"$match": {"run_id": run_id}},
            {"$sort": {"page_no": 1}},
            {"$unwind": "$entries"},
            {"$skip": offset},
            {"$limit": limit},
        ]
        docs = await self._aggregate(self.database["import_skips"], pipeline)
        return [
            Skipped(
                doc["entries"]["qbo_id"],
                doc["entries"]["name"],
                SkipReason(doc["entries"]["reason"]),
                doc["entries"].get("existing_name"),
            )
            for doc in docs
        ]


def skip_entry(entry: Skipped) -> Doc:
    """Return a skipped record as stored in its batch's import_skips document."""
    doc: Doc = {"qbo_id": entry.qbo_id, "name": entry.name, "reason": entry.reason.value}
    if entry.existing_name is not None:
        doc["existing_name"] = entry.existing_name
    return doc
