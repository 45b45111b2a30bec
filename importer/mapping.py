"""QBO Customers and Items as the invoicing account's clients and items (product.md section 3).

QBO JSON is parsed with Decimal for numbers, so prices stay exact; they are stored as decimal
strings. Fields QBO left out are left out here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from importer.rules import Candidate


def _ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        ref = value.get("value")
        return None if ref is None else str(ref)
    return None


def _nested(value: Any, key: str) -> str | None:
    if isinstance(value, Mapping) and value.get(key) not in (None, ""):
        return str(value[key])
    return None


def _address(value: Any) -> dict[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    keys = ("Line1", "Line2", "Line3", "Line4", "Line5", "City", "CountrySubDivisionCode")
    names = ("line1", "line2", "line3", "line4", "line5", "city", "region")
    address = {
        name: str(value[key]) for key, name in zip(keys, names, strict=True) if value.get(key)
    }
    for key, name in (("PostalCode", "postal_code"), ("Country", "country")):
        if value.get(key):
            address[name] = str(value[key])
    return address or None


def _decimal_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        # Never trust binary floats with money: go through their shortest decimal spelling.
        value = repr(value)
    try:
        return str(Decimal(str(value)))
    except ArithmeticError:
        return None


def _drop_empty(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value not in (None, "", {})}


def client_from_customer(customer: Mapping[str, Any]) -> Candidate:
    """Map a QBO Customer to a client candidate."""
    fields = _drop_empty(
        {
            "company": customer.get("CompanyName"),
            "given_name": customer.get("GivenName"),
            "family_name": customer.get("FamilyName"),
            "email": _nested(customer.get("PrimaryEmailAddr"), "Address"),
            "phone": _nested(customer.get("PrimaryPhone"), "FreeFormNumber"),
            "mobile": _nested(customer.get("Mobile"), "FreeFormNumber"),
            "billing_address": _address(customer.get("BillAddr")),
            "shipping_address": _address(customer.get("ShipAddr")),
            "notes": customer.get("Notes"),
            "currency": _ref(customer.get("CurrencyRef")),
            "taxable": customer.get("Taxable"),
            "parent_qbo_id": _ref(customer.get("ParentRef")),
        }
    )
    return Candidate(
        qbo_id=str(customer.get("Id", "")),
        name=str(customer.get("DisplayName") or ""),
        active=bool(customer.get("Active", True)),
        fields=fields,
    )


def item_from_qbo(item: Mapping[str, Any]) -> Candidate:
    """Map a QBO Item to an item candidate."""
    fields = _drop_empty(
        {
            "description": item.get("Description"),
            "unit_price": _decimal_text(item.get("UnitPrice")),
            "sku": item.get("Sku"),
            "taxable": item.get("Taxable"),
            "type": item.get("Type"),
        }
    )
    return Candidate(
        qbo_id=str(item.get("Id", "")),
        name=str(item.get("Name") or ""),
        active=bool(item.get("Active", True)),
        item_type=item.get("Type"),
        fields=fields,
    )
