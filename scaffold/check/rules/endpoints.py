"""Rules of VPC endpoints: gateway and interface endpoints, their subnets and DNS."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network, IPv6Network

from scaffold.check.model import (
    Model,
    Permission,
    RouteTable,
    SecurityGroup,
    SubnetEntity,
    Unresolved,
    Vpc,
)
from scaffold.check.rules.base import Broken, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import (
    distinct_zones,
    function_subnets,
    group_links,
    peer_text,
    permissions_of,
    tables_of_function,
)
from scaffold.check.values import Unknown


@rule(
    "gateway-endpoints",
    "Each gateway endpoint is on every route table of the function's subnets and on no"
    " public route table.",
    link="https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html",
)
def gateway_endpoints(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "gateway-endpoints"
    gateways = [e for e in model.endpoints if e.endpoint_type == "Gateway"]
    if not gateways:
        return
    private: dict[str, RouteTable] = {}
    for function in model.functions:
        for found in tables_of_function(name, model, function):
            if isinstance(found, NotJudged):
                yield found
                return
            private[found[1].address] = found[1]
    for endpoint in gateways:
        if isinstance(endpoint.route_tables, Unresolved):
            yield NotJudged(
                name, f"the route tables of {endpoint.address}: {endpoint.route_tables}"
            )
            continue
        tables = [t for t in endpoint.route_tables if isinstance(t, RouteTable)]
        for link in endpoint.route_tables:
            if not isinstance(link, RouteTable):
                yield NotJudged(name, f"a route table of {endpoint.address}: {link}")
        on = {table.address for table in tables}
        missing = sorted(set(private) - on)
        if missing and len(tables) == len(endpoint.route_tables):
            yield Broken(
                name,
                endpoint.place,
                f"is not on {', '.join(missing)}, the route table(s) of the function's subnets",
            )
        for table in tables:
            routes = model.routes_of(table)
            if isinstance(routes, Unresolved):
                yield NotJudged(name, str(routes))
            elif any(r.kind == "internet-gateway" and r.version != 6 for r in routes):
                # Public over IPv4 (the endpoints' prefix lists are IPv4): a table whose only
                # internet gateway route is ::/0 is private-subnets' to judge, not this rule's.
                yield Broken(name, endpoint.place, f"is on {table.address}, a public route table")


@rule(
    "interface-endpoints",
    "Each interface endpoint has private DNS (execute-api: as chosen), and security groups that admit HTTPS only,"
    " only from inside the VPC, and from the function.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html",
)
def interface_endpoints(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "interface-endpoints"
    for endpoint in [e for e in model.endpoints if e.endpoint_type == "Interface"]:
        # execute-api is the one service whose private DNS is the user's choice: on, public
        # APIs answer the VPC 403 (API Gateway developer guide, "Private REST APIs"); off,
        # private APIs are called by the endpoint's own names.
        chosen = isinstance(endpoint.service, str) and endpoint.service.endswith(".execute-api")
        if endpoint.private_dns is not True and not chosen:
            if isinstance(endpoint.private_dns, Unknown) or isinstance(endpoint.service, Unknown):
                yield NotJudged(name, f"{endpoint.address}.private_dns_enabled is not known")
            else:
                yield Broken(
                    name,
                    endpoint.place,
                    "has private DNS off: the function's SDK calls would go to the public endpoint",
                )
        vpc = endpoint.vpc
        groups = list(group_links(name, endpoint.address, endpoint.security_groups))
        if not groups:
            yield Broken(
                name, endpoint.place, "has no security group (it would get the VPC's default one)"
            )
        admits_function: bool | None = False
        for group in groups:
            if isinstance(group, NotJudged):
                yield group
                admits_function = None
                continue
            found = permissions_of(name, model, group, "ingress")
            if isinstance(found, NotJudged):
                yield found
                admits_function = None
                continue
            for permission in found:
                https = permission.is_https_only()
                inside = peer_inside(permission, vpc, group)
                if https is None or inside is None:
                    yield NotJudged(
                        name,
                        f"an ingress rule of {group.address} ({permission.ports()} from {peer_text(permission)}) is not known before apply",
                    )
                    admits_function = None if admits_function is False else admits_function
                    continue
                if not https:
                    yield Broken(
                        name,
                        permission.source.place,
                        f"{group.address} (of {endpoint.address}) admits {permission.ports()} from {peer_text(permission)}; only HTTPS (tcp 443) is needed",
                    )
                if not inside:
                    yield Broken(
                        name,
                        permission.source.place,
                        f"{group.address} (of {endpoint.address}) admits {permission.ports()} from {peer_text(permission)}, outside the VPC",
                    )
                if https and admits_some_function(model, permission, group):
                    admits_function = True
        if admits_function is False and groups and model.functions:
            yield Broken(
                name, endpoint.place, "its security groups do not admit HTTPS from the function"
            )


def peer_inside(permission: Permission, vpc: object, group: SecurityGroup) -> bool | None:
    peer = permission.peer
    if isinstance(peer, Unresolved):
        return None
    if peer.kind == "self":
        return True
    if peer.kind == "group":
        target = peer.value
        if (
            isinstance(target, SecurityGroup)
            and isinstance(target.vpc, Vpc)
            and isinstance(vpc, Vpc)
        ):
            return target.vpc is vpc
        return None
    if peer.kind == "prefix-list":
        return False
    if not isinstance(vpc, Vpc):
        return None
    return vpc.contains(peer.value)  # type: ignore[arg-type]


def admits_some_function(model: Model, permission: Permission, group: SecurityGroup) -> bool:
    peer = permission.peer
    if isinstance(peer, Unresolved):
        return False
    for function in model.functions:
        own = function.security_groups if isinstance(function.security_groups, list) else []
        if peer.kind == "group" and peer.value in own:
            return True
        if peer.kind == "cidr" and isinstance(peer.value, (IPv4Network, IPv6Network)):
            subnets = function.subnets if isinstance(function.subnets, list) else []
            cidrs = [s.cidr for s in subnets if isinstance(s, SubnetEntity)]
            if cidrs and all(
                isinstance(cidr, (IPv4Network, IPv6Network)) and cidr.version == peer.value.version
                and cidr.subnet_of(peer.value)  # type: ignore[arg-type]
                for cidr in cidrs
            ):  # fmt: skip
                return True
    return False


@rule(
    "interface-endpoint-subnets",
    "Each interface endpoint sits in the function's subnets, exactly one in each of their AZs"
    " (AWS refuses two subnets of one AZ).",
    link="https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html",
)
def interface_endpoint_subnets(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "interface-endpoint-subnets"
    interfaces = [e for e in model.endpoints if e.endpoint_type == "Interface"]
    if not interfaces:
        return
    function_subnet_set: list[SubnetEntity] = []
    for function in model.functions:
        for subnet in function_subnets(name, function):
            if isinstance(subnet, NotJudged):
                yield subnet
                return
            function_subnet_set.append(subnet)
    for endpoint in interfaces:
        if isinstance(endpoint.subnets, Unresolved):
            yield NotJudged(name, f"the subnets of {endpoint.address}: {endpoint.subnets}")
            continue
        subnets = [s for s in endpoint.subnets if isinstance(s, SubnetEntity)]
        if len(subnets) != len(endpoint.subnets):
            yield NotJudged(name, f"a subnet of {endpoint.address} is not known")
            continue
        for subnet in subnets:
            if subnet not in function_subnet_set:
                yield Broken(
                    name,
                    endpoint.place,
                    f"sits in {subnet.address}, not one of the function's subnets",
                )
        zones = [s.zone for s in subnets]
        wanted = [s.zone for s in function_subnet_set]
        count, wanted_count = distinct_zones(zones), distinct_zones(zones + wanted)
        if count is None or wanted_count is None:
            yield NotJudged(
                name, f"the AZs of the subnets of {endpoint.address} are not known before apply"
            )
            continue
        if count != len(zones):
            yield Broken(
                name,
                endpoint.place,
                f"has two subnets in one AZ ({', '.join(s.address for s in subnets)})",
            )
        if count != wanted_count:
            yield Broken(name, endpoint.place, "is missing from an AZ of the function's subnets")


@rule(
    "endpoint-dns",
    "A VPC with interface endpoints has DNS support and DNS hostnames on (private DNS needs both).",
    link="https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html",
)
def endpoint_dns(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    for endpoint in [e for e in model.endpoints if e.endpoint_type == "Interface"]:
        if not isinstance(endpoint.vpc, Vpc):
            yield NotJudged("endpoint-dns", f"the VPC of {endpoint.address}: {endpoint.vpc}")
            continue
        vpc = endpoint.vpc
        for setting, value in (
            ("enable_dns_support", vpc.dns_support),
            ("enable_dns_hostnames", vpc.dns_hostnames),
        ):
            if isinstance(value, Unknown):
                yield NotJudged("endpoint-dns", f"{vpc.address}.{setting} is not known")
            elif value is False or (value is None and setting == "enable_dns_hostnames"):
                yield Broken(
                    "endpoint-dns",
                    vpc.place,
                    f"has {setting} off, and {endpoint.address} uses private DNS",
                )
        break
