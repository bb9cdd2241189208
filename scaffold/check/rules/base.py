"""The Lambda-in-a-VPC guide's rules, and this project's own, each judged once on the model.

Every rule yields `Broken` (the rule, the resource, what was found) or `NotJudged`
(the rule, and what was not known). A rule never passes on a value it could not
work out: see `scaffold.check.model` for how values are resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffold.answers import NAT_INSTANCE_LAYOUTS
from scaffold.check.config import Module
from scaffold.check.model import (
    Model,
)


@dataclass(frozen=True)
class Intent:
    """What the project was generated to be (from its recorded answers)."""

    topology: str  # private, private-nat or existing
    nat: str | None = None  # single, per-az, instance or instance-per-az, with private-nat

    @property
    def nat_kind(self) -> str:
        """The route kind that leads to this project's NAT: a gateway, or the interface a
        NAT instance takes over."""
        return "network-interface" if self.nat in NAT_INSTANCE_LAYOUTS else "nat-gateway"

    @property
    def internet(self) -> bool:
        return self.topology != "private"


@dataclass(frozen=True)
class Broken:
    rule: str
    address: str
    found: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.address}: {self.found}"


@dataclass(frozen=True)
class NotJudged:
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.rule}: not judged: {self.why}"


Verdict = Broken | NotJudged
Severity = Literal["error", "warning"]
SEVERITIES = ("error", "warning")

GUIDE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"


@dataclass(frozen=True)
class Subject:
    """What a rule judges: the model, the configuration, the project folder, the intent."""

    model: Model
    configuration: Module
    project: Path
    intent: Intent


Judge = Callable[[Subject], Iterator[Verdict]]


@dataclass(frozen=True)
class Rule:
    """One rule: `id` (the name tests, the README and reports use), `severity` (error: a
    rule of the guide or of AWS; warning: a convention of this project), what it checks,
    the guide section or AWS document it enforces, and its judge."""

    id: str
    severity: Severity
    description: str
    link: str
    judge: Judge

    @property
    def name(self) -> str:
        return self.id

    @property
    def says(self) -> str:
        return self.description


RULES: list[Rule] = []  # the one registry, every family's rules


def rule(
    id: str, says: str, *, link: str = GUIDE, severity: Severity = "error"
) -> Callable[[Judge], Judge]:
    def register(judge: Judge) -> Judge:
        RULES.append(Rule(id, severity, says, link, judge))
        return judge

    return register


@dataclass(frozen=True)
class Runner:
    """Runs rules on one subject: each rule's verdicts, in the registry's order."""

    subject: Subject

    def run(self, rules: Iterable[Rule] | None = None) -> list[tuple[Rule, list[Verdict]]]:
        chosen = RULES if rules is None else rules
        return [(each, list(each.judge(self.subject))) for each in chosen]

    def verdicts(self, rules: Iterable[Rule] | None = None) -> list[Verdict]:
        return [verdict for _rule, found in self.run(rules) for verdict in found]
