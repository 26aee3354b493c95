"""Mailtrap's sending domains (`GET /api/domains`) and whether an address may send from one.

Mailtrap sends only from a domain of the account whose DNS records it verified; a domain
may also wait for Mailtrap's compliance review after its DNS passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from .account_api import AccountAPI

#: `compliance_status` values under which the domain sends (`demo`: to the owner only).
SENDING_STATUSES = ("compliant", "demo")


@dataclass(frozen=True)
class SendingDomain:
    """One sending domain and its verification state."""

    id: int
    name: str
    dns_verified: bool
    compliance_status: str
    #: DNS records Mailtrap did not find as it asks (`spf`, `dkim1`, ...).
    failing_records: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SendingDomain:
        records = data.get("dns_records") or []
        return cls(
            id=int(data.get("id") or 0),
            name=str(data.get("domain_name") or ""),
            dns_verified=bool(data.get("dns_verified")),
            compliance_status=str(data.get("compliance_status") or ""),
            failing_records=tuple(
                str(record.get("key") or record.get("type") or "?")
                for record in records
                if isinstance(record, dict) and record.get("status") != "pass"
            ),
        )

    @property
    def ready(self) -> bool:
        """DNS verified and cleared to send."""
        return self.dns_verified and self.compliance_status in SENDING_STATUSES

    @property
    def state(self) -> str:
        """A few words for a report: "verified", "DNS not verified (spf, dkim1)", ..."""
        if not self.dns_verified:
            missing = f" ({', '.join(self.failing_records)})" if self.failing_records else ""
            return f"DNS not verified{missing}"
        if self.compliance_status not in SENDING_STATUSES:
            return f"DNS verified, compliance: {self.compliance_status or 'unknown'}"
        return "verified" if self.compliance_status == "compliant" else "verified (demo)"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "dns_verified": self.dns_verified,
            "compliance_status": self.compliance_status,
            "failing_records": list(self.failing_records),
            "ready": self.ready,
        }


def sending_domains(api: AccountAPI) -> list[SendingDomain]:
    """The account's sending domains, as Mailtrap lists them."""
    found = api.get(api.path("domains")) or {}
    items = found.get("data") if isinstance(found, dict) else found
    return [SendingDomain.from_json(item) for item in items or () if isinstance(item, dict)]


def address_domain(address: str) -> str | None:
    """The lower-case domain of `"Name <user@example.com>"` or `user@example.com`."""
    _name, email = parseaddr(address or "")
    if "@" not in email:
        return None
    return email.rpartition("@")[2].strip().lower() or None


def domain_for(domains: list[SendingDomain], address: str) -> SendingDomain | None:
    """The sending domain `address` sends from, if the account has it."""
    wanted = address_domain(address)
    return next((domain for domain in domains if domain.name.lower() == wanted), None)
