"""The rules, one module per family, in one registry (`RULES`) that one `Runner` runs.

A rule judges a `Subject` (the model, the configuration, the project folder, the intent)
and yields `Broken` or `NotJudged` verdicts.
"""

from __future__ import annotations

from scaffold.check.rules import (
    configuration,
    endpoints,
    function,
    iam,
    reach,
    routing,
    security_groups,
)
from scaffold.check.rules.base import (
    GUIDE,
    RULES,
    SEVERITIES,
    Broken,
    Intent,
    Judge,
    NotJudged,
    Rule,
    Runner,
    Severity,
    Subject,
    Verdict,
    rule,
)

MODEL_FAMILIES = (routing, iam, security_groups, endpoints, function, reach)

# The order rules are reported in: the model's rules in the order of the one module they
# came from, then the rules on the configuration's text.
ORDER = (
    "private-subnets", "internet-through-nat", "nat-per-az", "nat-placement",
    "nat-instance-forwarding",
    "eni-permissions", "eni-depends-on", "network-outlives-grant",
    "replacement-security-group", "default-security-group", "gateway-endpoints",
    "interface-endpoints", "interface-endpoint-subnets", "tenancy", "multi-az",
    "function-egress", "reachable", "endpoint-dns", "trust", "least-privilege", "own-log-group",
    "public-ip", "flow-logs", "snapstart",
    "documented-interface", "scan-exceptions", "existing-plan-checks", "waivers",
)  # fmt: skip
RULES.sort(key=lambda each: ORDER.index(each.id))
RULE_NAMES = [each.id for each in RULES]
# Views of the one registry: the rules that judge the model, and those that read the text.
CONFIGURATION_RULES = [each for each in RULES if each.judge.__module__ == configuration.__name__]
MODEL_RULES = [each for each in RULES if each not in CONFIGURATION_RULES]

__all__ = [
    "CONFIGURATION_RULES",
    "GUIDE",
    "MODEL_FAMILIES",
    "MODEL_RULES",
    "RULES",
    "RULE_NAMES",
    "SEVERITIES",
    "Broken",
    "Intent",
    "Judge",
    "NotJudged",
    "Rule",
    "Runner",
    "Severity",
    "Subject",
    "Verdict",
    "rule",
]
