"""Create and update customers and items the way QBO validates them."""

from __future__ import annotations

import copy
from typing import Any

from qbo_simulator.data import Company, Record

NAME_FIELDS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
READ_ONLY = (
    "Id",
    "SyncToken",
    "MetaData",
    "domain",
    "sparse",
    "FullyQualifiedName",
    "Level",
    "Balance",
    "BalanceWithJobs",
    "V4IDPseudonym",
)
SALES_TYPES = ("Service", "NonInventory", "Inventory")


class WriteFault(Exception):
    """A write QBO would refuse with a 400 ValidationFault."""

    def __init__(self, code: str, message: str, detail: str, element: str = "") -> None:
        super().__init__(detail)
        self.code, self.message, self.detail, self.element = code, message, detail, element


def not_found() -> WriteFault:
    """Return QBO's fault for an Id it does not know (or no longer has)."""
    return WriteFault(
        "610",
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
    )


def invalid_body() -> WriteFault:
    """Return QBO's fault for a request body that is not the JSON it expects."""
    return WriteFault("2310", "Invalid Request Body", "Request has invalid or unsupported JSON")


def required(name: str) -> WriteFault:
    """Return QBO's fault for a field the request must carry and does not."""
    return WriteFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        name,
    )


def _duplicate(kind: str) -> WriteFault:
    return WriteFault(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {kind} is already using this name. "
        "Please use a different name.",
    )


def _check_chars(name: str, element: str) -> None:
    if any(char in name for char in ":\t\n"):
        raise WriteFault(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: The name can't contain a colon (:), tab or new line.",
            element,
        )


def save(company: Company, entity: str, body: dict[str, Any]) -> Record:
    """Create (no Id) or update (Id + SyncToken, full or sparse) a customer or item."""
    incoming = copy.deepcopy(body)
    sparse = bool(incoming.pop("sparse", False))
    record_id = incoming.get("Id")
    if record_id is None:
        record = {k: v for k, v in incoming.items() if k not in READ_ONLY}
        record.setdefault("Active", True)
        _validate(company, entity, record, exclude="")
        return company.store(entity, _defaults(entity, record))
    current = company.get(entity, str(record_id))
    if current is None:
        raise not_found()
    if str(incoming.get("SyncToken")) != current["SyncToken"]:
        raise WriteFault(
            "5010",
            "Stale Object Error",
            "Stale Object Error : You and root were working on this at the same time. root "
            "finished before you did, so your work was not saved.",
        )
    changes = {k: v for k, v in incoming.items() if k not in READ_ONLY}
    if sparse:
        record = {**copy.deepcopy(current), **changes}
    else:
        keep = {k: current[k] for k in READ_ONLY if k in current}
        record = {**keep, **changes}
        record.setdefault("Active", True)
    _validate(company, entity, record, exclude=current["Id"])
    return company.store(entity, record)


def _validate(company: Company, entity: str, record: Record, *, exclude: str) -> None:
    if entity == "Customer":
        if not record.get("DisplayName"):
            parts = [str(record[k]) for k in NAME_FIELDS if record.get(k)]
            if not parts:
                raise required("DisplayName")
            record["DisplayName"] = " ".join(parts)
        for key in ("DisplayName", *NAME_FIELDS):
            if record.get(key):
                _check_chars(str(record[key]), key)
        if company.names_taken(record["DisplayName"], exclude=exclude):
            raise _duplicate("customer, vendor or employee")
        parent = record.get("ParentRef")
        if parent and company.get("Customer", str(parent.get("value"))) is None:
            raise _invalid_reference("ParentRef")
        record["Job"] = bool(parent)
        record.setdefault("PrintOnCheckName", record["DisplayName"])
        return
    if not record.get("Name"):
        raise required("Name")
    _check_chars(str(record["Name"]), "Name")
    if company.item_name_taken(record["Name"], exclude=exclude):
        raise _duplicate("product or service")
    record.setdefault("Type", "NonInventory")
    if record["Type"] in SALES_TYPES:
        income = record.get("IncomeAccountRef")
        if not income:
            raise required("IncomeAccountRef")
        account = company.get("Account", str(income.get("value")))
        if account is None:
            raise _invalid_reference("IncomeAccountRef")
        income["name"] = account["Name"]
    parent = record.get("ParentRef")
    if parent and company.get("Item", str(parent.get("value"))) is None:
        raise _invalid_reference("ParentRef")
    record["SubItem"] = bool(parent)


def _invalid_reference(element: str) -> WriteFault:
    return WriteFault(
        "2500", "Invalid Reference Id", f"Invalid Reference Id : {element} does not exist", element
    )


def _defaults(entity: str, record: Record) -> Record:
    if entity == "Customer":
        base: Record = {
            "Taxable": False,
            "BillWithParent": False,
            "Balance": 0,
            "BalanceWithJobs": 0,
            "PreferredDeliveryMethod": "Print",
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        }
    else:
        base = {"Taxable": False, "TrackQtyOnHand": record.get("Type") == "Inventory"}
    return {**base, **record}
