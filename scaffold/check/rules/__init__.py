"""The rules of the model, one module per family, in one registry (`RULES`)."""

from __future__ import annotations

from scaffold.check.rules import endpoints, function, iam, routing, security_groups
from scaffold.check.rules.base import (
    RULES,
    Broken,
    Intent,
    Judge,
    NotJudged,
    Rule,
    Verdict,
    judge,
    rule,
)

FAMILIES = (routing, iam, security_groups, endpoints, function)

# The order rules are reported in (it was the order of the one module they came from).
ORDER = (
    "private-subnets", "internet-through-nat", "nat-per-az", "nat-placement",
    "eni-permissions", "eni-depends-on", "network-outlives-grant",
    "replacement-security-group", "default-security-group", "gateway-endpoints",
    "interface-endpoints", "interface-endpoint-subnets", "tenancy", "multi-az",
    "function-egress", "endpoint-dns", "trust", "least-privilege", "own-log-group",
    "public-ip", "flow-logs",
)  # fmt: skip
RULES.sort(key=lambda each: ORDER.index(each.name))
RULE_NAMES = [each.name for each in RULES]

__all__ = [
    "FAMILIES",
    "RULES",
    "RULE_NAMES",
    "Broken",
    "Intent",
    "Judge",
    "NotJudged",
    "Rule",
    "Verdict",
    "judge",
    "rule",
]
