"""Terraform expressions evaluated over a configuration, seeded with what a plan knows.

A plan knows every value Terraform could work out before apply; what it cannot (the
ID of a subnet not yet created, the JSON of a policy document that names a log group's
ARN) it marks unknown. Those unknowns are what the rules need most: which route table a
subnet is associated with, which NAT gateway a route goes to. They are written in the
configuration, so this module evaluates the configuration's expressions (python-hcl2's
parse trees, `scaffold.tfconfig`) the way Terraform does, for the subset of the language
a Terraform project of this kind uses:

- an attribute the plan knows is taken from the plan;
- an argument the plan does not know is evaluated from its expression, with `each`,
  `count`, dynamic-block iterators, locals, variables and module inputs and outputs;
- an attribute only the provider computes (an `id`, an `arn`) becomes `Ref(address, path)`:
  unknown, but known to be *that* attribute of *that* instance, which is what links
  a route to its route table;
- anything else this evaluator cannot work out is `UNKNOWN`, and a rule that needs it
  says it could not judge, rather than pass.

Without a plan the same evaluation runs from terraform.tfvars and the variables'
defaults alone: instances come from evaluating `for_each` and `count`, and every data
source's attributes are unknown.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import product, zip_longest
from typing import Any

from lark import Token, Tree

from scaffold.tfconfig import (
    META_ARGUMENTS,
    Body,
    Module,
    ModuleCall,
    Node,
    Resource,
    Where,
    unescape,
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


class Known:
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
        prefix = f"{self.module.address}." if self.module.address else ""
        return prefix + self.resource.address


@dataclass
class Scope:
    module: ModuleInstance
    names: dict[str, Any] = field(default_factory=dict)

    def with_names(self, **names: Any) -> Scope:
        return Scope(self.module, {**self.names, **names})


class Evaluator:
    def __init__(
        self,
        root: Module,
        known: Known | None = None,
        root_variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.known = known
        self.root_variables = dict(root_variables or {})
        self.root = ModuleInstance("", root)
        self.modules: dict[str, ModuleInstance] = {}
        self._register(self.root)
        self.infos: dict[str, InstanceInfo] = {}
        self._memo: dict[tuple[str, ...], Any] = {}
        self._known_modules = known.modules() | {""} if known is not None else set()
        self._busy: set[tuple[str, ...]] = set()

    def _register(self, module: ModuleInstance) -> None:
        self.modules[module.address] = module
        for name, call in module.config.calls.items():
            child = module.config.children.get(name)
            if (
                child is None
                or "count" in call.body.attributes
                or "for_each" in call.body.attributes
            ):
                continue  # a registry module, or several instances of one: left unknown
            address = f"{module.address}.module.{name}" if module.address else f"module.{name}"
            path = call.source if module.path == "." else f"{module.path}/{call.source}"
            self._register(ModuleInstance(address, child, module, call, path.removeprefix("./")))

    def _memoised(self, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:  # a cycle: Terraform would refuse it
            return UNKNOWN
        self._busy.add(key)
        try:
            try:
                value = compute()
            except EvaluationError:
                value = UNKNOWN
        finally:
            self._busy.discard(key)
        self._memo[key] = value
        return value

    # --- instances --------------------------------------------------------------------

    def resource_keys(self, module: ModuleInstance, resource: Resource) -> list[object] | None:
        """The instance keys of a resource (None for a single instance), or None if unknown."""

        def compute() -> list[object] | None:
            if self.known is not None and module.address in self._known_modules:
                return list(self.known.keys.get((module.address, resource.address), []))
            body = resource.body.attributes
            scope = Scope(module)
            if "for_each" in body:
                collection = self.expression(body["for_each"], scope)
                if isinstance(collection, dict):
                    return sorted(collection)
                if isinstance(collection, list) and all(isinstance(k, str) for k in collection):
                    return sorted(set(collection))
                return None
            if "count" in body:
                count = self.expression(body["count"], scope)
                if isinstance(count, (int, float)) and not isinstance(count, bool):
                    return list(range(int(count)))
                return None
            return [None]

        found = self._memoised(("keys", module.address, resource.address), compute)
        return None if found is UNKNOWN else found

    def instances(self) -> Iterator[InstanceInfo]:
        """Every resource instance of the configuration, in module order."""
        for module in self.modules.values():
            for resource in module.config.resources.values():
                for key in self.resource_keys(module, resource) or []:
                    yield self.info(module, resource, key)

    def unenumerable(self) -> list[str]:
        """Resources whose instances cannot be known without a plan (for_each over unknowns)."""
        return [
            (f"{module.address}." if module.address else "") + resource.address
            for module in self.modules.values()
            for resource in module.config.resources.values()
            if self.resource_keys(module, resource) is None
        ]

    def info(self, module: ModuleInstance, resource: Resource, key: object) -> InstanceInfo:
        address = instance_address(module.address, resource.address, key)
        if address not in self.infos:
            self.infos[address] = InstanceInfo(address, module, resource, key)
        return self.infos[address]

    def resource_value(self, module: ModuleInstance, resource: Resource) -> Any:
        """What `aws_x.y` means in an expression: one instance, a list (count) or a map (for_each)."""
        keys = self.resource_keys(module, resource)
        if keys is None:
            return UNKNOWN
        if "for_each" in resource.body.attributes:
            return {key: Instance(self.info(module, resource, key).address) for key in keys}
        if "count" in resource.body.attributes:
            return [Instance(self.info(module, resource, key).address) for key in keys]
        if not keys:
            raise EvaluationError(f"{resource.address} has no instance")
        return Instance(self.info(module, resource, keys[0]).address)

    def instance_scope(self, info: InstanceInfo) -> Scope:
        scope = Scope(info.module)
        body = info.resource.body.attributes
        if "for_each" in body:
            collection = self.expression(body["for_each"], scope)
            if isinstance(collection, dict):
                value = collection.get(str(info.key), UNKNOWN)
            elif isinstance(collection, list):
                value = info.key
            else:
                value = UNKNOWN
            return scope.with_names(each={"key": info.key, "value": value})
        if "count" in body:
            return scope.with_names(count={"index": info.key})
        return scope

    # --- attributes of instances ----------------------------------------------------------

    def attribute(self, address: str, name: str) -> Any:
        """The value of one attribute of a resource instance."""
        return self._memoised(("attr", address, name), lambda: self._attribute(address, name))

    def _attribute(self, address: str, name: str) -> Any:
        planned = MISSING
        if self.known is not None and address in self.known.values:
            planned = self.known.values[address].get(name, MISSING)
            if planned is not MISSING and not contains_unknown(planned):
                return planned
        info = self.infos.get(address)
        configured = self.argument(info, name) if info is not None else MISSING
        if planned is MISSING:
            return Ref(address, (name,)) if configured is MISSING else configured
        return merge(planned, configured, Ref(address, (name,)))

    def argument(self, info: InstanceInfo, name: str) -> Any:
        """An argument as the configuration writes it, evaluated; MISSING if it is not set."""
        if name in META_ARGUMENTS:
            return MISSING
        body = info.resource.body
        scope = self.instance_scope(info)
        if name in body.attributes:
            return self.expression(body.attributes[name], scope)
        if any(block.type == name or dynamic_label(block) == name for block in body.blocks):
            return self.blocks(body, name, scope)
        return MISSING

    def blocks(self, body: Body, type_name: str, scope: Scope) -> Any:
        """Every nested block of one type, static and dynamic, in source order, as objects."""
        found: list[Any] = []
        for block in body.blocks:
            if block.type == type_name:
                found.append(self.block_object(block.body, scope))
            elif dynamic_label(block) == type_name:
                iterator_node = block.body.attributes.get("iterator")
                iterator = traversal_name(iterator_node) if iterator_node is not None else type_name
                collection = self.expression(block.body.attributes["for_each"], scope)
                contents = block.body.blocks_of("content")
                if is_unknown(collection) or not contents:
                    return UNKNOWN
                for key, value in iterate(collection):
                    inner = scope.with_names(**{iterator: {"key": key, "value": value}})
                    found.append(self.block_object(contents[0].body, inner))
        return found

    def block_object(self, body: Body, scope: Scope) -> dict[str, Any]:
        value = {
            name: self.expression(node, scope)
            for name, node in body.attributes.items()
            if name not in META_ARGUMENTS
        }
        types = {
            block.type if block.type != "dynamic" else dynamic_label(block) for block in body.blocks
        }
        for type_name in sorted(t for t in types if t and t not in META_ARGUMENTS):
            value[type_name] = self.blocks(body, type_name, scope)
        return value

    # --- names: variables, locals, module outputs ---------------------------------------

    def variable(self, module: ModuleInstance, name: str) -> Any:
        def compute() -> Any:
            declared = module.config.variables.get(name)
            if module.parent is None:
                if self.known is not None and name in self.known.variables:
                    value = self.known.variables[name]
                elif name in self.root_variables:
                    value = self.root_variables[name]
                elif declared is not None and "default" in declared.attributes:
                    value = self.expression(declared.attributes["default"], Scope(module))
                else:
                    return UNKNOWN
            else:
                assert module.call is not None
                given = module.call.body.attributes.get(name)
                if given is not None:
                    value = self.expression(given, Scope(module.parent))
                elif declared is not None and "default" in declared.attributes:
                    value = self.expression(declared.attributes["default"], Scope(module))
                else:
                    return UNKNOWN
            if declared is not None and "type" in declared.attributes:
                value = convert(value, declared.attributes["type"])
            return value

        return self._memoised(("var", module.address, name), compute)

    def local(self, module: ModuleInstance, name: str) -> Any:
        node = module.config.locals.get(name)
        if node is None:
            raise EvaluationError(f"no local.{name}")
        return self._memoised(
            ("local", module.address, name), lambda: self.expression(node, Scope(module))
        )

    def output(self, module: ModuleInstance, name: str) -> Any:
        body = module.config.outputs.get(name)
        if body is None or "value" not in body.attributes:
            raise EvaluationError(f"no output {name}")
        return self._memoised(
            ("output", module.address, name),
            lambda: self.expression(body.attributes["value"], Scope(module)),
        )

    def child(self, module: ModuleInstance, name: str) -> ModuleInstance | None:
        address = f"{module.address}.module.{name}" if module.address else f"module.{name}"
        return self.modules.get(address)

    # --- expressions ---------------------------------------------------------------------

    def expression(self, node: Node, scope: Scope) -> Any:
        if isinstance(node, Token):
            raise EvaluationError(f"unexpected token {node!r}")
        handler = getattr(self, f"_eval_{node.data}", None)
        if handler is None:
            return UNKNOWN
        return handler(node, scope)

    def _eval_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        inner = [child for child in node.children if isinstance(child, Tree) and not newline(child)]
        if len(inner) != 1:
            raise EvaluationError("unexpected expression shape")
        return self.expression(inner[0], scope)

    def _eval_int_lit(self, node: Tree[Token], scope: Scope) -> Any:
        return int(str(node.children[0]))

    def _eval_float_lit(self, node: Tree[Token], scope: Scope) -> Any:
        return float(str(node.children[0]))

    def _eval_literal_value(self, node: Tree[Token], scope: Scope) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _eval_string(self, node: Tree[Token], scope: Scope) -> Any:
        parts: list[object] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            (content,) = part.children
            if isinstance(content, Token):
                text = str(content)
                if content.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    parts.append(text[1:])
                else:
                    parts.append(unescape(text))
            elif content.data == "interpolation":
                parts.append(self.expression(content.children[1], scope))
            else:
                return UNKNOWN  # template directives (%{ if }, %{ for })
        return join_template(parts)

    def _eval_heredoc_template(self, node: Tree[Token], scope: Scope) -> Any:
        return self.heredoc(str(node.children[0]), scope, trim=False)

    def _eval_heredoc_template_trim(self, node: Tree[Token], scope: Scope) -> Any:
        return self.heredoc(str(node.children[0]), scope, trim=True)

    def heredoc(self, text: str, scope: Scope, *, trim: bool) -> Any:
        lines = text.split("\n")
        body_lines = lines[1:-2]  # "<<EOT", ..., "EOT", ""
        if trim:
            indents = [len(line) - len(line.lstrip()) for line in body_lines if line.strip()]
            cut = min(indents, default=0)
            body_lines = [line[cut:] for line in body_lines]
        body = "\n".join(body_lines) + ("\n" if body_lines else "")
        return self.template(body, scope)

    def template(self, text: str, scope: Scope) -> Any:
        """A heredoc's text: literal, with ${ } interpolations and no directives."""
        import hcl2

        parts: list[object] = []
        index = 0
        while True:
            start = text.find("${", index)
            directive = text.find("%{", index)
            if (
                directive != -1
                and (start == -1 or directive < start)
                and text[directive - 1 : directive] != "%"
            ):
                return UNKNOWN
            if start == -1:
                parts.append(text[index:])
                break
            if text[start - 1 : start] == "$":  # $${ is a literal ${
                parts.append(text[index : start - 1] + "${")
                index = start + 2
                continue
            parts.append(text[index:start])
            end, depth = start + 2, 1
            while end < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            if depth:
                return UNKNOWN
            tree = hcl2.parses_to_tree(f"x = {text[start + 2 : end - 1]}")
            attribute = next(
                child
                for child in tree.children[0].children
                if isinstance(child, Tree) and child.data == "attribute"
            )
            parts.append(self.expression(attribute.children[2], scope))
            index = end
        return join_template(
            [part.replace("%%{", "%{") if isinstance(part, str) else part for part in parts]
        )

    def _eval_tuple(self, node: Tree[Token], scope: Scope) -> Any:
        return [
            self.expression(child, scope)
            for child in node.children
            if isinstance(child, Tree) and not newline(child)
        ]

    def _eval_object(self, node: Tree[Token], scope: Scope) -> Any:
        value: dict[str, Any] = {}
        for element in node.children:
            if not isinstance(element, Tree) or element.data != "object_elem":
                continue
            key_node, _separator, value_node = element.children
            key = self.object_key(key_node, scope)
            if is_unknown(key):
                return UNKNOWN
            value[key] = self.expression(value_node, scope)
        return value

    def object_key(self, node: Node, scope: Scope) -> Any:
        assert isinstance(node, Tree)
        (inner,) = [child for child in node.children if not newline(child)]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        name = bare_identifier(inner)
        if name is not None:
            return name
        key = self.expression(inner, scope)
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            return format_number(key)
        if not isinstance(key, str) and not is_unknown(key):
            raise EvaluationError("object keys must be strings")
        return key

    def _eval_conditional(self, node: Tree[Token], scope: Scope) -> Any:
        condition, then, otherwise = [
            c for c in node.children if isinstance(c, Tree) and not newline(c)
        ]
        test = self.expression(condition, scope)
        if test is True:
            return self.expression(then, scope)
        if test is False:
            return self.expression(otherwise, scope)
        if not is_unknown(test):
            raise EvaluationError("a condition must be a bool")
        first, second = self.expression(then, scope), self.expression(otherwise, scope)
        return first if equal(first, second) is True else UNKNOWN

    def _eval_unary_op(self, node: Tree[Token], scope: Scope) -> Any:
        operator, operand = node.children
        value = self.expression(operand, scope)
        if is_unknown(value):
            return UNKNOWN
        if str(operator) == "!":
            if not isinstance(value, bool):
                raise EvaluationError("! needs a bool")
            return not value
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise EvaluationError("- needs a number")
        return -value

    def _eval_binary_op(self, node: Tree[Token], scope: Scope) -> Any:
        left_node, term = [c for c in node.children if isinstance(c, Tree) and not newline(c)]
        operator_node, right_node = [
            c for c in term.children if isinstance(c, Tree) and not newline(c)
        ]
        operator = str(operator_node.children[0])
        return binary(
            operator, self.expression(left_node, scope), self.expression(right_node, scope)
        )

    def _eval_function_call(self, node: Tree[Token], scope: Scope) -> Any:
        names = [
            child
            for child in node.children
            if isinstance(child, Tree) and child.data == "identifier"
        ]
        if len(names) != 1:
            return UNKNOWN  # provider-defined functions
        name = str(names[0].children[0])
        arguments_node = next(
            (
                child
                for child in node.children
                if isinstance(child, Tree) and child.data == "arguments"
            ),
            None,
        )
        argument_nodes = (
            [c for c in arguments_node.children if isinstance(c, Tree) and not newline(c)]
            if arguments_node is not None
            else []
        )
        expand = arguments_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments_node.children
        )
        if name == "try":
            for argument in argument_nodes:
                try:
                    value = self.expression(argument, scope)
                except EvaluationError:
                    continue
                return value
            raise EvaluationError("no argument of try() could be evaluated")
        if name == "can":
            try:
                value = self.expression(argument_nodes[0], scope)
            except EvaluationError:
                return False
            return UNKNOWN if contains_unknown(value) and not isinstance(value, Ref) else True
        arguments = [self.expression(argument, scope) for argument in argument_nodes]
        if expand:
            if not arguments or is_unknown(arguments[-1]) or not isinstance(arguments[-1], list):
                return UNKNOWN
            arguments = arguments[:-1] + list(arguments[-1])
        function = FUNCTIONS.get(name)
        if function is None:
            return UNKNOWN
        if name not in UNKNOWN_AWARE and any(is_unknown(argument) for argument in arguments):
            return UNKNOWN
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as problem:
            raise EvaluationError(f"{name}(): {problem}") from None

    def _for(self, node: Tree[Token], scope: Scope, *, as_object: bool) -> Any:
        parts = [c for c in node.children if isinstance(c, Tree) and not newline(c)]
        intro, *rest = parts
        condition_node = rest.pop() if rest and rest[-1].data == "for_cond" else None
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        names = [
            str(c.children[0])
            for c in intro.children
            if isinstance(c, Tree) and c.data == "identifier"
        ]
        collection_node = next(
            c
            for c in intro.children
            if isinstance(c, Tree) and c.data != "identifier" and not newline(c)
        )
        collection = self.expression(collection_node, scope)
        if is_unknown(collection):
            return UNKNOWN
        items: list[Any] = []
        result: dict[str, Any] = {}
        for key, value in iterate(collection):
            bound = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
            inner = scope.with_names(**bound)
            if condition_node is not None:
                cond_expr = next(
                    c for c in condition_node.children if isinstance(c, Tree) and not newline(c)
                )
                keep = self.expression(cond_expr, inner)
                if is_unknown(keep):
                    return UNKNOWN
                if keep is not True and keep is not False:
                    raise EvaluationError("a for condition must be a bool")
                if not keep:
                    continue
            if not as_object:
                items.append(self.expression(rest[0], inner))
                continue
            item_key = self.expression(rest[0], inner)
            if is_unknown(item_key):
                return UNKNOWN
            if isinstance(item_key, (int, float)) and not isinstance(item_key, bool):
                item_key = format_number(item_key)
            if not isinstance(item_key, str):
                raise EvaluationError("for expression keys must be strings")
            item_value = self.expression(rest[1], inner)
            if grouping:
                result.setdefault(item_key, []).append(item_value)
            elif item_key in result:
                raise EvaluationError(f"duplicate key {item_key!r} in a for expression")
            else:
                result[item_key] = item_value
        return result if as_object else items

    def _eval_for_tuple_expr(self, node: Tree[Token], scope: Scope) -> Any:
        return self._for(node, scope, as_object=False)

    def _eval_for_object_expr(self, node: Tree[Token], scope: Scope) -> Any:
        return self._for(node, scope, as_object=True)

    # --- traversals: a.b[c].d, splats ----------------------------------------------------------

    def _eval_identifier(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_get_attr_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_index_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_attr_splat_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def _eval_full_splat_expr_term(self, node: Tree[Token], scope: Scope) -> Any:
        return self.traverse(node, scope)

    def traverse(self, node: Tree[Token], scope: Scope) -> Any:
        base, steps = flatten(node)
        if isinstance(base, str):
            value, steps = self.root_name(base, steps, scope)
        else:
            value = self.expression(base, scope)
        return self.apply_steps(value, steps, scope)

    def root_name(self, name: str, steps: list[Step], scope: Scope) -> tuple[Any, list[Step]]:
        """The value a traversal starts from, and the steps left to apply to it."""
        if name in scope.names:
            return scope.names[name], steps
        module = scope.module

        def attribute_name(index: int) -> str:
            if len(steps) <= index or steps[index][0] != "attr":
                raise EvaluationError(f"{name} needs an attribute")
            return str(steps[index][1])

        if name == "var":
            return self.variable(module, attribute_name(0)), steps[1:]
        if name == "local":
            return self.local(module, attribute_name(0)), steps[1:]
        if name == "module":
            child = self.child(module, attribute_name(0))
            if child is None:
                return UNKNOWN, []
            if len(steps) > 1 and steps[1][0] == "attr":
                return self.output(child, str(steps[1][1])), steps[2:]
            return {output: self.output(child, output) for output in child.config.outputs}, steps[
                1:
            ]
        if name == "path":
            where = attribute_name(0)
            return (module.path if where == "module" else "."), steps[1:]
        if name == "terraform":
            return ("default" if attribute_name(0) == "workspace" else UNKNOWN), steps[1:]
        if name in ("self", "each", "count"):
            return UNKNOWN, []
        if name == "data":
            address = f"data.{attribute_name(0)}.{attribute_name(1)}"
            rest = steps[2:]
        else:
            address = f"{name}.{attribute_name(0)}"
            rest = steps[1:]
        resource = module.config.resources.get(address)
        if resource is None:
            raise EvaluationError(f"no resource {address}")
        return self.resource_value(module, resource), rest

    def apply_steps(self, value: Any, steps: list[Step], scope: Scope) -> Any:
        for kind, argument in steps:
            if kind == "splat":
                if is_unknown(value):
                    return UNKNOWN
                items = value if isinstance(value, list) else [] if value is None else [value]
                return [self.apply_steps(item, argument, scope) for item in items]
            if kind == "attr":
                value = self.get(value, str(argument))
            else:
                key = argument if isinstance(argument, int) else self.expression(argument, scope)
                value = self.index(value, key)
            if is_unknown(value) and not isinstance(value, Ref):
                return UNKNOWN
        return value

    def get(self, value: Any, name: str) -> Any:
        if isinstance(value, Instance):
            return self.attribute(value.address, name)
        if isinstance(value, Ref):
            return value.extended(name)
        if is_unknown(value):
            return UNKNOWN
        if isinstance(value, dict):
            if name not in value:
                raise EvaluationError(f"no attribute {name}")
            return value[name]
        if value is None:
            raise EvaluationError(f"attribute {name} of null")
        raise EvaluationError(f"attribute {name} of a {type(value).__name__}")

    def index(self, value: Any, key: Any) -> Any:
        if is_unknown(key):
            return UNKNOWN
        if isinstance(value, Ref):
            return value.extended(key if isinstance(key, (int, str)) else str(key))
        if isinstance(value, Instance):
            if isinstance(key, str):
                return self.attribute(value.address, key)
            raise EvaluationError("an instance is not a list")
        if is_unknown(value):
            return UNKNOWN
        if isinstance(value, list):
            if isinstance(key, str) and key.isdigit():
                key = int(key)
            if not isinstance(key, (int, float)) or isinstance(key, bool) or int(key) != key:
                raise EvaluationError("a list index must be a whole number")
            if not 0 <= int(key) < len(value):
                raise EvaluationError(f"index {key} out of range")
            return value[int(key)]
        if isinstance(value, dict):
            text = (
                format_number(key)
                if isinstance(key, (int, float)) and not isinstance(key, bool)
                else key
            )
            if text not in value:
                raise EvaluationError(f"no key {key!r}")
            return value[text]
        raise EvaluationError(f"cannot index a {type(value).__name__}")


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


def _require_known(*values: Any) -> None:
    if any(contains_unknown(value) for value in values):
        raise _UnknownResult


class _UnknownResult(Exception):
    pass


def _keys(value: Any) -> list[str]:
    if not isinstance(value, dict):
        raise TypeError("keys() needs a map")
    return sorted(value)


def _values(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise TypeError("values() needs a map")
    return [value[key] for key in sorted(value)]


def _sort(value: Any) -> list[str]:
    _require_known(value)
    if not all(isinstance(item, str) for item in value):
        raise TypeError("sort() needs strings")
    return sorted(value)


def _toset(value: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError("toset() needs a list")
    if contains_unknown(value):
        return UNKNOWN
    if all(isinstance(item, str) for item in value):
        return sorted(set(value))
    distinct: list[Any] = []
    for item in value:
        if not any(equal(item, seen) is True for seen in distinct):
            distinct.append(item)
    return distinct


def _contains(collection: Any, wanted: Any) -> Any:
    if not isinstance(collection, list):
        raise TypeError("contains() needs a list")
    results = [equal(item, wanted) for item in collection]
    if True in results:
        return True
    return UNKNOWN if any(is_unknown(result) for result in results) else False


def _length(value: Any) -> int:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise TypeError("length() needs a collection")


def _concat(*lists: Any) -> list[Any]:
    result: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise TypeError("concat() needs lists")
        result += item
    return result


def _slice(value: Any, start: Any, end: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("slice() needs a list")
    begin, stop = int(number(start)), int(number(end))
    if not 0 <= begin <= stop <= len(value):
        raise ValueError("slice() bounds out of range")
    return value[begin:stop]


def _lookup(value: Any, key: Any, *default: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError("lookup() needs a map")
    if key in value:
        return value[key]
    if default:
        return default[0]
    raise KeyError(key)


def _merge(*maps: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise TypeError("merge() needs maps")
        result.update(item)
    return result


def _coalesce(*values: Any) -> Any:
    for value in values:
        if is_unknown(value):
            return UNKNOWN
        if value is not None and value != "":
            return value
    raise ValueError("coalesce() found no value")


def _flatten(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("flatten() needs a list")
    result: list[Any] = []
    for item in value:
        if is_unknown(item) and not isinstance(item, Ref):
            raise _UnknownResult
        result += _flatten(item) if isinstance(item, list) else [item]
    return result


def _distinct(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("distinct() needs a list")
    result: list[Any] = []
    for item in value:
        same = [equal(item, seen) for seen in result]
        if any(is_unknown(s) for s in same):
            raise _UnknownResult
        if True not in same:
            result.append(item)
    return result


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    subnets = network.subnets(prefixlen_diff=int(number(newbits)))
    for index, subnet in enumerate(subnets):
        if index == int(number(netnum)):
            return str(subnet)
    raise ValueError("cidrsubnet(): netnum out of range")


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    return str(network[int(number(hostnum))])


def _element(value: Any, index: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise TypeError("element() needs a non-empty list")
    return value[int(number(index)) % len(value)]


def _one(value: Any) -> Any:
    if not isinstance(value, list) or len(value) > 1:
        raise ValueError("one() needs at most one element")
    return value[0] if value else None


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
        raise TypeError("zipmap() needs two lists of one length")
    _require_known(keys)
    return dict(zip(keys, values))


def _anytrue(value: Any) -> Any:
    if True in value:
        return True
    return UNKNOWN if any(is_unknown(item) for item in value) else False


def _alltrue(value: Any) -> Any:
    if False in value:
        return False
    return UNKNOWN if any(is_unknown(item) for item in value) else True


def _known_strings(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*arguments: Any) -> Any:
        _require_known(*arguments)
        return function(*arguments)

    return wrapped


def _tolist(value: Any) -> Any:
    if not isinstance(value, list):
        raise TypeError("tolist() needs a list or set")
    return value


def _tomap(value: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError("tomap() needs an object")
    return value


def _jsonencode(value: Any) -> str:
    _require_known(value)
    if any(isinstance(item, Instance) for item in _leaves(value)):
        raise _UnknownResult
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "keys": _keys,
    "values": _values,
    "sort": _sort,
    "toset": _toset,
    "tolist": _tolist,
    "tomap": _tomap,
    "tonumber": lambda value: None if value is None else number(value),
    "tostring": lambda value: None if value is None else to_text(value),
    "tobool": lambda value: (
        value if isinstance(value, bool) or value is None else {"true": True, "false": False}[value]
    ),
    "contains": _contains,
    "length": _length,
    "concat": _concat,
    "slice": _slice,
    "lookup": _lookup,
    "merge": _merge,
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((item for item in lists if item), []),
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": _known_strings(lambda value: [item for item in value if item not in (None, "")]),
    "reverse": lambda value: list(reversed(value)),
    "element": _element,
    "one": _one,
    "zipmap": _zipmap,
    "range": _known_strings(lambda *bounds: list(range(*(int(number(b)) for b in bounds)))),
    "anytrue": _anytrue,
    "alltrue": _alltrue,
    "cidrsubnet": _known_strings(_cidrsubnet),
    "cidrhost": _known_strings(_cidrhost),
    "cidrnetmask": _known_strings(
        lambda prefix: str(ipaddress.ip_network(prefix, strict=False).netmask)
    ),
    "startswith": _known_strings(lambda text, prefix: text.startswith(prefix)),
    "endswith": _known_strings(lambda text, suffix: text.endswith(suffix)),
    "strcontains": _known_strings(lambda text, part: part in text),
    "trimprefix": _known_strings(lambda text, prefix: text.removeprefix(prefix)),
    "trimsuffix": _known_strings(lambda text, suffix: text.removesuffix(suffix)),
    "trimspace": _known_strings(lambda text: text.strip()),
    "lower": _known_strings(lambda text: text.lower()),
    "upper": _known_strings(lambda text: text.upper()),
    "replace": _known_strings(lambda text, old, new: text.replace(old, new)),
    "split": _known_strings(lambda separator, text: text.split(separator)),
    "join": _known_strings(lambda separator, items: separator.join(to_text(i) for i in items)),
    "max": _known_strings(lambda *items: max(number(i) for i in items)),
    "min": _known_strings(lambda *items: min(number(i) for i in items)),
    "abs": _known_strings(lambda value: abs(number(value))),
    "floor": _known_strings(lambda value: math.floor(number(value))),
    "ceil": _known_strings(lambda value: math.ceil(number(value))),
    "jsonencode": _jsonencode,
    "jsondecode": _known_strings(json.loads),
    "setunion": _known_strings(lambda *sets: sorted({item for s in sets for item in s})),
    "setproduct": _known_strings(lambda *sets: [list(p) for p in product(*sets)]),
    "index": _known_strings(lambda items, value: items.index(value)),
    "sum": _known_strings(lambda items: sum(number(i) for i in items)),
}
# These take lists whose elements may be unknown, or decide without every argument.
UNKNOWN_AWARE = {"coalesce", "contains", "anytrue", "alltrue"}


def _call_guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*arguments: Any) -> Any:
        try:
            return function(*arguments)
        except _UnknownResult:
            return UNKNOWN

    return wrapped


FUNCTIONS = {name: _call_guarded(function) for name, function in FUNCTIONS.items()}
