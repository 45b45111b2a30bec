"""The US sandbox sample company of the reference (§7): customers, items, accounts, settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Record = dict[str, Any]
Stamp = Callable[[int], dict[str, str]]

# Id, DisplayName, given, family, company, email, phone, street, city, balance, parent Id
CUSTOMERS: list[tuple[str, str, str, str, str, str, str, str, str, float, str]] = [
    ("1", "Amy's Bird Sanctuary", "Amy", "Lauterbach", "Amy's Bird Sanctuary",
     "Birds@Intuit.com", "(650) 555-3311", "4581 Finch St.", "Bayshore", 239.0, ""),
    ("2", "Bill's Windsurf Shop", "Bill", "Lucchini", "Bill's Windsurf Shop",
     "Surf@Intuit.com", "(415) 444-6538", "12 Ocean Dr.", "Half Moon Bay", 85.0, ""),
    ("3", "Cool Cars", "Grace", "Pariente", "Cool Cars", "Cool_Cars@intuit.com",
     "(415) 555-9933", "65 Ocean Dr.", "Half Moon Bay", 0.0, ""),
    ("4", "Diego Rodriguez", "Diego", "Rodriguez", "", "Diego@Rodriguez.com",
     "(650) 555-4477", "321 Channing", "Palo Alto", 0.0, ""),
    ("5", "Dukes Basketball Camp", "Peter", "Dukes", "Dukes Basketball Camp",
     "Dukes_bball@intuit.com", "(520) 420-5638", "25 Court St.", "Tucson", 0.0, ""),
    ("6", "Dylan Sollfrank", "Dylan", "Sollfrank", "", "", "", "", "", 0.0, ""),
    ("7", "Freeman Sporting Goods", "Kirby", "Freeman", "Freeman Sporting Goods",
     "Sporting_goods@intuit.com", "(650) 555-0987", "370 Easy St.", "Middlefield", 0.0, ""),
    ("8", "0969 Ocean View Road", "Sasha", "Tillou", "Freeman Sporting Goods",
     "Sporting_goods@intuit.com", "(415) 555-9933", "370 Easy St.", "Middlefield", 477.5, "7"),
    ("9", "55 Twin Lane", "Amelia", "", "Freeman Sporting Goods", "Sporting_goods@intuit.com",
     "(650) 555-0987", "370 Easy St.", "Middlefield", 85.0, "7"),
    ("10", "Geeta Kalapatapu", "Geeta", "Kalapatapu", "", "Geeta@Kalapatapu.com",
     "(650) 555-0022", "1987 Pleasant St.", "Palo Alto", 629.1, ""),
    ("11", "Gevelber Photography", "Lisa", "Gevelber", "Gevelber Photography",
     "Photography@intuit.com", "(415) 222-4345", "1103 Cooper Square", "San Jose", 0.0, ""),
    ("12", "Jeff's Jalopies", "Jeff", "Chin", "Jeff's Jalopies", "Jalopies@intuit.com",
     "(650) 555-8989", "12 Willow Rd.", "Menlo Park", 81.0, ""),
    ("13", "John Melton", "John", "Melton", "", "John@Melton.com", "(650) 555-5879",
     "85 Pine St.", "Menlo Park", 450.0, ""),
    ("14", "Kate Whelan", "Kate", "Whelan", "", "Kate@Whelan.com", "(650) 554-4973",
     "45 First St.", "Menlo Park", 0.0, ""),
    ("15", "Pye's Cakes", "Karen", "Pye", "Pye's Cakes", "pyescakes@intuit.com",
     "(973) 555-4652", "350 Mountain View Dr.", "South Orange", 0.0, ""),
    ("16", "Kookies by Kathy", "Kathy", "Kuplis", "Kookies by Kathy",
     "qbwebsamplecompany@yahoo.com", "(650) 555-7896", "789 Sugar Lane", "Middlefield", 75.0, ""),
    ("17", "Mark Cho", "Mark", "Cho", "", "Mark@Cho.com", "(650) 554-1479", "36 Willow Rd",
     "Menlo Park", 314.28, ""),
    ("18", "Paulsen Medical Supplies", "Kathy", "Paulsen", "Paulsen Medical Supplies",
     "Medical@intuit.com", "(650) 557-8463", "38921 S. Boston Ave.", "Middlefield", 954.75, ""),
    ("19", "Rago Travel Agency", "Nick", "Rago", "Rago Travel Agency", "Rago_Travel@intuit.com",
     "(650) 555-1596", "753 Cedar Ave.", "Bayshore", 0.0, ""),
    ("20", "Red Rock Diner", "Stephanie", "Martini", "Red Rock Diner",
     "qbwebsamplecompany@yahoo.com", "(650) 555-4973", "500 Red Rock Rd.", "Bayshore", 160.0, ""),
    ("21", "Rondonuwu Fruit and Vegi", "Shara", "Rondonuwu", "Rondonuwu Fruit and Vegi",
     "Tony@Rondonuwu.com", "(650) 555-2645", "847 California Ave.", "San Jose", 78.6, ""),
    ("22", "Shara Barnett", "Shara", "Barnett", "", "Design@intuit.com", "(650) 555-4563",
     "19 Main St.", "Middlefield", 0.0, ""),
    ("23", "Barnett Design", "Shara", "Barnett", "Barnett Design", "Design@intuit.com",
     "(650) 555-4563", "19 Main St.", "Middlefield", 274.5, "22"),
    ("24", "Sonnenschein Family Store", "Russ", "Sonnenschein", "Sonnenschein Family Store",
     "Familiystore@intuit.com", "(650) 557-8463", "5647 Cypress Hill Ave.", "Middlefield",
     362.07, ""),
    ("25", "Sushi by Katsuyuki", "Kristy", "Abercrombie", "Sushi by Katsuyuki",
     "Sushi@intuit.com", "(505) 570-0147", "898 Elm St.", "Maplewood", 80.0, ""),
    ("26", "Travis Waldron", "Travis", "Waldron", "", "Travis@Waldron.com", "(650) 555-9876",
     "78 First St.", "Monlo Park", 414.72, ""),
    ("27", "Video Games by Dan", "Dan", "Miller", "Video Games by Dan", "Videogames@intuit.com",
     "(650) 555-8989", "1301 Greenwood Dr.", "Palo Alto", 0.0, ""),
    ("28", "Wedding Planning by Whitney", "Lew", "Plum", "Wedding Planning by Whitney",
     "Dream_Wedding@intuit.com", "(415) 555-7777", "135 Broadway", "Palo Alto", 0.0, ""),
    ("29", "Weiskopf Consulting", "Nicola", "Weiskopf", "Weiskopf Consulting",
     "Consulting@intuit.com", "(650) 555-1423", "45612 Main St.", "Bayshore", 390.0, ""),
]  # fmt: skip

# Id, Name, Type, UnitPrice, income account Id, QtyOnHand (Inventory only)
ITEMS: list[tuple[str, str, str, float, str, int | None]] = [
    ("1", "Services", "Service", 0, "1", None), ("2", "Hours", "Service", 0, "1", None),
    ("3", "Concrete", "Service", 0, "48", None), ("4", "Design", "Service", 75, "82", None),
    ("5", "Rock Fountain", "Inventory", 275, "79", 2), ("6", "Gardening", "Service", 0, "45", None),
    ("7", "Installation", "Service", 50, "52", None), ("8", "Lighting", "Service", 0, "48", None),
    ("9", "Maintenance & Repair", "Service", 0, "53", None),
    ("10", "Pest Control", "Service", 35, "54", None), ("11", "Pump", "Inventory", 15, "79", 25),
    ("12", "Refunds & Allowances", "NonInventory", 0, "83", None),
    ("13", "Rocks", "Service", 0, "48", None), ("14", "Sod", "Service", 0, "49", None),
    ("15", "Soil", "Service", 10, "49", None), ("16", "Sprinkler Heads", "Inventory", 2, "79", 25),
    ("17", "Sprinkler Pipes", "Inventory", 4, "79", 31),
    ("18", "Trimming", "Service", 35, "45", None),
]  # fmt: skip

# Id, Name, AccountType, AccountSubType, Classification
ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    ("1", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("4", "Checking", "Bank", "Checking", "Asset"),
    ("7", "Advertising", "Expense", "AdvertisingPromotional", "Expense"),
    ("33", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("45", "Landscaping Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("48", "Fountains and Garden Lighting", "Income", "SalesOfProductIncome", "Revenue"),
    ("49", "Plants and Soil", "Income", "SalesOfProductIncome", "Revenue"),
    ("52", "Installation", "Income", "ServiceFeeIncome", "Revenue"),
    ("53", "Maintenance and Repair", "Income", "ServiceFeeIncome", "Revenue"),
    ("54", "Pest Control Services", "Income", "OtherPrimaryIncome", "Revenue"),
    ("79", "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("80", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("81", "Inventory Asset", "Other Current Asset", "Inventory", "Asset"),
    ("82", "Design income", "Income", "ServiceFeeIncome", "Revenue"),
    ("83", "Discounts given", "Income", "DiscountsRefundsGiven", "Revenue"),
    ("84", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("87", "Refunds-Allowances", "Other Income", "OtherMiscellaneousIncome", "Revenue"),
]

USD = {"value": "USD", "name": "United States Dollar"}


def seed_customer(row: tuple[str, str, str, str, str, str, str, str, str, float, str]) -> Record:
    """Build one sandbox customer record (without MetaData)."""
    cid, name, given, family, company, email, phone, street, city, balance, parent = row
    record: Record = {"Taxable": False, "Job": bool(parent), "BillWithParent": False}
    if street:
        record["BillAddr"] = {
            "Id": str(100 + int(cid)),
            "Line1": street,
            "City": city,
            "CountrySubDivisionCode": "CA",
            "PostalCode": "94326",
        }
    if parent:
        record["ParentRef"] = {"value": parent}
        record["Level"] = 1
    record.update(
        {
            "Balance": balance,
            "BalanceWithJobs": balance,
            "CurrencyRef": dict(USD),
            "PreferredDeliveryMethod": "Print",
            "domain": "QBO",
            "sparse": False,
            "Id": cid,
            "SyncToken": "0",
        }
    )
    for key, value in (("GivenName", given), ("FamilyName", family), ("CompanyName", company)):
        if value:
            record[key] = value
    record.update({"DisplayName": name, "PrintOnCheckName": company or name, "Active": True})
    if phone:
        record["PrimaryPhone"] = {"FreeFormNumber": phone}
    if email:
        record["PrimaryEmailAddr"] = {"Address": email}
    return record


def seed_item(
    row: tuple[str, str, str, float, str, int | None], accounts: dict[str, str]
) -> Record:
    """Build one sandbox item record (without MetaData)."""
    iid, name, kind, price, income, qty = row
    record: Record = {
        "Name": name,
        "Description": name,
        "Active": True,
        "FullyQualifiedName": name,
        "Taxable": kind == "Inventory",
        "UnitPrice": price,
        "Type": kind,
        "IncomeAccountRef": {"value": income, "name": accounts[income]},
        "PurchaseCost": 0,
        "TrackQtyOnHand": qty is not None,
    }
    if qty is not None:
        record.update(
            {
                "QtyOnHand": qty,
                "InvStartDate": "2024-01-01",
                "ExpenseAccountRef": {"value": "80", "name": "Cost of Goods Sold"},
                "AssetAccountRef": {"value": "81", "name": "Inventory Asset"},
            }
        )
    record.update({"domain": "QBO", "sparse": False, "Id": iid, "SyncToken": "0"})
    return record


def seed_account(row: tuple[str, str, str, str, str]) -> Record:
    """Build one account record (without MetaData)."""
    aid, name, kind, subtype, classification = row
    return {
        "Name": name,
        "SubAccount": False,
        "FullyQualifiedName": name,
        "Active": True,
        "Classification": classification,
        "AccountType": kind,
        "AccountSubType": subtype,
        "CurrentBalance": 0,
        "CurrentBalanceWithSubAccounts": 0,
        "CurrencyRef": dict(USD),
        "domain": "QBO",
        "sparse": False,
        "Id": aid,
        "SyncToken": "0",
    }


def tax_codes() -> list[Record]:
    """Return the US automated-sales-tax codes a sandbox lists."""
    return [
        {
            "Name": "California",
            "Description": "California",
            "Active": True,
            "Taxable": True,
            "TaxGroup": True,
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {
                        "TaxRateRef": {"value": "3", "name": "California"},
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    }
                ]
            },
            "PurchaseTaxRateList": {"TaxRateDetail": []},
            "domain": "QBO",
            "sparse": False,
            "Id": "2",
            "SyncToken": "0",
        },
    ]


def preferences() -> Record:
    """Return the sandbox Preferences (USD, no multicurrency, automated sales tax)."""
    return {
        "AccountingInfoPrefs": {"TrackDepartments": False, "ClassTrackingPerTxn": False},
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": True,
        },
        "SalesFormsPrefs": {"AllowDiscount": True, "AllowDeposit": True, "AllowShipping": False},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True},
        "domain": "QBO",
        "sparse": False,
        "Id": "1",
        "SyncToken": "0",
    }


def company_info(realm_id: str) -> Record:
    """Return the sandbox CompanyInfo ("Sandbox Company_US_1", US, landscaping)."""
    addr = {
        "Id": "1",
        "Line1": "123 Sierra Way",
        "City": "San Pablo",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "87999",
        "Country": "USA",
    }
    return {
        "CompanyName": "Sandbox Company_US_1",
        "LegalName": "Sandbox Company_US_1",
        "CompanyAddr": addr,
        "CustomerCommunicationAddr": dict(addr),
        "LegalAddr": dict(addr),
        "PrimaryPhone": {},
        "CompanyStartDate": "2024-01-01",
        "FiscalYearStartMonth": "January",
        "Country": "US",
        "Email": {"Address": "noreply@quickbooks.com"},
        "WebAddr": {},
        "SupportedLanguages": "en",
        "DefaultTimeZone": "America/Los_Angeles",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Landscaping Services"},
            {"Name": "QBOIndustryType", "Value": "Landscaping Services"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
        ],
        "domain": "QBO",
        "sparse": False,
        "Id": "1",
        "SyncToken": "0",
    }


def fix_names(customers: list[Record]) -> None:
    """Fill FullyQualifiedName and Level from ParentRef (parents come first)."""
    by_id = {c["Id"]: c for c in customers}
    for customer in customers:
        parent = by_id.get(customer.get("ParentRef", {}).get("value", ""))
        if parent is None:
            customer["FullyQualifiedName"] = customer["DisplayName"]
            continue
        customer["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{customer['DisplayName']}"
        customer["Level"] = parent.get("Level", 0) + 1
        customer["ParentRef"]["name"] = parent["DisplayName"]
