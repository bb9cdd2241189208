"""Rules of routing: private subnets, the internet through NAT, NAT gateways per AZ and their placement."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from scaffold.check.model import (
    Function,
    Gateway,
    Model,
    RouteTable,
    SubnetEntity,
    Unresolved,
)
from scaffold.check.rules.base import Broken, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import (
    attached,
    covers_everything,
    distinct_zones,
    ip_destinations,
    tables_of_function,
)


@rule(
    "private-subnets",
    "The function's subnets reach the internet only through NAT (IPv4) or an egress-only"
    " internet gateway (IPv6), and in topology private not at all; an IPv4 route to an"
    " internet gateway makes a subnet public, and IPv6 to one opens it to the internet.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html",
)
def private_subnets(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    intent = subject.intent
    name = "private-subnets"
    for function in model.functions:
        if not attached(function):
            yield NotJudged(name, f"{function.address} is attached to no subnet")
            continue
        for found in function_tables(name, model, function):
            if isinstance(found, NotJudged):
                yield found
                continue
            table, subnets, routes = found
            if isinstance(routes, NotJudged):
                yield routes
                continue
            users = f"{', '.join(s.address for s in subnets)} {'use' if len(subnets) > 1 else 'uses'} {table.address}"
            for route in routes:
                where = f"{users}, whose route {route.describe()}"
                if route.kind == "internet-gateway" and is_ipv6(route):
                    # IPv4 and IPv6 apart: ::/0 to an internet gateway does not make a subnet
                    # public (no IPv4 way in or out); it opens IPv6 both ways. An existing
                    # network's owners may choose that (plan warns); this project's never do.
                    if intent.topology != "existing":
                        yield Broken(
                            name,
                            route.source.place,
                            f"{where} goes to an internet gateway: IPv6 from the internet reaches"
                            " these subnets; an egress-only internet gateway lets them out only",
                        )
                elif route.kind == "internet-gateway":
                    yield Broken(
                        name, route.source.place, f"{where} goes to an internet gateway: public"
                    )
                elif route.kind in ("nat-gateway", "egress-only-gateway") and not intent.internet:
                    yield Broken(
                        name,
                        route.source.place,
                        f"{where} leads to the internet, and topology {intent.topology} has none",
                    )
                elif route.kind == "unresolved":
                    yield NotJudged(name, f"the target of {route.source.address}: {route.target}")
                elif not intent.internet and route.kind in ("other", "instance"):
                    yield from way_out(name, where, route, intent.topology)
            if not intent.internet:
                yield from split_default(name, table, users, routes, intent.topology)


# A route to anything but the VPC itself or an internet/NAT gateway (judged above): a
# transit gateway, a peering connection, an instance or interface, a firewall or gateway
# load balancer endpoint, a virtual private, local or carrier gateway, a core network.
def is_ipv6(route: Any) -> bool:
    return isinstance(route.destination, IPv6Network)


def way_out(name: str, where: str, route: Any, topology: str) -> Iterator[Verdict]:
    """In a topology without internet, a default route (0.0.0.0/0, ::/0) to any target is a
    way out that the topology, its README and the handler's AWS_API_PROBE=off deny; a
    route to a narrower block (a peered VPC, an on-premises range) is a private path."""
    destination = route.destination
    if isinstance(destination, (IPv4Network, IPv6Network)):
        if destination.prefixlen == 0:
            yield Broken(
                name,
                route.source.place,
                f"{where} sends all of {destination} through {route.target_attribute or route.kind}:"
                f" a way out of the VPC, and topology {topology} has none",
            )
    elif not isinstance(destination, str):  # a prefix list ID is a gateway endpoint's
        yield NotJudged(
            name,
            f"where {route.source.address} leads ({route.target_attribute or route.kind})"
            " is not known before apply",
        )


def split_default(
    name: str, table: RouteTable, users: str, routes: list[Any], topology: str
) -> Iterator[Verdict]:
    """Routes that together cover all addresses (0.0.0.0/1 and 128.0.0.0/1) are a default
    route too."""
    outward = [route for route in routes if route.kind != "local"]
    for version in (4, 6):
        blocks = [
            route.destination
            for route in outward
            if isinstance(route.destination, (IPv4Network, IPv6Network))
            and route.destination.version == version
            and route.destination.prefixlen > 0
        ]
        if len(blocks) > 1 and covers_everything(blocks, version):
            yield Broken(
                name,
                table.place,
                f"{users}: together its routes {', '.join(str(b) for b in blocks)} send every IPv{version}"
                f" address out of the VPC, and topology {topology} has no way out",
            )


def function_tables(
    rule_name: str, model: Model, function: Function
) -> Iterator[tuple[RouteTable, list[SubnetEntity], list[Any] | NotJudged] | NotJudged]:
    """Each route table the function's subnets use, with those subnets and its routes."""
    users: dict[str, tuple[RouteTable, list[SubnetEntity]]] = {}
    for found in tables_of_function(rule_name, model, function):
        if isinstance(found, NotJudged):
            yield found
            continue
        subnet, table = found
        users.setdefault(table.address, (table, []))[1].append(subnet)
    for table, subnets in users.values():
        routes = model.routes_of(table)
        yield (
            table,
            subnets,
            NotJudged(rule_name, str(routes)) if isinstance(routes, Unresolved) else routes,
        )


@rule(
    "internet-through-nat",
    "With topology private-nat, every subnet of the function sends all of 0.0.0.0/0 to a NAT gateway.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html",
)
def internet_through_nat(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    intent = subject.intent
    name = "internet-through-nat"
    if intent.topology != "private-nat":
        return
    for function in model.functions:
        for found in function_tables(name, model, function):
            if isinstance(found, NotJudged):
                yield found
                continue
            table, subnets, routes = found
            if isinstance(routes, NotJudged):
                yield routes
                continue
            if covers_everything(ip_destinations(routes, "nat-gateway", 4), 4):
                continue
            if any(route.kind == "unresolved" for route in routes):
                yield NotJudged(name, f"a route target of {table.address} is not known")
                continue
            shown = ", ".join(route.describe() for route in routes) or "no route"
            users = ", ".join(subnet.address for subnet in subnets)
            yield Broken(
                name,
                table.place,
                f"used by {users}, sends only part or none of 0.0.0.0/0 to NAT ({shown})",
            )


@rule(
    "nat-per-az",
    "With --nat per-az, each subnet of the function routes through the NAT gateway in its own AZ.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html",
)
def nat_per_az(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    intent = subject.intent
    name = "nat-per-az"
    if intent.nat != "per-az":
        return
    for function in model.functions:
        for found in tables_of_function(name, model, function):
            if isinstance(found, NotJudged):
                yield found
                continue
            subnet, table = found
            routes = model.routes_of(table)
            if isinstance(routes, Unresolved):
                yield NotJudged(name, str(routes))
                continue
            for route in routes:
                if route.kind != "nat-gateway":
                    continue
                nat = route.target
                if not isinstance(nat, Gateway) or not isinstance(nat.subnet, SubnetEntity):
                    yield NotJudged(
                        name,
                        f"the NAT gateway or its subnet of {route.source.address} is not known",
                    )
                    continue
                zones = distinct_zones([nat.subnet.zone, subnet.zone])
                verdict = None if zones is None else zones == 1
                if verdict is None:
                    yield NotJudged(
                        name,
                        f"the AZ of {subnet.address} or of {nat.address} is not known before apply",
                    )
                elif not verdict:
                    yield Broken(
                        name,
                        route.source.place,
                        f"{subnet.address} (in {subnet.zone}) routes through {nat.address} in {nat.subnet.zone}",
                    )


@rule(
    "nat-placement",
    "Each NAT gateway sits in a public subnet (one whose route table sends 0.0.0.0/0 to an"
    " internet gateway) and has an Elastic IP.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html",
)
def nat_placement(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "nat-placement"
    for nat in model.gateways_of("aws_nat_gateway"):
        if nat.connectivity == "private":
            continue
        if nat.allocation is None:
            yield Broken(name, nat.place, "has no Elastic IP (allocation_id)")
        if not isinstance(nat.subnet, SubnetEntity):
            yield NotJudged(name, f"the subnet of {nat.address}: {nat.subnet}")
            continue
        table = model.table_of(nat.subnet)
        if isinstance(table, Unresolved):
            yield NotJudged(name, str(table))
            continue
        routes = model.routes_of(table)
        if isinstance(routes, Unresolved):
            yield NotJudged(name, str(routes))
            continue
        if not covers_everything(ip_destinations(routes, "internet-gateway", 4), 4):
            if any(route.kind == "unresolved" for route in routes):
                yield NotJudged(name, f"a route target of {table.address} is not known")
                continue
            yield Broken(
                name,
                nat.place,
                f"sits in {nat.subnet.address}, whose table {table.address} does not send 0.0.0.0/0 to an internet gateway",
            )
