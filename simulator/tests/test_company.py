"""The generated company: realistic, awkward names and shapes, the same every time."""

from __future__ import annotations

from qbo_simulator import SimulatorConfig
from qbo_simulator.data import Company
from qbo_simulator.describe import describe
from qbo_simulator.state import SimulatorState


def test_generated_company_is_deterministic_and_awkward() -> None:
    company = Company("1", customers=5000, items=800, seed_value=3)
    again = Company("1", customers=5000, items=800, seed_value=3)
    customers = company.lists["Customer"].rows
    items = company.lists["Item"].rows
    names = [c["DisplayName"] for c in customers]
    assert names == [c["DisplayName"] for c in again.lists["Customer"].rows]
    assert [c["Id"] for c in customers] == [str(i) for i in range(1, 5001)]
    assert names[:2] == ["Amy's Bird Sanctuary", "Bill's Windsurf Shop"]
    assert any("’" in n for n in names)
    assert any("'" in n for n in names[29:])
    assert any("\\" in n for n in names)
    assert any(n != n.encode("ascii", "ignore").decode() for n in names)
    assert any(not c["Active"] for c in customers)
    assert any(c["Job"] and ":" in c["FullyQualifiedName"] for c in customers[29:])
    folded = [n.casefold() for n in names]
    assert len(set(folded)) < len(folded)
    assert {"Category", "Group", "Inventory", "Service", "NonInventory"} <= {
        i["Type"] for i in items
    }


def test_programmatic_rename_keeps_sub_customer_names_in_step() -> None:
    company = Company("1")
    company.rename("Customer", "7", "Freeman Sports")
    job = company.get("Customer", "8")
    assert job is not None
    assert job["FullyQualifiedName"] == "Freeman Sports:0969 Ocean View Road"
    updated = company.get("Customer", "7")
    assert updated is not None
    assert updated["SyncToken"] == "1"


def test_the_start_up_lines_count_the_company_in_words_that_agree() -> None:
    one = "\n".join(describe(SimulatorState(SimulatorConfig(customers=1, items=1))))
    many = "\n".join(describe(SimulatorState(SimulatorConfig(customers=1500, items=0))))

    assert "Company: 1 customer, 1 item, " in one
    assert "Company: 1,500 customers, 0 items, " in many
