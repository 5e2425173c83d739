"""Who receives what: committees only their own cluster's mail, officers the rest; addresses from the registry."""

from __future__ import annotations

from collections.abc import Iterable

from reports.alert_context import COMMITTEE_RULES

OFFICER_LANGUAGE = "fr"


def addresses(field: str | None) -> list[str]:
    """The addresses of a `;`- or `,`-separated field, in order, without blanks or repeats (case-insensitive)."""
    seen: dict[str, str] = {}
    for part in str(field or "").replace(",", ";").split(";"):
        if part.strip() and part.strip().lower() not in seen:
            seen[part.strip().lower()] = part.strip()
    return list(seen.values())


def officer_addresses(configured: Iterable[str], registry_fields: Iterable) -> list[str]:
    """The officers: the configured addresses (VIGIE_OFFICER_EMAILS), then the registry's officer_emails."""
    fields = [*configured, *(field for field in registry_fields if isinstance(field, str))]
    return addresses(";".join(fields))


def alert_recipients(rule: str, cluster: dict, configured_officers: Iterable[str]) -> list[tuple[list[str], str]]:
    """(addresses, language) groups for one alert: the cluster's committee in its language when the rule is for
    committees, then the officers (in French) who are not already on the committee's list."""
    committee = addresses(cluster.get("committee_emails")) if rule in COMMITTEE_RULES else []
    taken = {a.lower() for a in committee}
    officers = officer_addresses(configured_officers, [cluster.get("officer_emails")])
    officers = [address for address in officers if address.lower() not in taken]
    language = cluster.get("language") if cluster.get("language") in ("fr", "en") else "fr"
    return [(group, lang) for group, lang in ((committee, language), (officers, OFFICER_LANGUAGE)) if group]
