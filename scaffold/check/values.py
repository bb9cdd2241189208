"""Values of the evaluator: unknowns, what a plan knows, instances and scopes, and the
operations of the language (equality, arithmetic, conversion, templates)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from lark import Token, Tree

from scaffold.check.config import (
    Module,
    ModuleCall,
    Node,
    Resource,
    Where,
)


class Unknown:
    """A value not known before apply, or one this evaluator cannot work out."""

    def __repr__(self) -> str:
        return "(unknown)"


UNKNOWN = Unknown()


@dataclass(frozen=True, repr=False)
class Ref(Unknown):
    """The value at `path` of resource instance `address`: unknown, but whose it is is known."""

    address: str
    path: tuple[str | int, ...]

    def __repr__(self) -> str:
        tail = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.path)
        return f"{self.address}{tail} (known after apply)"

    def extended(self, *parts: str | int) -> Ref:
        return Ref(self.address, self.path + parts)


@dataclass(frozen=True, repr=False)
class Filtered(Unknown):
    """`[for item in REF : item if CONDITION]` with a condition not known before apply: some
    of REF's items, in their order. Which ones is unknown, but two positions of it hold
    two different positions of REF: item N of it is Ref(REF's address, REF's path +
    ("filtered", N))."""

    source: Ref

    def __repr__(self) -> str:
        return f"some of {self.source!r}"

    def item(self, position: int) -> Ref:
        return self.source.extended("filtered", position)


@dataclass(frozen=True, repr=False)
class Template(Unknown):
    """A string with known and unknown parts, e.g. an ARN with an unknown partition."""

    parts: tuple[object, ...]

    def __repr__(self) -> str:
        return "".join(part if isinstance(part, str) else "${?}" for part in self.parts)

    def endswith(self, suffix: str) -> bool:
        last = self.parts[-1] if self.parts else None
        return isinstance(last, str) and last.endswith(suffix)


@dataclass(frozen=True)
class Instance:
    """A resource instance used as a value (`aws_subnet.private["az1"]`, `each.value`)."""

    address: str


class EvaluationError(Exception):
    """Terraform itself would fail here (a missing key, a wrong type); `try` catches it."""


MISSING: Any = object()


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: object) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unknown(item) for item in value)
    return False


def instance_address(module_address: str, resource_address: str, key: object) -> str:
    prefix = f"{module_address}." if module_address else ""
    if key is None:
        return f"{prefix}{resource_address}"
    shown = json.dumps(key) if isinstance(key, str) else str(key)
    return f"{prefix}{resource_address}[{shown}]"


# --- what a plan or state knows -------------------------------------------------------


class PlanValues:
    """The values of a `terraform show -json` document: a plan, or a state.

    Unknown values of a plan (its `after_unknown`) become `UNKNOWN` leaves.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        self.keys: dict[tuple[str, str], list[object]] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, Any] = {
            name: entry.get("value") for name, entry in (document.get("variables") or {}).items()
        }
        if "resource_changes" in document or "planned_values" in document:
            prior = (document.get("prior_state") or {}).get("values") or {}
            for record in walk_resources(prior.get("root_module") or {}):
                if record.get("mode") == "data":
                    self._add(record, record.get("values") or {})
            for change in document.get("resource_changes") or []:
                after = (change.get("change") or {}).get("after")
                if change.get("change", {}).get("actions") == ["delete"] or after is None:
                    continue
                unknown = change["change"].get("after_unknown") or {}
                self._add(change, with_unknowns(after, unknown))
        else:
            state = document.get("values") or {}
            for record in walk_resources(state.get("root_module") or {}):
                self._add(record, record.get("values") or {})

    def _add(self, record: Mapping[str, Any], values: dict[str, Any]) -> None:
        address = str(record["address"])
        module_address = str(record.get("module_address") or module_of(address))
        prefix = "data." if record.get("mode") == "data" else ""
        resource = f"{prefix}{record['type']}.{record['name']}"
        self.values[address] = values
        self.records[address] = dict(record)
        keys = self.keys.setdefault((module_address, resource), [])
        if record.get("index") not in keys:
            keys.append(record.get("index"))

    def modules(self) -> set[str]:
        return {module for module, _resource in self.keys}


def module_of(address: str) -> str:
    """The module part of an instance address: module.a.aws_x.y -> module.a."""
    parts = split_address(address)
    module_parts: list[str] = []
    index = 0
    while index + 1 < len(parts) and parts[index] == "module":
        module_parts += parts[index : index + 2]
        index += 2
    return ".".join(module_parts)


def split_address(address: str) -> list[str]:
    """Dot-separated parts of an address, keeping bracketed keys (which may hold dots) whole."""
    parts, current, depth, quoted = [], "", 0, False
    for char in address:
        if char == '"' and depth:
            quoted = not quoted
        if char == "[" and not quoted:
            depth += 1
        elif char == "]" and not quoted:
            depth -= 1
        if char == "." and not depth:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def walk_resources(module: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources") or []
    for child in module.get("child_modules") or []:
        yield from walk_resources(child)


def with_unknowns(after: Any, unknown: Any) -> Any:
    if unknown is True:
        return UNKNOWN
    if isinstance(after, dict):
        keyed: dict[str, Any] = unknown if isinstance(unknown, dict) else {}
        return {key: with_unknowns(after.get(key), keyed.get(key)) for key in {*after, *keyed}}
    if isinstance(after, list) or isinstance(unknown, list):
        items = after if isinstance(after, list) else []
        marks: list[Any] = unknown if isinstance(unknown, list) else []
        return [with_unknowns(item, mark) for item, mark in zip_longest(items, marks)]
    return after


# --- the evaluator -----------------------------------------------------------------------


@dataclass
class ModuleInstance:
    address: str  # "" for the root, "module.network" below it
    config: Module
    parent: ModuleInstance | None = None
    call: ModuleCall | None = None
    path: str = "."
    # One instance of a call with for_each: its `each` ({"key": ..., "value": ...}).
    each: dict[str, Any] | None = None


@dataclass(frozen=True)
class InstanceInfo:
    """One instance of a resource: where it is declared, and what its keys are."""

    address: str
    module: ModuleInstance
    resource: Resource
    key: object

    @property
    def where(self) -> Where:
        return self.resource.where

    @property
    def config_address(self) -> str:
        """The resource's address without instance keys: what depends_on and references name."""
        # A module instance's key goes too (module.a["k"] -> module.a).
        prefix = f"{self.module.address}." if self.module.address else ""
        return ".".join(part.split("[", 1)[0] for part in split_address(prefix + self.resource.address))


@dataclass
class Scope:
    module: ModuleInstance
    names: dict[str, Any] = field(default_factory=dict)

    def with_names(self, **names: Any) -> Scope:
        return Scope(self.module, {**self.names, **names})


Step = tuple[str, Any]  # ("attr", name) | ("index", node or int) | ("splat", [steps])


def newline(node: Node) -> bool:
    return isinstance(node, Tree) and node.data == "new_line_or_comment"


def bare_identifier(node: Node) -> str | None:
    """`name` when a node is just an identifier (an object key written without quotes)."""
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = [child for child in node.children if not newline(child)]
        if len(inner) != 1:
            return None
        node = inner[0]
    if isinstance(node, Tree) and node.data == "identifier":
        return str(node.children[0])
    return None


def traversal_name(node: Node) -> str:
    name = bare_identifier(node)
    if name is None:
        raise EvaluationError("an iterator must be a name")
    return name


def dynamic_label(block: Any) -> str | None:
    return block.labels[0] if block.type == "dynamic" and block.labels else None


def flatten(node: Tree[Token]) -> tuple[str | Tree[Token], list[Step]]:
    """A traversal as its root (a name, or an expression) and its steps."""
    steps: list[Step] = []
    current: Node = node
    while True:
        if isinstance(current, Tree) and current.data == "expr_term":
            inner = [child for child in current.children if not newline(child)]
            if len(inner) == 1 and isinstance(inner[0], Tree):
                current = inner[0]
                continue
            return current, steps
        if not isinstance(current, Tree):
            raise EvaluationError("unexpected token in a traversal")
        if current.data == "identifier":
            return str(current.children[0]), steps
        if current.data in ("get_attr_expr_term", "index_expr_term"):
            base, operation = current.children
            steps.insert(0, step_of(operation))
            current = base
            continue
        if current.data in ("attr_splat_expr_term", "full_splat_expr_term"):
            base, splat = current.children
            assert isinstance(splat, Tree)
            inner_steps = [step_of(child) for child in splat.children if isinstance(child, Tree)]
            steps = [("splat", inner_steps + steps)]
            current = base
            continue
        return current, steps


def step_of(node: Node) -> Step:
    assert isinstance(node, Tree)
    if node.data == "get_attr":
        name_node = node.children[-1]
        return (
            "attr",
            str(name_node.children[0]) if isinstance(name_node, Tree) else str(name_node),
        )
    if node.data == "short_index":
        return ("index", int(str(node.children[-1])))
    if node.data == "braces_index":
        expression = next(c for c in node.children if isinstance(c, Tree) and not newline(c))
        return ("index", expression)
    raise EvaluationError(f"unexpected traversal step {node.data}")


def iterate(collection: Any) -> list[tuple[Any, Any]]:
    if isinstance(collection, dict):
        return [(key, collection[key]) for key in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    if collection is None:
        raise EvaluationError("cannot iterate null")
    raise EvaluationError(f"cannot iterate a {type(collection).__name__}")


def format_number(number: float) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def to_text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    if is_unknown(value):
        return value
    raise EvaluationError(f"cannot use a {type(value).__name__} in a string")


def join_template(parts: list[object]) -> Any:
    texts = [to_text(part) for part in parts]
    if all(isinstance(text, str) for text in texts):
        return "".join(str(text) for text in texts)
    merged: list[object] = []
    for text in texts:
        if isinstance(text, str) and merged and isinstance(merged[-1], str):
            merged[-1] = str(merged[-1]) + text
        elif isinstance(text, Template):
            merged.extend(text.parts)
        else:
            merged.append(text)
    return Template(tuple(merged))


def equal(first: Any, second: Any) -> Any:
    """Terraform's ==: True, False, or UNKNOWN."""
    if isinstance(first, Ref) and isinstance(second, Ref) and first == second:
        return True
    if is_unknown(first) or is_unknown(second):
        return UNKNOWN
    if isinstance(first, bool) != isinstance(second, bool):
        return False
    if isinstance(first, list) and isinstance(second, list):
        if len(first) != len(second):
            return False
        results = [equal(a, b) for a, b in zip(first, second)]
        return False if False in results else (True if all(r is True for r in results) else UNKNOWN)
    if isinstance(first, dict) and isinstance(second, dict):
        if set(first) != set(second):
            return False
        results = [equal(first[key], second[key]) for key in first]
        return False if False in results else (True if all(r is True for r in results) else UNKNOWN)
    if isinstance(first, (int, float)) and isinstance(second, (int, float)):
        return float(first) == float(second)
    return type(first) is type(second) and first == second


def binary(operator: str, left: Any, right: Any) -> Any:
    if operator == "==":
        return equal(left, right)
    if operator == "!=":
        same = equal(left, right)
        return UNKNOWN if is_unknown(same) else not same
    if operator in ("&&", "||"):
        for side in (left, right):
            if not is_unknown(side) and not isinstance(side, bool):
                raise EvaluationError(f"{operator} needs bools")
        decisive = operator == "||"
        if left is decisive or right is decisive:
            return decisive
        if is_unknown(left) or is_unknown(right):
            return UNKNOWN
        return (left and right) if operator == "&&" else (left or right)
    if is_unknown(left) or is_unknown(right):
        return UNKNOWN
    left, right = number(left), number(right)
    operations: dict[str, Callable[[float, float], Any]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "%": lambda a, b: math.fmod(a, b),
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    try:
        return operations[operator](left, right)
    except ZeroDivisionError:
        raise EvaluationError("division by zero") from None


def number(value: Any) -> float:
    if isinstance(value, bool):
        raise EvaluationError("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            raise EvaluationError(f"{value!r} is not a number") from None
        return int(parsed) if parsed.is_integer() else parsed
    raise EvaluationError(f"a {type(value).__name__} is not a number")


def merge(planned: Any, configured: Any, ref: Ref) -> Any:
    """A plan's value with its unknown leaves taken from the configuration's evaluation.

    Where the two cannot be lined up (a set of blocks the plan sorted differently and
    whose known parts match several configured blocks), the leaf stays unknown, named
    by `ref` so that it is at least the same unknown every time.
    """
    if planned is UNKNOWN or isinstance(planned, Unknown):
        return configured if configured is not MISSING else ref
    if isinstance(planned, dict):
        fields: dict[str, Any] = configured if isinstance(configured, dict) else {}
        return {
            key: merge(item, fields.get(key, MISSING), ref.extended(key))
            for key, item in planned.items()
        }
    if isinstance(planned, list):
        source: list[Any] | None = configured if isinstance(configured, list) else None
        if (
            source is not None
            and len(source) == len(planned)
            and all(compatible(p, c) for p, c in zip(planned, source))
        ):
            return [merge(p, c, ref.extended(i)) for i, (p, c) in enumerate(zip(planned, source))]
        # A set of blocks, sorted by the plan: pair each planned element with the configured
        # one its known parts match. Elements that match the same k configured ones, k of
        # them, are the same k blocks in some order, and as a set that order does not matter.
        candidates = [
            tuple(i for i, c in enumerate(source or []) if compatible(item, c)) for item in planned
        ]
        chosen: dict[int, Any] = {}
        for group in set(candidates):
            members = [i for i, found in enumerate(candidates) if found == group]
            if len(members) == len(group):
                for member, index in zip(members, group):
                    chosen[member] = (source or [])[index]
        merged = [
            merge(item, chosen.get(position, MISSING), ref.extended(position))
            for position, item in enumerate(planned)
        ]
        return merged
    return planned


def compatible(planned: Any, configured: Any) -> bool:
    """Whether a configured value could be the one the plan shows (its known parts agree)."""
    if isinstance(planned, Unknown) or isinstance(configured, Unknown) or configured is MISSING:
        return True
    if isinstance(planned, dict) and isinstance(configured, dict):
        return all(
            compatible(planned[key], configured[key]) for key in planned if key in configured
        )
    if isinstance(planned, list) and isinstance(configured, list):
        if len(planned) != len(configured):
            return False
        if all(compatible(p, c) for p, c in zip(planned, configured)):
            return True
        # A set the plan sorted: the same known strings in another order.
        scalars = (str, int, float, bool)
        return all(isinstance(item, scalars) for item in planned + configured) and sorted(
            map(str, planned)
        ) == sorted(map(str, configured))
    if configured is None and planned in ([], "", False, 0):
        return True  # an argument left null is planned as its default
    if isinstance(planned, (int, float)) and isinstance(configured, str):
        try:
            return float(configured) == float(planned)
        except ValueError:
            return False
    return equal(planned, configured) is True


# --- type conversion of variables -------------------------------------------------------------


def convert(value: Any, type_node: Node) -> Any:
    """The conversions Terraform applies to a variable for its declared type, where they matter here."""
    type_name = type_expression_name(type_node)
    if is_unknown(value) or value is None:
        return value
    if type_name == "set" and isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return sorted(set(value))
        return value
    if type_name == "number" and isinstance(value, str):
        return number(value)
    if type_name == "bool" and isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if type_name == "string" and isinstance(value, (bool, int, float)):
        return to_text(value)
    return value


def type_expression_name(node: Node) -> str:
    name = bare_identifier(node)
    if name is not None:
        return name
    while isinstance(node, Tree) and node.data == "expr_term":
        node = next(child for child in node.children if not newline(child))
    if isinstance(node, Tree) and node.data == "function_call":
        first = node.children[0]
        if isinstance(first, Tree):
            return str(first.children[0])
    return ""


# --- functions -------------------------------------------------------------------------------
