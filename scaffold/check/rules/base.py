"""The Lambda-in-a-VPC guide's rules, and this project's own, each judged once on the model.

Every rule yields `Broken` (the rule, the resource, what was found) or `NotJudged`
(the rule, and what was not known). A rule never passes on a value it could not
work out: see `scaffold.check.model` for how values are resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scaffold.check.model import (
    Model,
)


@dataclass(frozen=True)
class Intent:
    """What the project was generated to be (from its recorded answers)."""

    topology: str  # private, private-nat or existing
    nat: str | None = None  # single or per-az, with private-nat

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
Judge = Callable[[Model, Intent], Iterator[Verdict]]


@dataclass(frozen=True)
class Rule:
    name: str
    says: str
    judge: Judge


RULES: list[Rule] = []


def rule(name: str, says: str) -> Callable[[Judge], Judge]:
    def register(judge: Judge) -> Judge:
        RULES.append(Rule(name, says, judge))
        return judge

    return register


def judge(model: Model, intent: Intent) -> list[Verdict]:
    return [verdict for each in RULES for verdict in each.judge(model, intent)]


# --- helpers ---------------------------------------------------------------------------------
