"""Building security groups and their rules."""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from scaffold.check.model.base import BuilderBase
from scaffold.check.model.entities import (
    Entity,
    Peer,
    Permission,
    SecurityGroup,
    Unresolved,
    Vpc,
    as_list,
    network_of,
    port,
    protocol_name,
)
from scaffold.check.values import (
    UNKNOWN,
    Ref,
    Unknown,
)

Network = IPv4Network | IPv6Network


class SecurityGroupBuilder(BuilderBase):
    # --- security groups ----------------------------------------------------------------------

    def fill_security_group(self, group: SecurityGroup) -> None:
        if group.implicit:
            return
        address = group.address
        group.vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")
        permissions: list[Permission] = []
        for direction in ("ingress", "egress"):
            value = self.value(address, direction)
            if isinstance(value, Unknown) and not self.configured(address, direction):
                value = []  # none declared: the provider leaves none (see the module docstring)
            if isinstance(value, Unknown):
                group.permissions = Unresolved(f"the {direction} rules of {address} are not known")
                return
            for block in as_list(value):
                if not isinstance(block, dict):
                    group.permissions = Unresolved(
                        f"the {direction} rules of {address} are not known"
                    )
                    return
                permissions += self.inline_permissions(group, group, direction, block)
        group.permissions = permissions

    def inline_permissions(
        self, group: SecurityGroup, source: Entity, direction: str, block: Mapping[str, Any]
    ) -> list[Permission]:
        protocol = protocol_name(block.get("protocol"))
        low, high = port(block.get("from_port")), port(block.get("to_port"))
        peers: list[Peer | Unresolved] = []
        for key, kind in (
            ("cidr_blocks", "cidr"),
            ("ipv6_cidr_blocks", "cidr"),
            ("prefix_list_ids", "prefix-list"),
        ):
            value = block.get(key)
            if isinstance(value, Unknown):
                peers.append(Unresolved(f"{source.address} {direction} {key} is not known"))
                continue
            for item in as_list(value):
                peers.append(Peer(kind, network_of(item) if kind == "cidr" else item))
        groups = block.get("security_groups")
        if isinstance(groups, Unknown):
            peers.append(Unresolved(f"{source.address} {direction} security_groups is not known"))
        for item in as_list(groups):
            peers.append(Peer("group", self.link(item, f"{source.address} {direction} group")))
        if block.get("self") is True:
            peers.append(Peer("self", group))
        return [Permission(source, direction, protocol, low, high, peer) for peer in peers]

    def rule_resource(self, address: str, type_name: str, mode: str) -> None:
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        group = self.link(self.value(address, "security_group_id"), f"{address}.security_group_id")
        if type_name == "aws_security_group_rule":
            direction = self.value(address, "type")
            block = {
                key: self.argument(address, key)
                for key in (
                    "protocol",
                    "from_port",
                    "to_port",
                    "cidr_blocks",
                    "ipv6_cidr_blocks",
                    "prefix_list_ids",
                    "self",
                )
            }
            referenced = self.argument(address, "source_security_group_id")
            block["security_groups"] = [] if referenced is None else [referenced]
        else:
            direction = "ingress" if type_name.endswith("ingress_rule") else "egress"
            block = {
                "protocol": self.argument(address, "ip_protocol"),
                "from_port": self.argument(address, "from_port"),
                "to_port": self.argument(address, "to_port"),
            }
            for key, name in (
                ("cidr_blocks", "cidr_ipv4"),
                ("ipv6_cidr_blocks", "cidr_ipv6"),
                ("prefix_list_ids", "prefix_list_id"),
                ("security_groups", "referenced_security_group_id"),
            ):
                given = self.argument(address, name)
                block[key] = (
                    [given]
                    if isinstance(given, Ref)
                    else as_list(given)
                    if not isinstance(given, Unknown)
                    else UNKNOWN
                )
            if block["from_port"] is None and block["to_port"] is None:
                block["from_port"] = block["to_port"] = 0
        if not isinstance(group, SecurityGroup) or direction not in ("ingress", "egress"):
            why = (
                group
                if isinstance(group, Unresolved)
                else Unresolved(f"{address}: its group or direction is not known")
            )
            self.model.unplaced_permissions.append(
                Permission(source, str(direction), UNKNOWN, UNKNOWN, UNKNOWN, why)
            )
            return
        if isinstance(group.permissions, list):
            group.permissions += self.inline_permissions(group, source, str(direction), block)

    def default_security_group(self, address: str, type_name: str, mode: str) -> None:
        """aws_default_security_group adopts the VPC's default group and removes every rule it does not declare."""
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")
        if not isinstance(vpc, Vpc) or vpc.default_group is None:
            group = SecurityGroup(**self.entity_args(address, type_name, mode), is_default=True)
            self.register(group)
            self.model.security_groups.append(group)
            self.fill_security_group(group)
            return
        group = vpc.default_group
        self.adopt(group, source)
        group.implicit = False
        self.fill_security_group(group)
