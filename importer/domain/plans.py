"""Plans (R6): which plans include the QuickBooks integration, and the plan of a new account."""

from __future__ import annotations

from dataclasses import dataclass

from importer.domain.errors import PlanNotEnabled
from importer.domain.model import Account


@dataclass(frozen=True, slots=True)
class Plans:
    """The deployment's plan settings: QBO_ENABLED_PLANS and DEFAULT_PLAN."""

    enabled: frozenset[str] = frozenset({"professional", "premium"})
    default: str = "premium"

    def allows_qbo(self, plan: str) -> bool:
        """Tell whether accounts on this plan may connect to and import from QuickBooks."""
        return plan in self.enabled

    def require_qbo(self, account: Account, *, imported: bool = False) -> None:
        """Refuse an account whose plan lacks the integration, with the upgrade message (R6);
        imported says whether it holds imported records (they stay)."""
        if not self.allows_qbo(account.plan):
            raise PlanNotEnabled(account.plan, tuple(sorted(self.enabled)), imported=imported)
