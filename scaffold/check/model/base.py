"""The builder's core: values of instances, links between entities, the walk."""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from scaffold.check.evaluator import Evaluator
from scaffold.check.graph import Dependencies
from scaffold.check.model.entities import (
    Entity,
    Inventory,
    Link,
    RouteTable,
    SecurityGroup,
    Unresolved,
    Vpc,
    strip_keys,
)
from scaffold.check.values import (
    Instance,
    InstanceInfo,
    PlanValues,
    Ref,
    Unknown,
    module_of,
)

Network = IPv4Network | IPv6Network


class BuilderBase:
    """What every per-domain builder shares: values, links, the walk over instances."""

    model: Inventory

    ID_ATTRIBUTES = ("id", "arn", "name", "allocation_id", "prefix_list_id")

    def __init__(
        self,
        known: PlanValues | None,
        evaluator: Evaluator | None,
        document: Mapping[str, Any] | None,
        policies: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.known = known
        self.evaluator = evaluator
        self.document = document
        # Customer-managed policies the project ships, by name (its permissions boundary).
        self.policies = dict(policies or {})
        self.model = Inventory(from_plan=known is not None)
        self.by_address: dict[str, Entity] = {}
        self.by_id: dict[str, Entity] = {}
        self.infos: dict[str, InstanceInfo] = {}
        self.instances: list[tuple[str, str, str]] = []  # (address, type, mode)
        self.aliases: list[str] = []

    # --- values --------------------------------------------------------------------------

    def value(self, address: str, name: str) -> Any:
        if self.evaluator is not None:
            return self.evaluator.attribute(address, name)
        assert self.known is not None
        if address not in self.known.values:
            return Ref(address, (name,))
        # A plan lists every attribute of a resource; one a hand-written document leaves out is null.
        return self.known.values[address].get(name)

    def argument(self, address: str, name: str) -> Any:
        """An optional argument: what the configuration sets, or null when it sets nothing.

        Without the configuration (a plan alone) it is whatever the plan says."""
        if address in self.infos:
            return self.value(address, name) if self.configured(address, name) else None
        return self.value(address, name)

    def configured(self, address: str, name: str) -> bool:
        """Whether the configuration sets an argument (as opposed to the provider computing it)."""
        info = self.infos.get(address)
        if info is not None:
            body = info.resource.body
            return name in body.attributes or any(
                block.type == name or (block.type == "dynamic" and block.labels[:1] == [name])
                for block in body.blocks
            )
        if self.document is not None:
            return name in self._plan_expressions(address)
        return False

    def _plan_expressions(self, address: str) -> dict[str, Any]:
        assert self.document is not None and self.known is not None
        record = self.known.records.get(address, {})
        module = module_of(address)
        config = (self.document.get("configuration") or {}).get("root_module") or {}
        for part in [p for p in module.split(".") if p and p != "module"]:
            config = ((config.get("module_calls") or {}).get(part) or {}).get("module") or {}
        prefix = "data." if record.get("mode") == "data" else ""
        wanted = f"{prefix}{record.get('type')}.{record.get('name')}"
        for resource in config.get("resources") or []:
            if resource.get("address") == wanted:
                return dict(resource.get("expressions") or {})
        return {}

    def link(self, value: object, what: str) -> Link | None:
        """The entity a reference names (an ID, an ARN, a name, or an instance)."""

        if value is None or value == "":
            return None
        if isinstance(value, Instance):
            return self.by_address.get(value.address) or Unresolved(
                f"{what}: {value.address} is not modelled"
            )
        if isinstance(value, Ref):
            entity = self.by_address.get(value.address)
            if entity is not None and len(value.path) == 1:
                attribute = value.path[0]
                if isinstance(entity, Vpc) and attribute in (
                    "default_route_table_id",
                    "main_route_table_id",
                ):
                    return entity.main_table or Unresolved(
                        f"{what}: the main route table of {entity.address}"
                    )
                if isinstance(entity, Vpc) and attribute == "default_security_group_id":
                    return entity.default_group or Unresolved(
                        f"{what}: the default group of {entity.address}"
                    )
                if attribute in self.ID_ATTRIBUTES:
                    return entity
            return Unresolved(f"{what} is {value!r}")
        if isinstance(value, Unknown):
            return Unresolved(f"{what} is not known before apply")
        if isinstance(value, str) and value in self.by_id:
            return self.by_id[value]
        return Unresolved(f"{what} is {value!r}, which is nothing this project declares or reads")

    def links(self, value: object, what: str) -> list[Link] | Unresolved:
        if value is None:
            return []
        if isinstance(value, Unknown):
            return Unresolved(f"{what} is not known before apply")
        items = value if isinstance(value, list) else [value]
        found = [self.link(item, what) for item in items]
        return [item for item in found if item is not None]

    # --- the walk ---------------------------------------------------------------------------

    def enumerate_instances(self) -> None:
        if self.evaluator is not None:
            for info in self.evaluator.instances():
                self.infos[info.address] = info
                self.instances.append((info.address, info.resource.type, info.resource.mode))
            if self.known is None:
                self.model.unenumerated = self.evaluator.unenumerable()
        if self.known is not None:
            for address, record in self.known.records.items():
                if address not in self.infos:
                    self.instances.append((address, str(record["type"]), str(record.get("mode"))))

    def entity_args(self, address: str, type_name: str, mode: str) -> dict[str, Any]:
        info = self.infos.get(address)
        if info is not None:
            where, config_address = info.where, info.config_address
        else:
            where, config_address = None, strip_keys(address)
        return {
            "address": address,
            "type": type_name,
            "where": where,
            "config_address": config_address,
            "managed": mode == "managed",
        }

    def register(self, entity: Entity) -> Entity:
        self.by_address[entity.address] = entity
        for attribute in self.ID_ATTRIBUTES:
            if entity.type == "aws_iam_role" and attribute not in ("arn", "name", "id"):
                continue
            if entity.type not in (
                "aws_iam_role",
                "aws_iam_policy",
                "aws_cloudwatch_log_group",
            ) and attribute in ("name", "arn"):
                continue
            value = (
                self.value(entity.address, attribute)
                if entity.address in self.infos
                or (self.known is not None and entity.address in self.known.values)
                else None
            )
            if isinstance(value, str) and value:
                self.by_id.setdefault(value, entity)
        return entity

    def same_as_read(self, address: str, type_name: str, mode: str) -> bool:
        """Whether a data source reads an object another one has read already (then it is that one)."""
        if mode != "data":
            return False
        known = self.value(address, "id")
        found = self.by_id.get(known) if isinstance(known, str) else None
        if found is not None and found.type == type_name and not found.managed:
            self.by_address[address] = found
            self.aliases.append(address)
            return True
        return False

    def adopt(self, implicit: RouteTable | SecurityGroup, source: Entity) -> None:
        """An object AWS made with the VPC, now managed by a resource: it takes that resource's name."""
        implicit.address, implicit.where, implicit.config_address = (
            source.address, source.where, source.config_address,
        )  # fmt: skip
        implicit.managed, implicit.implicit = True, False
        self.by_address[source.address] = implicit

    def root_variables(self) -> dict[str, Any]:
        if self.evaluator is not None:
            root = self.evaluator.root
            return {name: self.evaluator.variable(root, name) for name in root.config.variables}
        return dict(self.known.variables) if self.known is not None else {}

    def dependencies(self) -> Dependencies:
        if self.evaluator is not None:
            return Dependencies.from_configuration(self.evaluator.root.config)
        if self.document is not None and "configuration" in self.document:
            return Dependencies.from_plan_configuration(self.document["configuration"])
        return Dependencies()
