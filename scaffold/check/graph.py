"""What each resource depends on, as Terraform orders them: `depends_on` and every reference.

Terraform creates a resource after everything it depends on and destroys it before
them. The dependencies of a resource are the resources its expressions refer to and
the ones its `depends_on` names, followed through locals, module inputs and outputs.
They are read from the configuration (its parse trees), or, without one, from the
`configuration` section of a plan (which lists references but not locals).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

from scaffold.check.config import Body, Module, Node
from scaffold.check.values import EvaluationError, flatten, split_address

_TRAVERSALS = {
    "identifier",
    "get_attr_expr_term",
    "index_expr_term",
    "attr_splat_expr_term",
    "full_splat_expr_term",
}


@dataclass
class Dependencies:
    # node -> the nodes it refers to; a node is a resource's address (module.a.aws_x.y) or
    # "module.a.var.x", "module.a.local.y", "module.a.output.z" on the way between resources.
    edges: dict[str, set[str]] = field(default_factory=dict)
    resources: set[str] = field(default_factory=set)

    def of(self, resource: str) -> set[str]:
        """Every resource that `resource` depends on, directly or through others."""
        seen: set[str] = set()
        stack = list(self.edges.get(resource, ()))
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(self.edges.get(node, ()))
        return {node for node in seen if node in self.resources}

    def add(self, node: str, targets: Iterable[str]) -> None:
        self.edges.setdefault(node, set()).update(targets)

    # --- from the configuration --------------------------------------------------------

    @classmethod
    def from_configuration(cls, root: Module) -> Dependencies:
        graph = cls()
        graph._module(root, "", None)
        return graph

    def _module(self, module: Module, prefix: str, call_depends: list[str] | None) -> None:
        def node(kind: str, name: str) -> str:
            return f"{prefix}{kind}.{name}"

        for resource in module.resources.values():
            address = prefix + resource.address
            self.resources.add(address)
            targets = set(self._references(module, prefix, resource.body))
            targets |= set(call_depends or [])
            self.add(address, targets)
        for name, expression in module.locals.items():
            self.add(node("local", name), self._references_of(module, prefix, [expression]))
        for name, body in module.outputs.items():
            self.add(node("output", name), self._references(module, prefix, body))
        for name, call in module.calls.items():
            child = module.children.get(name)
            child_prefix = f"{prefix}module.{name}."
            declared = call.body.attributes.get("depends_on")
            depends = list(self._references_of(module, prefix, [declared] if declared else []))
            for argument, expression in call.body.attributes.items():
                if argument in ("source", "version", "depends_on", "providers"):
                    continue
                self.add(
                    f"{child_prefix}var.{argument}",
                    self._references_of(module, prefix, [expression]),
                )
            if child is not None:
                self.add(
                    f"{child_prefix}output.*", [f"{child_prefix}output.{o}" for o in child.outputs]
                )
                self._module(child, child_prefix, [*(call_depends or []), *depends])

    def _references(self, module: Module, prefix: str, body: Body) -> Iterator[str]:
        yield from self._references_of(module, prefix, body.attributes.values())
        for block in body.blocks:
            yield from self._references(module, prefix, block.body)

    def _references_of(self, module: Module, prefix: str, nodes: Iterable[Node]) -> Iterator[str]:
        for node in nodes:
            for root, names in _traversals(node):
                target = _target(module, prefix, root, names)
                if target is not None:
                    yield target

    # --- from a plan's configuration section --------------------------------------------

    @classmethod
    def from_plan_configuration(cls, configuration: Mapping[str, Any]) -> Dependencies:
        graph = cls()
        graph._plan_module(configuration.get("root_module") or {}, "", [])
        return graph

    def _plan_module(self, module: Mapping[str, Any], prefix: str, call_depends: list[str]) -> None:
        resources = {str(r.get("address")) for r in module.get("resources") or []}
        calls = module.get("module_calls") or {}

        def targets(references: Iterable[str]) -> Iterator[str]:
            for reference in references:
                parts = split_address(reference)
                root, names = parts[0], [part.split("[", 1)[0] for part in parts[1:]]
                found = _plan_target(resources, calls, prefix, root, names)
                if found is not None:
                    yield found

        for resource in module.get("resources") or []:
            address = prefix + str(resource.get("address"))
            self.resources.add(address)
            references = list(_plan_references(resource.get("expressions") or {}))
            for meta in ("count_expression", "for_each_expression"):
                references += list(_plan_references(resource.get(meta) or {}))
            references += list(resource.get("depends_on") or [])
            self.add(address, [*targets(references), *call_depends])
        for name, output in (module.get("outputs") or {}).items():
            references = list(_plan_references(output.get("expression") or {}))
            references += list(output.get("depends_on") or [])
            self.add(f"{prefix}output.{name}", targets(references))
        for name, call in calls.items():
            child_prefix = f"{prefix}module.{name}."
            for argument, expression in (call.get("expressions") or {}).items():
                self.add(f"{child_prefix}var.{argument}", targets(_plan_references(expression)))
            depends = list(targets(call.get("depends_on") or []))
            outputs = (call.get("module") or {}).get("outputs") or {}
            self.add(f"{child_prefix}output.*", [f"{child_prefix}output.{o}" for o in outputs])
            self._plan_module(call.get("module") or {}, child_prefix, [*call_depends, *depends])


def _traversals(node: Node) -> Iterator[tuple[str, list[str]]]:
    """(root name, attribute names) of every whole traversal in an expression: for
    `module.a.b[local.c]` that is (module, [a, b]) and (local, [c]), never (module, [a])."""
    if not isinstance(node, Tree):
        return
    if node.data in _TRAVERSALS:
        try:
            root, steps = flatten(node)
        except EvaluationError:
            yield from _traversals_in_children(node)
            return
        if isinstance(root, str):
            yield root, [str(argument) for kind, argument in steps if kind == "attr"]
        elif root is node:
            yield from _traversals_in_children(node)
        else:
            yield from _traversals(root)
        yield from _traversals_in_steps(steps)
        return
    yield from _traversals_in_children(node)


def _traversals_in_children(node: Tree[Token]) -> Iterator[tuple[str, list[str]]]:
    for child in node.children:
        yield from _traversals(child)


def _traversals_in_steps(steps: list[tuple[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    for kind, argument in steps:
        if kind == "index" and isinstance(argument, Tree):
            yield from _traversals(argument)
        elif kind == "splat":
            yield from _traversals_in_steps(argument)


def _target(module: Module, prefix: str, root: str, names: list[str]) -> str | None:
    if root == "var" and names:
        return f"{prefix}var.{names[0]}"
    if root == "local" and names:
        return f"{prefix}local.{names[0]}"
    if root == "module" and names:
        if len(names) > 1:
            return f"{prefix}module.{names[0]}.output.{names[1]}"
        return f"{prefix}module.{names[0]}.output.*"
    if root == "data" and len(names) >= 2 and f"data.{names[0]}.{names[1]}" in module.resources:
        return f"{prefix}data.{names[0]}.{names[1]}"
    if names and f"{root}.{names[0]}" in module.resources:
        return f"{prefix}{root}.{names[0]}"
    return None


def _plan_target(
    resources: set[str], calls: Mapping[str, Any], prefix: str, root: str, names: list[str]
) -> str | None:
    if root == "var" and names:
        return f"{prefix}var.{names[0]}"
    if root == "module" and names:
        if len(names) > 1:
            return f"{prefix}module.{names[0]}.output.{names[1]}"
        return f"{prefix}module.{names[0]}.output.*"
    if root == "data" and len(names) >= 2 and f"data.{names[0]}.{names[1]}" in resources:
        return f"{prefix}data.{names[0]}.{names[1]}"
    if names and f"{root}.{names[0]}" in resources:
        return f"{prefix}{root}.{names[0]}"
    return None


def _plan_references(expression: Any) -> Iterator[str]:
    if isinstance(expression, dict):
        for key, value in expression.items():
            if key == "references" and isinstance(value, list):
                yield from (str(item) for item in value)
            else:
                yield from _plan_references(value)
    elif isinstance(expression, list):
        for item in expression:
            yield from _plan_references(item)
