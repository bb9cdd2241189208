"""Building the network: VPCs, subnets, route tables and routes, gateways, endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from scaffold.check.model.base import BuilderBase
from scaffold.check.model.entities import (
    Endpoint,
    Entity,
    Gateway,
    Peer,
    Permission,
    Route,
    RouteTable,
    SecurityGroup,
    SubnetEntity,
    Unresolved,
    Vpc,
    as_list,
    network_of,
    route_kind,
)
from scaffold.check.values import (
    UNKNOWN,
    Ref,
    Unknown,
    is_unknown,
)

Network = IPv4Network | IPv6Network


class NetworkBuilder(BuilderBase):
    # --- network ----------------------------------------------------------------------------

    def vpc(self, address: str, type_name: str, mode: str) -> Vpc:
        vpc = Vpc(**self.entity_args(address, type_name, mode))
        self.register(vpc)
        main = RouteTable(
            address=f"{address} main route table",
            type="aws_route_table",
            where=vpc.where,
            config_address=vpc.config_address,
            managed=False,
            vpc=vpc,
            is_main=True,
            complete=mode == "managed",
            implicit=True,
        )
        vpc.main_table = main
        self.model.route_tables.append(main)
        default_group = SecurityGroup(
            address=f"{address} default security group",
            type="aws_default_security_group",
            where=vpc.where,
            config_address=vpc.config_address,
            managed=False,
            vpc=vpc,
            is_default=True,
            implicit=True,
        )
        if mode == "managed":
            # A VPC AWS creates has a default group that admits its members and sends anywhere.
            default_group.permissions = [
                Permission(vpc, "ingress", "all", 0, 0, Peer("self", default_group)),
                Permission(vpc, "egress", "all", 0, 0, Peer("cidr", ip_network("0.0.0.0/0"))),
            ]
        else:
            default_group.permissions = Unresolved(f"the default group of {address} is not read")
        vpc.default_group = default_group
        self.model.security_groups.append(default_group)
        for attribute, entity in (
            ("main_route_table_id", main),
            ("default_route_table_id", main),
            ("default_security_group_id", default_group),
        ):
            known = self.value(address, attribute)
            if isinstance(known, str) and known:
                self.by_id.setdefault(known, entity)
        return vpc

    def fill_vpc(self, vpc: Vpc) -> None:
        address = vpc.address
        primary = network_of(self.value(address, "cidr_block"))
        vpc.cidrs.insert(0, primary if primary is not None else UNKNOWN)
        if vpc.managed:
            ipv6 = self.value(address, "ipv6_cidr_block")
            assign = self.value(address, "assign_generated_ipv6_cidr_block")
            if isinstance(ipv6, Ref) or (isinstance(ipv6, str) and ipv6):
                vpc.ipv6_cidrs.append(
                    (network_of(ipv6) or UNKNOWN) if isinstance(ipv6, str) else ipv6
                )
            elif assign is True or is_unknown(ipv6):
                vpc.ipv6_cidrs.append(Ref(address, ("ipv6_cidr_block",)))
        else:
            for association in as_list(self.value(address, "cidr_block_associations"))[1:]:
                if isinstance(association, dict):
                    vpc.cidrs.append(network_of(association.get("cidr_block")) or UNKNOWN)
            ipv6 = self.value(address, "ipv6_cidr_block")
            if isinstance(ipv6, str) and ipv6:
                vpc.ipv6_cidrs.append(network_of(ipv6) or UNKNOWN)
        vpc.tenancy = self.value(address, "instance_tenancy")
        if vpc.managed and vpc.tenancy is None:
            vpc.tenancy = "default"
        vpc.dns_support = self.value(address, "enable_dns_support")
        vpc.dns_hostnames = self.value(address, "enable_dns_hostnames")

    def subnet(self, address: str, type_name: str, mode: str) -> SubnetEntity:
        subnet = SubnetEntity(**self.entity_args(address, type_name, mode))
        self.register(subnet)
        subnet.zone = self.value(address, "availability_zone")
        subnet.cidr = network_of(self.value(address, "cidr_block"))
        subnet.map_public_ip = self.value(address, "map_public_ip_on_launch")
        return subnet

    def ipv6_block_of_vpc(self, subnet: SubnetEntity) -> None:
        """A read subnet's IPv6 block lies in one of its VPC's: a read VPC shows only its
        first (data.aws_vpc has no list of them), so the others are known by their subnets."""
        vpc = subnet.vpc
        if subnet.managed or not isinstance(vpc, Vpc) or vpc.managed:
            return
        block = network_of(self.value(subnet.address, "ipv6_cidr_block"))
        if isinstance(block, IPv6Network) and vpc.contains(block) is False:
            vpc.ipv6_cidrs.append(block)

    def route_table(self, address: str, type_name: str, mode: str) -> RouteTable:
        table = RouteTable(**self.entity_args(address, type_name, mode))
        self.register(table)
        return table

    def fill_route_table(self, table: RouteTable) -> None:
        if table.implicit:
            return  # its routes come from aws_route and aws_default_route_table
        table.vpc = self.link(self.value(table.address, "vpc_id"), f"{table.address}.vpc_id")
        if table.managed:
            if self.configured(table.address, "route"):
                self.inline_routes(table, self.value(table.address, "route"))
        else:
            routes = self.value(table.address, "routes")
            if isinstance(routes, Unknown):
                table.complete = False
            else:
                self.inline_routes(table, routes)
            self.read_associations(table, table.address)

    def read_associations(self, table: RouteTable, address: str) -> None:
        for association in as_list(self.value(address, "associations")):
            if not isinstance(association, dict):
                continue
            if association.get("main") is True and isinstance(table.vpc, Vpc):
                self.adopt_main(table.vpc, table)
            elif association.get("subnet_id"):
                subnet = self.link(association["subnet_id"], f"{address} association")
                if isinstance(subnet, SubnetEntity) and all(
                    s is not subnet for _a, s in table.associations
                ):
                    table.associations.append((table, subnet))

    def adopt_main(self, vpc: Vpc, table: RouteTable) -> None:
        """A table known to be the VPC's main one replaces the implicit stand-in."""
        if vpc.main_table is not None and vpc.main_table is not table:
            stand_in = vpc.main_table
            if stand_in.implicit and stand_in in self.model.route_tables:
                table.routes += stand_in.routes
                self.model.route_tables.remove(stand_in)
                for key, entity in list(self.by_id.items()):
                    if entity is stand_in:
                        self.by_id[key] = table
        vpc.main_table = table
        table.is_main = True

    def inline_routes(self, table: RouteTable, routes: object) -> None:
        if isinstance(routes, Unknown):
            table.complete = False
            return
        for route in as_list(routes):
            if not isinstance(route, dict):
                table.complete = False
                continue
            table.routes.append(self.route(table, route, inline=True))

    def route(self, source: Entity, values: Mapping[str, Any], *, inline: bool) -> Route:
        keys = (
            ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
            if inline
            else (
                "destination_cidr_block",
                "destination_ipv6_cidr_block",
                "destination_prefix_list_id",
            )
        )
        destination: Network | str | Unknown = UNKNOWN
        for key in keys:
            value = values.get(key)
            if isinstance(value, Unknown) and not isinstance(value, Ref):
                destination = UNKNOWN
                break
            if value:
                destination = (
                    value if key == "destination_prefix_list_id" else (network_of(value) or UNKNOWN)
                )
                break
        targets = (
            "gateway_id", "nat_gateway_id", "egress_only_gateway_id", "carrier_gateway_id",
            "transit_gateway_id", "vpc_peering_connection_id", "network_interface_id",
            "vpc_endpoint_id", "local_gateway_id", "core_network_arn", "instance_id",
        )  # fmt: skip
        given = [(key, values.get(key)) for key in targets if values.get(key) not in (None, "")]
        if {key for key, _value in given} == {"instance_id", "network_interface_id"}:
            # A route to an instance reads back (a data source's routes, a state) with the
            # instance's interface too: one target, the instance.
            given = [(key, value) for key, value in given if key == "instance_id"]
        if len(given) != 1:
            why = (
                "no target" if not given else f"several targets ({', '.join(k for k, _ in given)})"
            )
            return Route(source, destination, "unresolved", Unresolved(why), "")
        attribute, value = given[0]
        target = self.link(value, f"{source.address}.{attribute}")
        written = value if isinstance(value, str) and not isinstance(value, Unknown) else None
        return Route(
            source, destination, route_kind(attribute, value, target), target, attribute, written
        )

    def route_resource(self, address: str, type_name: str) -> None:
        source = self.register(Entity(**self.entity_args(address, type_name, "managed")))
        values = {
            key: self.argument(address, key)
            for key in (
                "destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id",
                "gateway_id", "nat_gateway_id", "egress_only_gateway_id", "carrier_gateway_id",
                "transit_gateway_id", "vpc_peering_connection_id", "network_interface_id",
                "vpc_endpoint_id", "local_gateway_id", "core_network_arn", "instance_id",
            )
        }  # fmt: skip
        if address not in self.infos:
            # Without the configuration, the plan shows what the provider fills in from the
            # target too: an instance's ID and its interface. The interface is the target
            # only when nothing else is.
            targets = [
                key
                for key, v in values.items()
                if not key.startswith("destination") and v not in (None, "")
            ]
            if set(targets) - {"instance_id", "network_interface_id"}:
                values["network_interface_id"] = None
            values["instance_id"] = None
        route = self.route(source, values, inline=False)
        table = self.link(self.value(address, "route_table_id"), f"{address}.route_table_id")
        if isinstance(table, RouteTable):
            table.routes.append(route)
        else:
            self.model.unplaced_routes.append(route)

    def association(self, address: str, type_name: str, mode: str) -> None:
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        subnet_value = self.value(address, "subnet_id")
        if subnet_value is None:
            return  # an edge association with a gateway: no subnet uses it
        table = self.link(self.value(address, "route_table_id"), f"{address}.route_table_id")
        subnet = self.link(subnet_value, f"{address}.subnet_id")
        if isinstance(table, RouteTable) and isinstance(subnet, (SubnetEntity, Unresolved)):
            if isinstance(subnet, Unresolved):
                self.model.unplaced_associations.append(source)
            else:
                table.associations.append((source, subnet))
        else:
            self.model.unplaced_associations.append(source)

    def main_association(self, address: str, type_name: str, mode: str) -> None:
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")
        table = self.link(self.value(address, "route_table_id"), f"{address}.route_table_id")
        if isinstance(vpc, Vpc) and isinstance(table, RouteTable):
            previous = vpc.main_table
            if previous is not None and previous is not table:
                previous.is_main = False
            vpc.main_table = table
            table.is_main = True
        else:
            self.model.unplaced_associations.append(source)

    def default_route_table(self, address: str, type_name: str, mode: str) -> None:
        """aws_default_route_table manages the VPC's main table: it removes every route it does not declare."""
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        table = self.link(
            self.value(address, "default_route_table_id"), f"{address}.default_route_table_id"
        )
        if not isinstance(table, RouteTable):
            why = table if isinstance(table, Unresolved) else Unresolved(f"{address}: no table")
            self.model.unplaced_routes.append(Route(source, UNKNOWN, "unresolved", why, ""))
            return
        self.adopt(table, source)
        routes = self.value(address, "route")
        if isinstance(routes, Unknown) and not self.configured(address, "route"):
            routes = []
        self.inline_routes(table, routes)

    def gateway(self, address: str, type_name: str, mode: str) -> Gateway:
        gateway = Gateway(**self.entity_args(address, type_name, mode))
        self.register(gateway)
        return gateway

    def fill_gateway(self, gateway: Gateway) -> None:
        address = gateway.address
        if gateway.type == "aws_nat_gateway":
            gateway.subnet = self.link(self.value(address, "subnet_id"), f"{address}.subnet_id")
            gateway.allocation = self.value(address, "allocation_id")
            gateway.connectivity = self.value(address, "connectivity_type") or "public"
        elif gateway.type == "aws_network_interface":
            gateway.subnet = self.link(self.value(address, "subnet_id"), f"{address}.subnet_id")
            check = self.value(address, "source_dest_check")
            gateway.source_dest_check = True if check is None else check  # AWS's default
        else:
            gateway.vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")

    # --- endpoints ----------------------------------------------------------------------------

    def endpoint(self, address: str, type_name: str, mode: str) -> Endpoint:
        endpoint = Endpoint(**self.entity_args(address, type_name, mode))
        self.by_address[address] = endpoint
        for key, entity in list(self.by_id.items()):
            if entity.address == address:
                self.by_id[key] = endpoint
        endpoint.vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")
        endpoint.endpoint_type = self.argument(address, "vpc_endpoint_type") or "Gateway"
        endpoint.service = self.value(address, "service_name")
        endpoint.private_dns = self.argument(address, "private_dns_enabled")
        if endpoint.endpoint_type == "Gateway":
            endpoint.route_tables = self.links(
                self.argument(address, "route_table_ids"), f"{address}.route_table_ids"
            )
        else:
            endpoint.subnets = self.links(
                self.argument(address, "subnet_ids"), f"{address}.subnet_ids"
            )
            endpoint.security_groups = self.links(
                self.argument(address, "security_group_ids"), f"{address}.security_group_ids"
            )
        return endpoint

    def endpoint_association(self, address: str, type_name: str, mode: str) -> None:
        endpoint = self.link(self.value(address, "vpc_endpoint_id"), f"{address}.vpc_endpoint_id")
        attribute, field_name = {
            "aws_vpc_endpoint_route_table_association": ("route_table_id", "route_tables"),
            "aws_vpc_endpoint_subnet_association": ("subnet_id", "subnets"),
            "aws_vpc_endpoint_security_group_association": ("security_group_id", "security_groups"),
        }[type_name]
        target = self.link(self.value(address, attribute), f"{address}.{attribute}")
        if not isinstance(endpoint, Endpoint):
            for other in self.model.endpoints:
                setattr(other, field_name, Unresolved(f"the endpoint of {address} is not known"))
            return
        current = getattr(endpoint, field_name)
        if isinstance(current, list) and target is not None:
            current.append(target)
