"""Terraform expressions evaluated over a configuration, seeded with what a plan knows.

A plan knows every value Terraform could work out before apply; what it cannot (the
ID of a subnet not yet created, the JSON of a policy document that names a log group's
ARN) it marks unknown. Those unknowns are what the rules need most: which route table a
subnet is associated with, which NAT gateway a route goes to. They are written in the
configuration, so this module evaluates the configuration's expressions (python-hcl2's
parse trees, `scaffold.check.config`) the way Terraform does, for the subset of the language
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

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from scaffold.check.config import (
    META_ARGUMENTS,
    Body,
    Module,
    Resource,
)
from scaffold.check.expressions import ExpressionEvaluator
from scaffold.check.values import (
    MISSING,
    UNKNOWN,
    EvaluationError,
    Instance,
    InstanceInfo,
    ModuleInstance,
    PlanValues,
    Ref,
    Scope,
    Step,
    contains_unknown,
    convert,
    dynamic_label,
    instance_address,
    is_unknown,
    iterate,
    merge,
    traversal_name,
)


class Evaluator(ExpressionEvaluator):
    def __init__(
        self,
        root: Module,
        known: PlanValues | None = None,
        root_variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.known = known
        self.unsupported = set()
        self.root_variables = dict(root_variables or {})
        self.root = ModuleInstance("", root)
        self.modules: dict[str, ModuleInstance] = {}
        self.infos: dict[str, InstanceInfo] = {}
        self._memo: dict[tuple[str, ...], Any] = {}
        self._known_modules = known.modules() | {""} if known is not None else set()
        self._busy: set[tuple[str, ...]] = set()
        self._register(self.root)

    def _register(self, module: ModuleInstance) -> None:
        self.modules[module.address] = module
        for name, call in module.config.calls.items():
            child = module.config.children.get(name)
            if child is None or "count" in call.body.attributes:
                continue  # a registry module, or several instances of one: left unknown
            address = f"{module.address}.module.{name}" if module.address else f"module.{name}"
            path = (call.source if module.path == "." else f"{module.path}/{call.source}").removeprefix("./")
            if "for_each" not in call.body.attributes:
                self._register(ModuleInstance(address, child, module, call, path))
                continue
            # One instance per key of a known map (or set of strings); unknown keys leave
            # the call unknown, as Terraform's plan would know them only then.
            node = call.body.attributes["for_each"]
            collection = self._memoised(
                ("module_for_each", address), partial(self.expression, node, Scope(module))
            )
            if isinstance(collection, list) and all(isinstance(key, str) for key in collection):
                collection = {key: key for key in collection}
            if not isinstance(collection, dict) or contains_unknown(list(collection)):
                continue
            for key, value in sorted(collection.items()):
                each = {"key": key, "value": value}
                instance = instance_address("", address, key)
                self._register(ModuleInstance(instance, child, module, call, path, each))

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
                    scope = Scope(module.parent)
                    value = self.expression(given, scope.with_names(each=module.each) if module.each else scope)
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

    def children(self, module: ModuleInstance, name: str) -> dict[Any, ModuleInstance] | None:
        """The instances of a module call with for_each, by key; None when not known."""
        call = module.config.calls.get(name)
        if call is None or "for_each" not in call.body.attributes:
            return None
        address = f"{module.address}.module.{name}" if module.address else f"module.{name}"
        found = {
            instance.each["key"]: instance
            for instance in self.modules.values()
            if instance.each is not None and instance.parent is module and instance.call is call
        }
        return found if found or ("module_for_each", address) in self._memo else None

    # --- expressions ---------------------------------------------------------------------

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
                instances = self.children(module, attribute_name(0))
                if instances is None:
                    return UNKNOWN, []
                return {
                    key: {output: self.output(instance, output) for output in instance.config.outputs}
                    for key, instance in instances.items()
                }, steps[1:]
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
