"""The account's sending domains, as `GET /api/domains` lists them.

Which domains exist (ids in brackets):

* the example domains, unless `EmulatorConfig.example_domains` is False:
  `emulator-verified.example` [1], verified -- listed only while no `sending_domains` are
  configured, because then every sender domain may send -- and `emulator-unverified.example`
  [2], never verified, so tools can show both states;
* every configured `sending_domains` entry, verified [3, 4, ... in the order given];
* every other domain a transactional or bulk message was sent from (any domain may send
  while no `sending_domains` are configured), verified [next ids, in order of first use].

Sending never consults this list: it behaves as `EmulatorConfig.sending_domains` says. So a
message from `emulator-unverified.example` still goes out when no sending domains are
configured, and its log entry carries domain id 2.
"""

from __future__ import annotations

from typing import Any

from .config import EmulatorConfig
from .storage import Store, utc_now_iso

VERIFIED_EXAMPLE = "emulator-verified.example"
UNVERIFIED_EXAMPLE = "emulator-unverified.example"
#: When the verified domains passed their (pretend) DNS check.
VERIFIED_AT = utc_now_iso()


def domain_ids(config: EmulatorConfig, store: Store) -> dict[str, tuple[int, bool]]:
    """Lower-case domain name -> (id, verified), in id order."""
    configured = [name.lower() for name in config.sending_domains]
    domains: dict[str, tuple[int, bool]] = {}
    if config.example_domains:
        if not configured:
            domains[VERIFIED_EXAMPLE] = (1, True)
        if UNVERIFIED_EXAMPLE not in configured:
            domains[UNVERIFIED_EXAMPLE] = (2, False)
    senders = [address.rsplit("@", 1)[-1].lower() for address in store.sender_addresses()]
    next_id = 3
    for name in dict.fromkeys(configured + senders):
        if name not in domains:
            domains[name] = (next_id, True)
            next_id += 1
    return domains


def _dns_records(name: str, verified: bool) -> list[dict[str, str]]:
    """The records Mailtrap asks for, all passing or all missing."""
    status = "pass" if verified else "missing"
    records = [
        ("verification", f"mt-verify.{name}", "CNAME", "smtp.mailtrap.live"),
        ("spf", name, "TXT", "v=spf1 include:_spf.smtp.mailtrap.live ~all"),
        ("dkim1", f"rwmt1._domainkey.{name}", "CNAME", "rwmt1.dkim.smtp.mailtrap.live"),
        ("dkim2", f"rwmt2._domainkey.{name}", "CNAME", "rwmt2.dkim.smtp.mailtrap.live"),
        ("dmarc", f"_dmarc.{name}", "TXT", "v=DMARC1; p=none"),
        ("link_verification", f"mt-link.{name}", "CNAME", "t.mailtrap.live"),
    ]
    return [
        {
            "key": key,
            "domain": domain,
            "name": domain.removesuffix(name).rstrip("."),
            "status": status,
            "type": record_type,
            "value": value,
        }
        for key, domain, record_type, value in records
    ]


def domain_object(domain_id: int, name: str, verified: bool) -> dict[str, Any]:
    """The spec's `Domain` object."""
    return {
        "id": domain_id,
        "domain_name": name,
        "demo": False,
        "compliance_status": "compliant" if verified else "unverified_dns",
        "dns_verified": verified,
        "dns_verified_at": VERIFIED_AT if verified else None,
        "dns_records": _dns_records(name, verified),
        "open_tracking_enabled": True,
        "click_tracking_enabled": True,
        "auto_unsubscribe_link_enabled": True,
        "custom_domain_tracking_enabled": False,
        "health_alerts_enabled": True,
        "critical_alerts_enabled": True,
        "alert_recipient_email": None,
        "permissions": {"can_read": True, "can_update": True, "can_destroy": True},
    }


def list_domains(config: EmulatorConfig, store: Store) -> list[dict[str, Any]]:
    """Every domain, by id."""
    return [
        domain_object(domain_id, name, verified)
        for name, (domain_id, verified) in domain_ids(config, store).items()
    ]
