"""QBO Customers and Items as the invoicing account's clients and items (product.md section 3).

Prices arrive as exact Decimals (qbo.schema) and are stored as decimal strings. Fields QBO left
out are left out here too.
"""

from __future__ import annotations

from typing import Any

from importer.domain.inputs import price_text
from importer.domain.money import fits_money
from importer.domain.rules import Candidate
from qbo.schema import Customer, Item, PhysicalAddress


def _address(value: PhysicalAddress | None) -> dict[str, str] | None:
    if value is None:
        return None
    address = {}
    for key, text in (
        ("line1", value.Line1),
        ("line2", value.Line2),
        ("line3", value.Line3),
        ("line4", value.Line4),
        ("line5", value.Line5),
        ("city", value.City),
        ("region", value.CountrySubDivisionCode),
        ("postal_code", value.PostalCode),
        ("country", value.Country),
    ):
        if text:
            address[key] = text
    return address or None


# Straight-line code: these run once per record of a 100,000-record import.
def client_from_customer(customer: Customer) -> Candidate:
    """Map a QBO Customer to a client candidate."""
    fields: dict[str, Any] = {}
    if customer.CompanyName:
        fields["company"] = customer.CompanyName
    if customer.GivenName:
        fields["given_name"] = customer.GivenName
    if customer.FamilyName:
        fields["family_name"] = customer.FamilyName
    if customer.PrimaryEmailAddr and customer.PrimaryEmailAddr.Address:
        fields["email"] = customer.PrimaryEmailAddr.Address
    if customer.PrimaryPhone and customer.PrimaryPhone.FreeFormNumber:
        fields["phone"] = customer.PrimaryPhone.FreeFormNumber
    if customer.Mobile and customer.Mobile.FreeFormNumber:
        fields["mobile"] = customer.Mobile.FreeFormNumber
    if billing := _address(customer.BillAddr):
        fields["billing_address"] = billing
    if shipping := _address(customer.ShipAddr):
        fields["shipping_address"] = shipping
    if customer.Notes:
        fields["notes"] = customer.Notes
    if customer.CurrencyRef and customer.CurrencyRef.value:
        fields["currency"] = customer.CurrencyRef.value
    if customer.Taxable is not None:
        fields["taxable"] = customer.Taxable
    if customer.ParentRef and customer.ParentRef.value:
        fields["parent_qbo_id"] = customer.ParentRef.value
    return Candidate(customer.Id, customer.DisplayName, customer.Active, None, fields)


def item_from_qbo(item: Item) -> Candidate:
    """Map a QBO Item to an item candidate."""
    fields: dict[str, Any] = {}
    if item.Description:
        fields["description"] = item.Description
    if item.UnitPrice is not None:
        # Plain digits when money can hold it; else passed on as read: the rules skip it.
        price = item.UnitPrice
        fields["unit_price"] = price_text(price) if fits_money(price) else str(price)
    if item.Sku:
        fields["sku"] = item.Sku
    if item.Taxable is not None:
        fields["taxable"] = item.Taxable
    if item.Type:
        fields["type"] = item.Type
    return Candidate(item.Id, item.Name, item.Active, item.Type, fields)
