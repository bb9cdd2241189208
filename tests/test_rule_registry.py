"""The one registry of rules: every rule says what it is, how much it matters, and where
the rule comes from; one runner runs them all."""

from __future__ import annotations

from scaffold.check.rules import (
    CONFIGURATION_RULES,
    MODEL_RULES,
    RULES,
    SEVERITIES,
)


def test_every_rule_has_an_id_a_severity_a_description_and_an_https_link() -> None:
    assert RULES
    for rule in RULES:
        assert rule.id and rule.id == rule.id.strip(), rule
        assert rule.severity in {"error", "warning"} and rule.severity in SEVERITIES, rule.id
        assert rule.description.strip(), rule.id
        assert rule.link.startswith("https://") and " " not in rule.link, rule.id


def test_one_registry_with_unique_ids_and_the_conventions_as_warnings() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(rule.id for rule in [*MODEL_RULES, *CONFIGURATION_RULES])
    severity = {rule.id: rule.severity for rule in RULES}
    assert severity["documented-interface"] == severity["scan-exceptions"] == "warning"
    assert severity["private-subnets"] == severity["eni-permissions"] == "error"
