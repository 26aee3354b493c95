"""Which Mailtrap account the account API calls address, and how that was decided.

Mailtrap's current specs address account resources by the token alone (`/api/webhooks`);
released SDKs use `/api/accounts/{account_id}/webhooks` (MAILTRAP_API.md §1). The rule:

* ``MAILTRAP_ACCOUNT_ID`` set (or given): the account-scoped paths of that account;
* else, when the token reaches exactly one account (`GET /api/accounts`): that account's
  account-scoped paths -- the form both the released SDKs and the old API answer;
* else (several accounts, or the token may not list them): the token-scoped paths, and
  Mailtrap picks the account the token belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .account_api import AccountAPI
from .client import MailtrapAPIError

#: How the account was chosen (`AccountScope.source`).
FROM_SETTING = "setting"
DISCOVERED = "discovered"
TOKEN_SCOPED = "token"


@dataclass(frozen=True)
class Account:
    """A Mailtrap account the token reaches."""

    id: int
    name: str
    access_levels: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Account:
        return cls(
            id=int(data.get("id") or 0),
            name=str(data.get("name") or ""),
            access_levels=tuple(int(level) for level in data.get("access_levels") or ()),
        )

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "access_levels": list(self.access_levels)}


@dataclass(frozen=True)
class AccountScope:
    """The accounts the token reaches and the one the paths address (None: token-scoped)."""

    account_id: str | None
    source: str
    accounts: tuple[Account, ...] = field(default=())
    #: False when the token may not list its accounts (403): nothing is known about them.
    listed: bool = True

    @property
    def configured_account_reached(self) -> bool:
        """Whether a set MAILTRAP_ACCOUNT_ID is one of the token's accounts."""
        return any(str(account.id) == self.account_id for account in self.accounts)

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": int(self.account_id) if self.account_id is not None else None,
            "source": self.source,
            "accounts": [account.as_json() for account in self.accounts],
            "accounts_listed": self.listed,
        }


def list_accounts(api: AccountAPI) -> list[Account]:
    """`GET /api/accounts`: the accounts the token reaches."""
    return [Account.from_json(item) for item in api.accounts() if isinstance(item, dict)]


def scope_account(api: AccountAPI) -> AccountScope:
    """Decide the account per the rule above and set it on `api` (its `account_id`).

    Raises MailtrapAPIError when listing fails for any reason but a 403 (a wrong token
    fails here, before any other call).
    """
    try:
        accounts = tuple(list_accounts(api))
    except MailtrapAPIError as error:
        if error.status_code != 403:
            raise
        source = FROM_SETTING if api.account_id is not None else TOKEN_SCOPED
        return AccountScope(api.account_id, source, listed=False)
    if api.account_id is not None:
        return AccountScope(api.account_id, FROM_SETTING, accounts)
    if len(accounts) == 1:
        api.account_id = str(accounts[0].id)
        return AccountScope(api.account_id, DISCOVERED, accounts)
    return AccountScope(None, TOKEN_SCOPED, accounts)
