"""Generate a realistic product and service list deterministically: categories, bundles, stock."""

from __future__ import annotations

import random
from typing import Any

from qbo_simulator.volume import CITIES, unique_name

Record = dict[str, Any]

PRODUCTS = [
    "Fountain",
    "Pump",
    "Hose",
    "Sprinkler",
    "Lantern",
    "Bench",
    "Planter",
    "Trellis",
    "Birdbath",
    "Mulch",
    "Gravel",
    "Paver",
    "Seed Mix",
    "Fertilizer",
    "Shears",
]
ADJECTIVES = [
    "Large",
    "Small",
    "Deluxe",
    "Classic",
    "Cedar",
    "Copper",
    "Solar",
    "Organic",
    "Heavy-Duty",
    "Kids'",
    "Gardener’s",
    '12\\" Pro',
]
SERVICES = [
    "Consultation",
    "Hedge Trimming",
    "Lawn Care",
    "Snow Removal",
    "Tree Surgery",
    "Irrigation Check",
    "Patio Cleaning",
    "Garden Design",
]
CATEGORIES = ["Outdoor", "Tools", "Plants", "Services", "Lighting", "Water Features"]


def items(first_id: int, count: int, seed: int, income_ids: list[str]) -> list[Record]:
    """Return `count` generated items with Ids from `first_id` (no MetaData yet)."""
    rng = random.Random(seed + 7919)
    rows: list[Record] = []
    taken: set[str] = set()
    category: Record | None = None
    for offset in range(count):
        iid = first_id + offset
        base: Record = {
            "domain": "QBO",
            "sparse": False,
            "Id": str(iid),
            "SyncToken": "0",
            "Active": offset % 37 != 11,
        }
        if offset % 31 == 0:
            name = unique_name(f"{rng.choice(CATEGORIES)}", taken, iid)
            base.update({"Name": name, "FullyQualifiedName": name, "Type": "Category"})
            category = base
        elif offset % 53 == 17 and len(rows) > 2:
            name = unique_name(f"{rng.choice(SERVICES)} Bundle", taken, iid)
            parts = [r for r in rows[-5:] if r["Type"] not in ("Category", "Group")][:2]
            lines = [{"ItemRef": {"value": p["Id"], "name": p["Name"]}, "Qty": 1} for p in parts]
            base.update(
                {
                    "Name": name,
                    "FullyQualifiedName": name,
                    "Type": "Group",
                    "ItemGroupDetail": {"ItemGroupLine": lines},
                }
            )
        else:
            if offset % 211 == 100 and rows:
                name = rows[rng.randrange(len(rows))]["Name"].upper()
            elif offset % 2:
                name = unique_name(f"{rng.choice(SERVICES)} ({rng.choice(CITIES)})", taken, iid)
            else:
                name = unique_name(f"{rng.choice(ADJECTIVES)} {rng.choice(PRODUCTS)}", taken, iid)
            kind = ("Service", "NonInventory", "Inventory")[offset % 3]
            price = round(rng.uniform(1, 500), 2)
            base.update(
                {
                    "Name": name,
                    "FullyQualifiedName": name,
                    "Type": kind,
                    "Description": f"{name} — sold by the unit",
                    "UnitPrice": price,
                    "Sku": f"SKU-{iid:06d}",
                    "Taxable": kind != "Service",
                    "IncomeAccountRef": {"value": rng.choice(income_ids)},
                    "PurchaseCost": round(price * 0.6, 2),
                    "TrackQtyOnHand": kind == "Inventory",
                }
            )
            if kind == "Inventory":
                base.update(
                    {
                        "QtyOnHand": rng.randrange(0, 200),
                        "InvStartDate": "2024-01-01",
                        "AssetAccountRef": {"value": "81", "name": "Inventory Asset"},
                        "ExpenseAccountRef": {"value": "80", "name": "Cost of Goods Sold"},
                    }
                )
            if offset % 7 == 5 and category is not None:
                base.update(
                    {
                        "SubItem": True,
                        "Level": 1,
                        "ParentRef": {"value": category["Id"], "name": category["Name"]},
                        "FullyQualifiedName": f"{category['Name']}:{name}",
                    }
                )
        taken.add(str(base["Name"]).casefold())
        rows.append(base)
    return rows
