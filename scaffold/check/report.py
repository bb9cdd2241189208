"""What `check` found, and how it is written: text for people, JSON and SARIF 2.1.0 for
machines (GitHub code scanning reads SARIF).

A finding is a broken rule at a place (file and line where one is known), with the rule's
severity: `error` (a rule of the guide or of AWS) or `warning` (a convention of this
project). A finding a waiver covers is reported as waived, with its reason, in every
format, and counts for nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from scaffold import __version__
from scaffold.check.config import Where
from scaffold.check.rules import RULES, Broken, NotJudged, Severity
from scaffold.check.waivers import Waiver

SEVERITY: dict[str, Severity] = {rule.id: rule.severity for rule in RULES}
FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass(frozen=True)
class Finding:
    verdict: Broken
    where: Where | None = None
    waiver: Waiver | None = None

    @property
    def severity(self) -> Severity:
        return SEVERITY.get(self.verdict.rule, "error")


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)  # rules with a verdict on everything they cover
    judged_from: str = "the configuration alone"

    @property
    def broken(self) -> list[Broken]:
        """Every broken rule no waiver covers."""
        return [finding.verdict for finding in self.findings if finding.waiver is None]

    @property
    def errors(self) -> list[Broken]:
        """The broken rules of the guide and of AWS (severity error), not waived."""
        return [v for v in self.broken if SEVERITY.get(v.rule) != "warning"]

    @property
    def warnings(self) -> list[Broken]:
        """The broken conventions of this project (severity warning), not waived: they fail
        neither `check` (unless --fail-on warning) nor an update."""
        return [v for v in self.broken if SEVERITY.get(v.rule) == "warning"]

    @property
    def waived(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.waiver is not None]

    def not_judged_by_rule(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for verdict in self.not_judged:
            reasons = found.setdefault(verdict.rule, [])
            if verdict.why not in reasons:
                reasons.append(verdict.why)
        return found

    def fails(self, fail_on: Severity = "error") -> bool:
        return bool(self.errors or (fail_on == "warning" and self.warnings))

    def lines(self) -> list[str]:
        """One line per broken rule, then one per broken convention (a warning), then one
        per waived finding, then one per rule not judged (with its first reason)."""
        shown = [str(verdict) for verdict in self.errors]
        shown += [f"warning: {verdict}" for verdict in self.warnings]
        shown += [
            f"waived: {finding.verdict} ({finding.waiver.where}: {finding.waiver.reason})"
            for finding in self.waived
            if finding.waiver is not None
        ]
        for rule_name, reasons in self.not_judged_by_rule().items():
            more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
            shown.append(f"{rule_name}: not judged: {reasons[0]}{more}")
        return shown

    def summary(self, project: str) -> str:
        not_judged = len(self.not_judged_by_rule())
        warned = len({b.rule for b in self.warnings})
        waived = len(self.waived)
        hint = " (give --plan to judge the rest)" if not_judged and "alone" in self.judged_from else ""
        return (
            f"{project}: {len({b.rule for b in self.errors})} of {len(RULES)} rules"
            f" broken, {not_judged} not judged, judged from {self.judged_from}{hint}"
            + (f"; {warned} convention{'s' if warned > 1 else ''} not followed" if warned else "")
            + (f"; {waived} finding{'s' if waived > 1 else ''} waived" if waived else "")
        )

    # --- for machines -------------------------------------------------------------------

    def as_json(self, project: str) -> str:
        document = {
            "tool": "vpc-lambda-new",
            "version": __version__,
            "project": project,
            "judged_from": self.judged_from,
            "rules": len(RULES),
            "findings": [finding_data(finding) for finding in self.findings],
            "not_judged": [{"rule": v.rule, "why": v.why} for v in self.not_judged],
            "summary": self.summary(project),
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    def as_sarif(self) -> str:
        index = {rule.id: number for number, rule in enumerate(RULES)}
        results = []
        for finding in self.findings:
            result: dict[str, Any] = {
                "ruleId": finding.verdict.rule,
                "level": finding.severity,
                "message": {"text": f"{finding.verdict.address}: {finding.verdict.found}"},
                "locations": [location(finding)],
            }
            if finding.verdict.rule in index:
                result["ruleIndex"] = index[finding.verdict.rule]
            if finding.waiver is not None:
                result["suppressions"] = [
                    {
                        "kind": "inSource",
                        "status": "accepted",
                        "justification": finding.waiver.reason,
                        "location": {
                            "physicalLocation": physical(finding.waiver.where),
                        },
                    }
                ]
            results.append(result)
        notes = [
            {"level": "note", "message": {"text": f"{verdict.rule}: not judged: {verdict.why}"}}
            for verdict in self.not_judged
        ]
        run = {
            "tool": {
                "driver": {
                    "name": "vpc-lambda-new",
                    "version": __version__,
                    "rules": [
                        {
                            "id": rule.id,
                            "name": rule.id,
                            "shortDescription": {"text": rule.description},
                            "helpUri": rule.link,
                            "defaultConfiguration": {"level": rule.severity},
                        }
                        for rule in RULES
                    ],
                }
            },
            "invocations": [
                {"executionSuccessful": True, "toolExecutionNotifications": notes}
            ],
            "results": results,
        }
        return json.dumps(
            {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]},
            indent=2,
            ensure_ascii=False,
        )


def finding_data(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.verdict.rule,
        "severity": finding.severity,
        "address": finding.verdict.address,
        "message": finding.verdict.found,
        "file": finding.where.path if finding.where else None,
        "line": finding.where.line if finding.where else None,
        "waived": (
            {
                "reason": finding.waiver.reason,
                "file": finding.waiver.where.path,
                "line": finding.waiver.where.line,
            }
            if finding.waiver
            else None
        ),
    }


def physical(where: Where) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": where.path},
        "region": {"startLine": max(where.line, 1)},
    }


def location(finding: Finding) -> dict[str, Any]:
    """Where a result is: its file and line, else (a finding about the whole project, such
    as a missing module) the address it names, as a logical location."""
    logical = [{"fullyQualifiedName": finding.verdict.address.split(" (")[0]}]
    if finding.where is None:
        return {"logicalLocations": logical}
    return {"physicalLocation": physical(finding.where), "logicalLocations": logical}


def rule_table() -> list[str]:
    """`check --list-rules`: one line per rule: id, severity, what it checks, its link."""
    width = max(len(rule.id) for rule in RULES)
    return [
        f"{rule.id:<{width}}  {rule.severity:<7}  {rule.description}  {rule.link}"
        for rule in RULES
    ]
