"""Import jobs on MongoDB: R8 by a unique multikey index on the active job's locks, one running
job per account by a unique partial index."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from importer.domain.errors import JobInProgress, LeaseLost, StoreError
from importer.domain.jobs import Job, JobStatus
from importer.domain.messages import N_, Text
from storage.jobs import error_data, job_from_doc, job_to_doc
from storage.mongo.core import MongoCore
from storage.mongo.documents import (
    LEASE_RUN_OUT,
    Doc,
    lease_from_now,
    literal,
    maybe_utc,
    plain,
    utc,
)

JOB_INDEXES = [
    # R8: an active job holds "account:kind" for each of its kinds; finishing unsets them.
    IndexModel(
        [("locks", ASCENDING)],
        name="one_active_per_kind",
        unique=True,
        partialFilterExpression={"locks": {"$exists": True}},
    ),
    # QBO's limits are per company: one running job per account at a time.
    IndexModel(
        [("running_account", ASCENDING)],
        name="one_running_per_account",
        unique=True,
        partialFilterExpression={"running_account": {"$type": "string"}},
    ),
    IndexModel([("status", ASCENDING), ("created_at", ASCENDING)], name="due"),
    IndexModel([("account_id", ASCENDING), ("created_at", DESCENDING)], name="newest"),
]

# Queued jobs looked at per claim: enough to get past accounts that already run a job.
_CANDIDATES = 50


def _job(doc: Doc) -> Job:
    return job_from_doc(doc["_id"], doc, maybe_utc)


class JobsMixin(MongoCore):
    """The job queue."""

    async def migrate(self) -> None:
        """Create the indexes, the jobs' among them; safe to run again."""
        await super().migrate()
        self._trip()
        await self.database["jobs"].create_indexes(JOB_INDEXES)

    async def enqueue_job(self, job: Job) -> Job:
        """Keep a new queued job; raise JobInProgress with the active job holding a kind (R8)."""
        doc = {"_id": job.id, **plain(job_to_doc(job, utc)), "locks": job.locks}
        for _ in range(3):
            self._trip()
            try:
                await self.database["jobs"].insert_one(doc)
                return job
            except DuplicateKeyError:
                self._trip()
                held = await self.database["jobs"].find_one({"locks": {"$in": job.locks}})
            if held is not None:
                raise JobInProgress(_job(held))
            # The active job finished between our insert and our read: try again.
        raise StoreError(N_("could not queue the import: the lock kept changing"))

    async def claim_job(self, owner: str, lease_seconds: float) -> Job | None:
        """Take the next job to run: a job whose worker died, or the oldest due queued job."""
        now = self._now()
        lease = lease_from_now(timedelta(seconds=lease_seconds))
        jobs = self.database["jobs"]
        self._trip()
        doc = await jobs.find_one_and_update(
            {"status": JobStatus.RUNNING.value, **LEASE_RUN_OUT},
            [
                {
                    "$set": {
                        "owner": {"$literal": owner},
                        "lease_expires_at": lease,
                        "attempts": {"$add": ["$attempts", 1]},
                    }
                }
            ],
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return _job(doc)
        self._trip()
        cursor = (
            jobs.find(
                {
                    "status": JobStatus.QUEUED.value,
                    "$or": [{"not_before": None}, {"not_before": {"$lte": now}}],
                },
                {"_id": 1, "account_id": 1, "started_at": 1},
            )
            .sort([("created_at", ASCENDING)])
            .limit(_CANDIDATES)
        )
        for candidate in await cursor.to_list(None):
            self._trip()
            try:
                doc = await jobs.find_one_and_update(
                    {"_id": candidate["_id"], "status": JobStatus.QUEUED.value},
                    [
                        {
                            "$set": {
                                **literal(
                                    {
                                        "status": JobStatus.RUNNING.value,
                                        "running_account": candidate["account_id"],
                                        "owner": owner,
                                        "started_at": candidate.get("started_at") or now,
                                    }
                                ),
                                "lease_expires_at": lease,
                                "attempts": {"$add": ["$attempts", 1]},
                            }
                        }
                    ],
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # the account runs another job; QBO's limits are per company
            if doc is not None:
                return _job(doc)
        return None

    def _owned(self, job_id: str, owner: str) -> Doc:
        return {"_id": job_id, "owner": owner, "status": JobStatus.RUNNING.value}

    async def _update_owned(self, job_id: str, owner: str, update: Doc | list[Doc]) -> Doc:
        self._trip()
        doc = await self.database["jobs"].find_one_and_update(
            self._owned(job_id, owner), update, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise LeaseLost(f"job {job_id} is no longer held by this worker")
        return doc

    async def renew_job(self, job_id: str, owner: str, lease_seconds: float) -> None:
        """Extend the lease; raise LeaseLost when another worker holds the job."""
        lease = lease_from_now(timedelta(seconds=lease_seconds))
        await self._update_owned(job_id, owner, [{"$set": {"lease_expires_at": lease}}])

    async def save_job_progress(self, job_id: str, owner: str, progress: Mapping[str, Any]) -> None:
        """Keep the job's counts so far; raise LeaseLost when another worker holds the job."""
        await self._update_owned(job_id, owner, {"$set": {"progress": plain(progress)}})

    async def save_job_reply(self, job_id: str, owner: str, reply_to: Mapping[str, Any]) -> None:
        """Keep where the job's messages are; LeaseLost when another worker holds the job."""
        await self._update_owned(job_id, owner, {"$set": {"reply_to": plain(reply_to)}})

    async def requeue_job(
        self, job_id: str, owner: str, not_before: datetime, error: Text | None
    ) -> Job:
        """Hand a job back: queued again, due at not_before."""
        doc = await self._update_owned(
            job_id,
            owner,
            {
                "$set": {
                    "status": JobStatus.QUEUED.value,
                    "owner": None,
                    "lease_expires_at": None,
                    "not_before": utc(not_before),
                    "error": error_data(error),
                },
                "$unset": {"running_account": ""},
            },
        )
        return _job(doc)

    async def finish_job(
        self,
        job_id: str,
        owner: str,
        status: JobStatus,
        *,
        error: Text | None = None,
        outcome: Mapping[str, Any] | None = None,
    ) -> Job:
        """End a job and free its kinds; LeaseLost if not the owner."""
        doc = await self._update_owned(
            job_id,
            owner,
            {
                "$set": {
                    "status": status.value,
                    "lease_expires_at": None,
                    "finished_at": self._now(),
                    "error": error_data(error),
                    "outcome": None if outcome is None else plain(outcome),
                },
                "$unset": {"running_account": "", "locks": ""},
            },
        )
        return _job(doc)

    async def running_jobs(self) -> list[Job]:
        """Return the jobs workers hold now."""
        self._trip()
        cursor = self.database["jobs"].find({"status": JobStatus.RUNNING.value})
        return [_job(doc) for doc in await cursor.sort([("created_at", ASCENDING)]).to_list(None)]

    async def release_job(self, job_id: str, owner: str) -> bool:
        """End a dead owner's lease now (only if it still holds the job)."""
        self._trip()
        result = await self.database["jobs"].update_one(
            self._owned(job_id, owner), [{"$set": {"lease_expires_at": "$$NOW"}}]
        )
        return result.modified_count == 1

    async def get_job(self, job_id: str) -> Job | None:
        """Return the job with this id."""
        self._trip()
        doc = await self.database["jobs"].find_one({"_id": job_id})
        return None if doc is None else _job(doc)

    async def list_jobs(self, account_id: str | None = None, limit: int = 20) -> list[Job]:
        """Return the newest jobs first, of one account or of all."""
        if limit <= 0:
            return []
        query: Doc = {} if account_id is None else {"account_id": account_id}
        self._trip()
        cursor = self.database["jobs"].find(query).sort([("created_at", DESCENDING)]).limit(limit)
        return [_job(doc) for doc in await cursor.to_list(None)]
