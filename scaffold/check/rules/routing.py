"""Rules of routing: private subnets, the internet through NAT, NAT gateways per AZ and their placement."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from ipaddress import IPv4Network
from typing import Any

from scaffold.answers import PER_AZ_NAT_LAYOUTS
from scaffold.check.model import (
    Function,
    Gateway,
    Model,
    Route,
    RouteTable,
    SubnetEntity,
    Unresolved,
    network_of,
)
from scaffold.check.rules.base import Broken, Intent, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import (
    attached,
    covers_everything,
    distinct_zones,
    ip_destinations,
    tables_of_function,
)
from scaffold.check.values import Unknown


@rule(
    "private-subnets",
    "The function's subnets reach the internet only through NAT (IPv4) or an egress-only"
    " internet gateway (IPv6), and in topology private not at all: there no route of theirs"
    " is a default route (0.0.0.0/0 or ::/0, or routes that add up to one), whatever its"
    " target. A route to an internet gateway, for any destination, makes a subnet public"
    " (over IPv4, or over IPv6 for an IPv6 destination).",
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
                yield from judge_route(name, intent, users, route)
            if not intent.internet:
                yield from split_default(name, intent, users, table, routes)


# Appliances a route may lead to: an instance, or an interface (perhaps a NAT instance's).
APPLIANCES = ("instance", "network-interface")


def judge_route(name: str, intent: Intent, users: str, route: Route) -> Iterator[Verdict]:
    """One route of a table the function's subnets use."""
    where = f"{users}, whose route {route.describe()}"
    place = route.source.place
    if route.kind == "internet-gateway":
        if route.version == 6 and intent.topology == "existing":
            # An existing network's owners may open IPv6 this way: the plan warns (the
            # function's security group admits nothing inbound); this project never does.
            return
        if route.version == 6:
            exposure = (
                "public over IPv6 (the internet reaches its IPv6 addresses; IPv6 egress"
                " goes through an egress-only internet gateway)"
            )
        else:
            exposure = "public"
        yield Broken(name, place, f"{where} goes to an internet gateway: {exposure}")
        return
    if route.kind == "local" or intent.internet:
        if route.kind == "unresolved":
            yield NotJudged(name, f"the target of {route.source.address}: {route.target}")
        return
    # Topology private: nothing leaves the VPC for the internet, by any path.
    if route.kind in ("nat-gateway", "egress-only-gateway"):
        yield Broken(
            name, place, f"{where} leads to the internet, and topology {intent.topology} has none"
        )
    elif route.is_default:
        yield Broken(
            name,
            place,
            f"{where} is a default route (to {target_kind(route)}), and topology"
            f" {intent.topology} has no way to the internet (its README and the handler's"
            " AWS_API_PROBE setting assume none)",
        )
    elif route.is_default is None:
        yield NotJudged(
            name,
            f"the destination of {route.source.address} (to {route.target_text()}) is not known"
            f" before apply, and a default route would break topology {intent.topology}",
        )
    elif route.kind == "unresolved":
        yield NotJudged(name, f"the target of {route.source.address}: {route.target}")
    elif route.kind in APPLIANCES:
        yield NotJudged(
            name,
            f"{route.source.address} routes {route.describe()}, an instance or interface that may be a NAT instance",
        )


def target_kind(route: Route) -> str:
    if route.kind == "unresolved":
        return "a target not known before apply"
    kind = route.kind.replace("-", " ")
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def split_default(
    name: str, intent: Intent, users: str, table: RouteTable, routes: list[Route]
) -> Iterator[Verdict]:
    """Routes out of the VPC that, between them, cover all of 0.0.0.0/0 or ::/0."""
    leaving = [r for r in routes if r.kind not in ("local", "internet-gateway")]
    for version, everything in ((4, "0.0.0.0/0"), (6, "::/0")):
        these = [r for r in leaving if r.version == version]
        if any(r.is_default for r in these):
            continue  # each said so already
        blocks = [r.destination for r in these]
        if these and covers_everything(blocks, version):  # type: ignore[arg-type]
            shown = ", ".join(r.describe() for r in these)
            yield Broken(
                name,
                table.place,
                f"{users}, whose routes {shown} add up to {everything}: a default route,"
                f" and topology {intent.topology} has no way to the internet",
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
    "With topology private-nat, every subnet of the function sends all of 0.0.0.0/0 to a NAT"
    " gateway of the project (with --nat instance: the network interface a NAT instance of"
    " the project takes over), and no part of the internet elsewhere (except blocks listed"
    " in additional_egress_cidrs).",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html",
)
def internet_through_nat(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    intent = subject.intent
    name = "internet-through-nat"
    if intent.topology != "private-nat":
        return
    extra = model.variables.get("additional_egress_cidrs") or []
    if isinstance(extra, Unknown) or not isinstance(extra, list):
        yield NotJudged(name, "var.additional_egress_cidrs is not known")
        return
    own = [network_of(item) for item in extra]
    for function in model.functions:
        for found in function_tables(name, model, function):
            if isinstance(found, NotJudged):
                yield found
                continue
            table, subnets, routes = found
            if isinstance(routes, NotJudged):
                yield routes
                continue
            users = ", ".join(subnet.address for subnet in subnets)
            if not covers_everything(ip_destinations(routes, intent.nat_kind, 4), 4):
                if any(r.kind == "unresolved" or r.is_default is None for r in routes):
                    yield NotJudged(name, f"a route of {table.address} is not known")
                    continue
                shown = ", ".join(route.describe() for route in routes) or "no route"
                yield Broken(
                    name,
                    table.place,
                    f"used by {users}, sends only part or none of 0.0.0.0/0 to NAT ({shown})",
                )
                continue
            yield from only_through_nat(name, intent, users, routes, own)


# Blocks that are not the internet: private (RFC 1918), shared (RFC 6598) and link-local.
NOT_INTERNET = [
    IPv4Network(block)
    for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
]  # fmt: skip


def only_through_nat(
    name: str, intent: Intent, users: str, routes: list[Route], own: Sequence[object]
) -> Iterator[Verdict]:
    """The NAT routes lead to the project's NAT, and no other route takes part of the internet."""
    what = "NAT instance interface" if intent.nat_kind == "network-interface" else "NAT gateway"
    for route in routes:
        if route.version not in (4, None) or route.kind == "local":
            continue
        if route.kind == intent.nat_kind:
            nat = route.target
            if isinstance(nat, Unresolved) or nat is None:
                yield NotJudged(name, f"the {what} of {route.source.address}: {nat}")
            elif not (isinstance(nat, Gateway) and nat.managed):
                yield Broken(
                    name,
                    route.source.place,
                    f"used by {users}, sends {route.destination} to {nat.address}, a"
                    f" {what} this project does not create",
                )
            continue
        if not isinstance(route.destination, IPv4Network):
            if route.is_default is None:
                yield NotJudged(
                    name,
                    f"the destination of {route.source.address} (to {route.target_text()}) is"
                    " not known before apply",
                )
            continue  # a prefix list: a gateway endpoint's or the user's own
        destination = route.destination
        if any(destination.subnet_of(block) for block in NOT_INTERNET):
            continue
        if any(isinstance(block, IPv4Network) and destination.subnet_of(block) for block in own):
            continue
        yield Broken(
            name,
            route.source.place,
            f"used by {users}, sends {route.describe()}: part of the internet, away from the"
            " NAT (list the block in additional_egress_cidrs if you route it on purpose)",
        )


@rule(
    "nat-per-az",
    "With --nat per-az (or instance-per-az), each subnet of the function routes through the"
    " NAT gateway (or NAT instance) in its own AZ.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html",
)
def nat_per_az(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    intent = subject.intent
    name = "nat-per-az"
    if intent.nat not in PER_AZ_NAT_LAYOUTS:
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
                if route.kind != intent.nat_kind:
                    continue
                nat = route.target
                if not isinstance(nat, Gateway) or not isinstance(nat.subnet, SubnetEntity):
                    yield NotJudged(
                        name,
                        f"the NAT or its subnet of {route.source.address} is not known",
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
    " internet gateway) and has an Elastic IP; each NAT instance's interface sits in a"
    " public subnet too.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html",
)
def nat_placement(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "nat-placement"
    for nat in [*model.gateways_of("aws_nat_gateway"), *nat_interfaces(model)]:
        if nat.connectivity == "private":
            continue
        if nat.type == "aws_nat_gateway" and nat.allocation is None:
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


def nat_interfaces(model: Model) -> list[Gateway]:
    """The project's network interfaces that a route sends 0.0.0.0/0 to: NAT instances'."""
    targeted = {
        id(route.target)
        for table in model.route_tables
        for route in table.routes
        if route.kind == "network-interface" and route.is_default
    }
    return [
        interface
        for interface in model.gateways_of("aws_network_interface")
        if interface.managed and id(interface) in targeted
    ]


@rule(
    "nat-instance-forwarding",
    "Each network interface a route sends 0.0.0.0/0 to (a NAT instance's) has its"
    " source/destination check off: with it on, EC2 drops every packet addressed to"
    " the internet that arrives there.",
    link="https://docs.aws.amazon.com/vpc/latest/userguide/work-with-nat-instances.html",
)
def nat_instance_forwarding(subject: Subject) -> Iterator[Verdict]:
    name = "nat-instance-forwarding"
    for interface in nat_interfaces(subject.model):
        check = interface.source_dest_check
        if isinstance(check, Unknown):
            yield NotJudged(name, f"source_dest_check of {interface.address} is not known")
        elif check is not False:
            yield Broken(
                name,
                interface.place,
                "takes 0.0.0.0/0 from the private route tables with source_dest_check on:"
                " set source_dest_check = false",
            )
