"""The mutable state of one simulated company: name lists kept sorted by numeric Id."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from qbo_simulator import catalog, seed, volume
from qbo_simulator.envelopes import qbo_time
from qbo_simulator.query import Query
from qbo_simulator.search import active_condition, run

Record = dict[str, Any]
ENTITIES = ("Customer", "Item", "Account", "TaxCode", "Vendor", "Employee")
# Queryable properties besides those the records carry (Intuit lists them as filterable).
EXTRA_FIELDS = ("MetaData.CreateTime", "MetaData.LastUpdatedTime", "Sku", "ParentRef", "Level")


@dataclass
class EntityList:
    """Records of one entity, sorted by numeric Id, with lookups and an active-row cache."""

    name: str
    rows: list[Record] = field(default_factory=list)
    by_id: dict[str, Record] = field(default_factory=dict)
    stamps: dict[str, float] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    gone: dict[str, Record] = field(default_factory=dict)
    last_id: int = 0
    version: int = 0
    _active: tuple[int, list[Record], list[Record]] | None = None
    selections: dict[tuple[Any, ...], list[Record]] = field(default_factory=dict)

    def append(self, record: Record, stamp: float) -> None:
        """Add a record whose Id is larger than every existing one."""
        self.rows.append(record)
        self.by_id[record["Id"]] = record
        self.stamps[record["Id"]] = stamp
        self.last_id = max(self.last_id, int(record["Id"]))
        self.version += 1

    def remove(self, record_id: str, stub: Record, stamp: float) -> None:
        """Drop a record for good, leaving the `Deleted` stub CDC reports in its place."""
        self.rows.remove(self.by_id.pop(record_id))
        self.stamps.pop(record_id)
        self.stamps[record_id] = stamp
        self.gone[record_id] = stub
        self.version += 1

    def learn_fields(self, record: Record) -> None:
        """Make a record's properties (one nesting level deep) queryable."""
        for key, value in record.items():
            self.fields.setdefault(key.lower(), key)
            if isinstance(value, dict):
                for inner in value:
                    self.fields.setdefault(f"{key}.{inner}".lower(), f"{key}.{inner}")

    def split_active(self) -> tuple[list[Record], list[Record]]:
        """Return (active, inactive) rows, cached until the list changes."""
        if self._active is None or self._active[0] != self.version:
            active = [r for r in self.rows if r.get("Active", True)]
            inactive = [r for r in self.rows if not r.get("Active", True)]
            self._active = (self.version, active, inactive)
        return self._active[1], self._active[2]

    def next_id(self) -> str:
        """Return the Id the next created record gets (QBO never reuses a deleted one's)."""
        return str(self.last_id + 1)


class Company:
    """One QBO company: seed data, generated volume, and the writes made since."""

    def __init__(self, realm_id: str, customers: int = 29, items: int = 18, seed_value: int = 1):
        self.realm_id = realm_id
        self.lists = {name: EntityList(name) for name in ENTITIES}
        self.info = seed.company_info(realm_id)
        self.preferences = seed.preferences()
        now = time.time()
        created = now - 45 * 86400
        for record in (self.info, self.preferences):
            record["MetaData"] = _meta(created, created)
        self._load("Account", [seed.seed_account(row) for row in seed.ACCOUNTS], created)
        self._load("TaxCode", seed.tax_codes(), created)
        names = {a["Id"]: a["Name"] for a in self.lists["Account"].rows}
        people = [seed.seed_customer(row) for row in seed.CUSTOMERS[:customers]]
        seed.fix_names(people)
        self._load("Customer", people, created)
        goods = [seed.seed_item(row, names) for row in seed.ITEMS[:items]]
        self._load("Item", goods, created)
        for name in ENTITIES:
            lst = self.lists[name]
            for record in lst.rows:
                lst.learn_fields(record)
            for extra in EXTRA_FIELDS:
                lst.fields.setdefault(extra.lower(), extra)
        if customers > len(people):
            more = volume.customers(len(people) + 1, customers - len(people), seed_value)
            self._load("Customer", more, now - 400 * 86400, spread=400 * 86400)
        if items > len(goods):
            incomes = [a["Id"] for a in self.lists["Account"].rows if a["AccountType"] == "Income"]
            more = catalog.items(len(goods) + 1, items - len(goods), seed_value, incomes)
            self._load("Item", more, now - 400 * 86400, spread=400 * 86400)

    def _load(self, entity: str, records: list[Record], start: float, spread: float = 0) -> None:
        lst = self.lists[entity]
        step = spread / max(len(records), 1)
        # Formatting a timestamp is the slow part of generation; share one per minute.
        cache: dict[int, str] = {}
        for index, record in enumerate(records):
            stamp = start + index * step + index % 60
            minute = int(stamp // 60)
            text = cache.get(minute)
            if text is None:
                text = cache[minute] = qbo_time(_utc(minute * 60), millis=False)
            record["MetaData"] = {"CreateTime": text, "LastUpdatedTime": text}
            lst.append(record, minute * 60)

    # Lookups -------------------------------------------------------------------------------

    def get(self, entity: str, record_id: str) -> Record | None:
        """Return a record by entity name and Id, active or not."""
        lst = self.lists.get(entity)
        return None if lst is None else lst.by_id.get(record_id)

    def select(self, query: Query) -> list[Record]:
        """Return every row a query selects, ordered, before paging (cached between pages)."""
        lst = self.lists[query.entity]
        key = (lst.version, query.where, query.order)
        cached = lst.selections.get(key)
        if cached is None:
            if len(lst.selections) >= 16 or any(k[0] != lst.version for k in lst.selections):
                lst.selections.clear()
            cached = lst.selections[key] = self._select(query)
        return cached

    def _select(self, query: Query) -> list[Record]:
        lst = self.lists[query.entity]
        active, inactive = lst.split_active()
        condition = active_condition(query)
        wanted = (
            None
            if condition is None
            else {v is True or str(v).lower() == "true" for v in condition.values}
        )
        if condition is not None and condition.op not in ("=", "IN"):
            return run(query, lst.rows, lst.fields, skip_active=False)
        if wanted is None or wanted == {True}:
            rows = active
        elif wanted == {False}:
            rows = inactive
        else:
            rows = lst.rows
        return run(query, rows, lst.fields, skip_active=True)

    def changed_since(self, entity: str, since: float) -> list[Record]:
        """Return the records of an entity changed at or after `since`, stubs for deleted ones."""
        lst = self.lists[entity]
        return [
            lst.by_id.get(i) or lst.gone[i] for i, stamp in lst.stamps.items() if stamp >= since
        ]

    def names_taken(self, name: str, *, exclude: str = "") -> bool:
        """Say whether a customer, vendor or employee already uses this display name."""
        key = name.casefold()
        for entity in ("Customer", "Vendor", "Employee"):
            for record in self.lists[entity].rows:
                if record["DisplayName"].casefold() == key and record["Id"] != exclude:
                    return True
        return False

    def item_name_taken(self, name: str, *, exclude: str = "") -> bool:
        """Say whether another item already uses this name."""
        key = name.casefold()
        return any(
            r["Name"].casefold() == key and r["Id"] != exclude for r in self.lists["Item"].rows
        )

    # Writes (used by the API after validation, and directly by tests) ------------------------

    def store(self, entity: str, record: Record) -> Record:
        """Insert a new record (Id assigned) or replace an existing one, stamping MetaData."""
        lst = self.lists[entity]
        now = time.time()
        text = qbo_time(_utc(now), millis=False)
        previous = lst.by_id.get(record.get("Id", ""))
        if previous is None:
            record["Id"] = lst.next_id()
            record["SyncToken"] = "0"
            record["MetaData"] = {"CreateTime": text, "LastUpdatedTime": text}
            record.setdefault("domain", "QBO")
            record.setdefault("sparse", False)
            lst.append(record, now)
        else:
            record["SyncToken"] = str(int(previous["SyncToken"]) + 1)
            record["MetaData"] = {
                "CreateTime": previous["MetaData"]["CreateTime"],
                "LastUpdatedTime": text,
            }
            lst.rows[lst.rows.index(previous)] = record
            lst.by_id[record["Id"]] = record
            lst.stamps.pop(record["Id"])
            lst.stamps[record["Id"]] = now
            lst.version += 1
        self._place(entity, record)
        lst.learn_fields(record)
        if previous is not None and previous.get("FullyQualifiedName") != record.get(
            "FullyQualifiedName"
        ):
            for child in lst.rows:
                if child.get("ParentRef", {}).get("value") == record["Id"]:
                    self._place(entity, child)
        return record

    def _place(self, entity: str, record: Record) -> None:
        """Derive FullyQualifiedName and Level from the parent, as QBO does."""
        key = "DisplayName" if entity == "Customer" else "Name"
        if entity not in ("Customer", "Item") or key not in record:
            return
        parent = self.get(entity, record.get("ParentRef", {}).get("value", ""))
        if parent is None:
            record["FullyQualifiedName"] = record[key]
            return
        record["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{record[key]}"
        record["Level"] = parent.get("Level", 0) + 1
        record["ParentRef"] = {"value": parent["Id"], "name": parent[key]}

    def add_customer(self, display_name: str, **fields: Any) -> Record:
        """Add a customer directly (no duplicate checks), e.g. to stage a test."""
        record: Record = {
            "DisplayName": display_name,
            "PrintOnCheckName": display_name,
            "FullyQualifiedName": display_name,
            "Active": True,
            "Job": False,
            "Taxable": False,
            "Balance": 0,
            "BalanceWithJobs": 0,
            "CurrencyRef": dict(seed.USD),
            "PreferredDeliveryMethod": "Print",
        }
        record.update(fields)
        return self.store("Customer", record)

    def add_item(self, name: str, type: str = "Service", **fields: Any) -> Record:
        """Add an item directly (no duplicate checks), e.g. to stage a test."""
        record: Record = {"Name": name, "FullyQualifiedName": name, "Active": True, "Type": type}
        if type not in ("Category", "Group"):
            record["IncomeAccountRef"] = {"value": "1", "name": "Services"}
            record["UnitPrice"] = 0
        record.update(fields)
        return self.store("Item", record)

    def update(self, entity: str, record_id: str, **fields: Any) -> Record:
        """Change fields of a record as a sparse update would (SyncToken and time bump)."""
        current = self.get(entity, record_id)
        if current is None:
            raise KeyError(f"no {entity} with Id {record_id}")
        return self.store(entity, {**current, **fields})

    def deactivate(self, entity: str, record_id: str) -> Record:
        """Make a name-list record inactive, QBO's form of deletion."""
        return self.update(entity, record_id, Active=False)

    def merge(self, entity: str, record_id: str, into: str) -> Record:
        """Merge a record into another, as the QBO UI does: the merged-away one is deleted."""
        lst = self.lists.get(entity, EntityList(entity))
        for wanted in (record_id, into):
            if wanted not in lst.by_id:
                raise KeyError(f"no {entity} with Id {wanted}")
        if record_id == into:
            raise ValueError(f"cannot merge {entity} {record_id} into itself")
        if any(r.get("ParentRef", {}).get("value") == record_id for r in lst.rows):
            raise ValueError(f"{entity} {record_id} has sub-records; move them first")
        gone, survivor = lst.by_id[record_id], lst.by_id[into]
        now = time.time()
        meta = {"LastUpdatedTime": qbo_time(_utc(now), millis=False)}
        stub = {"Id": record_id, "status": "Deleted", "domain": "QBO", "MetaData": meta}
        lst.remove(record_id, stub, now)
        # The survivor takes over the merged record's transactions, hence its balance.
        merged: Record = {**survivor}
        for key in ("Balance", "BalanceWithJobs"):
            if key in gone:
                merged[key] = survivor.get(key, 0) + gone[key]
        return self.store(entity, merged)

    def rename(self, entity: str, record_id: str, name: str) -> Record:
        """Give a customer a new DisplayName or an item a new Name."""
        key = "DisplayName" if entity in ("Customer", "Vendor", "Employee") else "Name"
        return self.update(entity, record_id, **{key: name, "FullyQualifiedName": name})


def _meta(created: float, updated: float) -> dict[str, str]:
    return {
        "CreateTime": qbo_time(_utc(created), millis=False),
        "LastUpdatedTime": qbo_time(_utc(updated), millis=False),
    }


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
