"""The Lambda-in-a-VPC guide's rules, and this project's own, each judged once on the model.

Every rule yields `Broken` (the rule, the resource, what was found) or `NotJudged`
(the rule, and what was not known). A rule never passes on a value it could not
work out: see `scaffold.model` for how values are resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from ipaddress import IPv4Network, IPv6Network, collapse_addresses
from typing import Any

from scaffold.model import (
    ENI_ACTIONS,
    Entity,
    Function,
    Gateway,
    Grant,
    Model,
    Permission,
    Role,
    RouteTable,
    SecurityGroup,
    Statement,
    Subnet,
    Unresolved,
    Vpc,
)
from scaffold.tfeval import Ref, Template, Unknown


@dataclass(frozen=True)
class Intent:
    """What the project was generated to be (from its recorded answers)."""

    topology: str  # private, private-nat or existing
    nat: str | None = None  # single or per-az, with private-nat

    @property
    def internet(self) -> bool:
        return self.topology != "private"


@dataclass(frozen=True)
class Broken:
    rule: str
    address: str
    found: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.address}: {self.found}"


@dataclass(frozen=True)
class NotJudged:
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.rule}: not judged: {self.why}"


Verdict = Broken | NotJudged
Judge = Callable[[Model, Intent], Iterator[Verdict]]


@dataclass(frozen=True)
class Rule:
    name: str
    says: str
    judge: Judge


RULES: list[Rule] = []


def rule(name: str, says: str) -> Callable[[Judge], Judge]:
    def register(judge: Judge) -> Judge:
        RULES.append(Rule(name, says, judge))
        return judge

    return register


def judge(model: Model, intent: Intent) -> list[Verdict]:
    return [verdict for each in RULES for verdict in each.judge(model, intent)]


# --- helpers ---------------------------------------------------------------------------------


def attached(function: Function) -> bool:
    return not (isinstance(function.subnets, list) and not function.subnets)


def function_subnets(rule_name: str, function: Function) -> Iterator[Subnet | NotJudged]:
    if isinstance(function.subnets, Unresolved):
        yield NotJudged(rule_name, f"the subnets of {function.address}: {function.subnets}")
        return
    for link in function.subnets:
        if isinstance(link, Subnet):
            yield link
        else:
            yield NotJudged(rule_name, f"a subnet of {function.address}: {link}")


def tables_of_function(
    rule_name: str, model: Model, function: Function
) -> Iterator[tuple[Subnet, RouteTable] | NotJudged]:
    for subnet in function_subnets(rule_name, function):
        if isinstance(subnet, NotJudged):
            yield subnet
            continue
        table = model.table_of(subnet)
        if isinstance(table, Unresolved):
            yield NotJudged(rule_name, str(table))
        else:
            yield subnet, table


def ip_destinations(
    routes: Iterable[Any], kind: str, version: int
) -> list[IPv4Network | IPv6Network]:
    return [
        route.destination
        for route in routes
        if route.kind == kind
        and isinstance(route.destination, (IPv4Network, IPv6Network))
        and route.destination.version == version
    ]


def covers_everything(networks: list[IPv4Network | IPv6Network], version: int) -> bool:
    if version == 4:
        four = [network for network in networks if isinstance(network, IPv4Network)]
        return list(collapse_addresses(four)) == [IPv4Network("0.0.0.0/0")]
    six = [network for network in networks if isinstance(network, IPv6Network)]
    return list(collapse_addresses(six)) == [IPv6Network("::/0")]


def same(first: object, second: object) -> bool | None:
    """Whether two values are equal: None when that is not known before apply."""
    if isinstance(first, Ref) and isinstance(second, Ref) and first == second:
        return True
    if isinstance(first, Unknown) or isinstance(second, Unknown):
        return None
    return first == second


def distinct_zones(zones: list[object]) -> int | None:
    """How many different AZs, or None when that is not known before apply.

    Unknown zones still count when they are different positions of one
    aws_availability_zones list: the names it lists are distinct."""
    if all(isinstance(zone, str) for zone in zones):
        return len(set(zones))
    listed = [
        zone
        for zone in zones
        if isinstance(zone, Ref) and zone.path[:1] == ("names",) and len(zone.path) == 2
        and ".aws_availability_zones." in f".{zone.address}" and "data." in zone.address
    ]  # fmt: skip
    if len(listed) == len(zones) and len({zone.address for zone in listed}) == 1:
        return len({zone.path for zone in listed})
    return None


def matches(pattern: str, action: str) -> bool:
    return fnmatchcase(action.lower(), pattern.lower())


def statement_allows(statement: Statement, action: str) -> bool:
    if statement.actions is not None:
        named = any(matches(str(pattern), action) for pattern in statement.actions)
    else:
        named = not any(matches(str(pattern), action) for pattern in statement.not_actions or [])
    return named and "*" in (statement.resources or [])


def statement_denies(statement: Statement, action: str) -> bool:
    if statement.actions is not None:
        return any(matches(str(pattern), action) for pattern in statement.actions)
    return not any(matches(str(pattern), action) for pattern in statement.not_actions or [])


def held(grants: Iterable[Grant], action: str) -> bool | None:
    """Whether the grants allow an action on every resource: None when a grant is not known."""
    allowed, unknown = False, False
    for grant in grants:
        if isinstance(grant.statements, Unresolved):
            unknown = True
            continue
        for statement in grant.statements:
            if statement.effect == "Deny" and statement_denies(statement, action):
                return False
            if statement.effect == "Allow" and statement_allows(statement, action):
                allowed = True
    return True if allowed else (None if unknown else False)


def role_grants(model: Model, role: Role) -> list[Grant]:
    return role.grants + [
        grant for grant in model.unplaced_grants if isinstance(grant.role, Unresolved)
    ]


def function_role(rule_name: str, function: Function) -> Role | NotJudged:
    if isinstance(function.role, Role):
        return function.role
    return NotJudged(rule_name, f"the role of {function.address}: {function.role}")


def grants_providing_eni(model: Model, role: Role) -> list[Grant]:
    return [
        grant
        for grant in role_grants(model, role)
        if any(held([grant], action) for action in ENI_ACTIONS)
    ]


def dependency_check(
    rule_name: str, model: Model, function: Function, dependent: Entity, consequence: str
) -> Iterator[Verdict]:
    """`dependent` must depend on grants that together hold every ENI action."""
    role = function_role(rule_name, function)
    if isinstance(role, NotJudged):
        yield role
        return
    depends = model.dependencies.of(dependent.config_address)
    grants = role_grants(model, role)
    reachable = [grant for grant in grants if grant.source.config_address in depends]
    for action in ENI_ACTIONS:
        if held(grants, action) is not True:
            continue  # not granted at all: eni-permissions says so
        if held(reachable, action) is not True:
            givers = sorted({g.source.address for g in grants if held([g], action)})
            yield Broken(
                rule_name,
                dependent.place,
                f"does not depend on {' or '.join(givers)}, which grants {action}: {consequence}",
            )
            return


def group_links(
    rule_name: str, owner: str, links: list[Any] | Unresolved
) -> Iterator[SecurityGroup | NotJudged]:
    if isinstance(links, Unresolved):
        yield NotJudged(rule_name, f"the security groups of {owner}: {links}")
        return
    for link in links:
        if isinstance(link, SecurityGroup):
            yield link
        else:
            yield NotJudged(rule_name, f"a security group of {owner}: {link}")


def permissions_of(
    rule_name: str, model: Model, group: SecurityGroup, direction: str
) -> list[Permission] | NotJudged:
    found = group.rules(direction)
    if isinstance(found, Unresolved):
        return NotJudged(rule_name, str(found))
    unplaced = [
        p for p in model.unplaced_permissions if p.direction in (direction, "ingress", "egress")
    ]
    if unplaced:
        return NotJudged(rule_name, f"the group of {unplaced[0].source.address} is not known")
    return found


def peer_text(permission: Permission) -> str:
    peer = permission.peer
    if isinstance(peer, Unresolved):
        return str(peer)
    if peer.kind == "group":
        return f"group {peer.value}"
    if peer.kind == "self":
        return "its own members"
    return str(peer.value) if not isinstance(peer.value, Unknown) else repr(peer.value)


# --- the rules -------------------------------------------------------------------------------


@rule(
    "private-subnets",
    "The function's subnets reach the internet only through NAT (IPv4) or an egress-only"
    " internet gateway (IPv6), and in topology private not at all; a route to an internet"
    " gateway, for any destination, makes a subnet public.",
)
def private_subnets(model: Model, intent: Intent) -> Iterator[Verdict]:
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
                if route.kind == "internet-gateway":
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
                elif route.kind == "instance" and not intent.internet:
                    yield NotJudged(
                        name,
                        f"{route.source.address} routes {route.describe()}, an instance or interface that may be a NAT instance",
                    )


def function_tables(
    rule_name: str, model: Model, function: Function
) -> Iterator[tuple[RouteTable, list[Subnet], list[Any] | NotJudged] | NotJudged]:
    """Each route table the function's subnets use, with those subnets and its routes."""
    users: dict[str, tuple[RouteTable, list[Subnet]]] = {}
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
)
def internet_through_nat(model: Model, intent: Intent) -> Iterator[Verdict]:
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
)
def nat_per_az(model: Model, intent: Intent) -> Iterator[Verdict]:
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
                if not isinstance(nat, Gateway) or not isinstance(nat.subnet, Subnet):
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
)
def nat_placement(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "nat-placement"
    for nat in model.gateways_of("aws_nat_gateway"):
        if nat.connectivity == "private":
            continue
        if nat.allocation is None:
            yield Broken(name, nat.place, "has no Elastic IP (allocation_id)")
        if not isinstance(nat.subnet, Subnet):
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


@rule(
    "eni-permissions",
    "The function's execution role is allowed ec2:CreateNetworkInterface,"
    " ec2:DescribeNetworkInterfaces and ec2:DeleteNetworkInterface on every resource.",
)
def eni_permissions(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "eni-permissions"
    for function in model.functions:
        role = function_role(name, function)
        if isinstance(role, NotJudged):
            yield role
            continue
        grants = role_grants(model, role)
        if isinstance(role.boundary, Unresolved):
            yield NotJudged(name, f"the permissions boundary of {role.address}: {role.boundary}")
            continue
        for action in ENI_ACTIONS:
            verdict = held(grants, action)
            if verdict is True and role.boundary is not None:
                capped = held([Grant(role, role.boundary, role, "permissions boundary")], action)
                if not capped:
                    yield Broken(
                        name, role.place, f"its permissions boundary does not allow {action}"
                    )
                continue
            if verdict is None:
                unknown = next(g for g in grants if isinstance(g.statements, Unresolved))
                yield NotJudged(name, f"{unknown.source.address}: {unknown.statements}")
                break
            if not verdict:
                given = (
                    ", ".join(sorted(f"{g.what} ({g.source.address})" for g in grants)) or "nothing"
                )
                yield Broken(
                    name, role.place, f"is not allowed {action} on every resource; it has {given}"
                )


@rule(
    "eni-depends-on",
    "The function depends on the grant of the ENI actions: it is created after the"
    " permissions exist and destroyed before they go.",
)
def eni_depends_on(model: Model, intent: Intent) -> Iterator[Verdict]:
    for function in model.functions:
        yield from dependency_check(
            "eni-depends-on", model, function, function,
            "creation races the permissions, and on destroy they can go while Lambda still needs them",
        )  # fmt: skip


@rule(
    "network-outlives-grant",
    "The function's subnets and security groups (its own and the replacement one) depend on"
    " the ENI grant, so destroy removes them, waiting for Lambda to release its interfaces"
    " with the role, before it removes the grant.",
)
def network_outlives_grant(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "network-outlives-grant"
    for function in model.functions:
        if not attached(function):
            continue
        dependents: list[Entity] = []
        for subnet in function_subnets(name, function):
            if isinstance(subnet, NotJudged):
                yield subnet
            elif subnet.managed:
                dependents.append(subnet)
        for links in (function.security_groups, function.replacement_groups):
            for group in group_links(name, function.address, links):
                if isinstance(group, NotJudged):
                    yield group
                elif group.managed:
                    dependents.append(group)
        seen: set[str] = set()
        for dependent in dependents:
            if dependent.config_address in seen:
                continue
            seen.add(dependent.config_address)
            yield from dependency_check(
                name, model, function, dependent,
                "on destroy it waits for Lambda to release interfaces, and Lambda needs those permissions to do it",
            )  # fmt: skip


@rule(
    "replacement-security-group",
    "On destroy the function is moved to a rule-less security group of its VPC"
    " (replace_security_groups_on_destroy), so its own group can go at once.",
)
def replacement_security_group(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "replacement-security-group"
    for function in model.functions:
        if not attached(function):
            continue
        if function.replace_on_destroy is not True:
            if isinstance(function.replace_on_destroy, Unknown):
                yield NotJudged(
                    name, f"{function.address}.replace_security_groups_on_destroy is not known"
                )
            else:
                yield Broken(name, function.place, "replace_security_groups_on_destroy is not true")
            continue
        groups = list(group_links(name, function.address, function.replacement_groups))
        if not groups:
            yield Broken(name, function.place, "lists no replacement_security_group_ids")
        own = function.security_groups if isinstance(function.security_groups, list) else []
        for group in groups:
            if isinstance(group, NotJudged):
                yield group
                continue
            if group in own:
                yield Broken(
                    name,
                    function.place,
                    f"its replacement group {group.address} is one of its own groups",
                )
            if isinstance(group.permissions, Unresolved):
                yield NotJudged(name, str(group.permissions))
            elif group.permissions:
                shown = "; ".join(
                    f"{p.direction} {p.ports()} {peer_text(p)}" for p in group.permissions
                )
                yield Broken(name, group.place, f"is the replacement group, and has rules: {shown}")


@rule(
    "default-security-group",
    "The default security group of a VPC the project creates has no rules.",
)
def default_security_group(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "default-security-group"
    for vpc in model.vpcs:
        if not vpc.managed or vpc.default_group is None:
            continue
        group = vpc.default_group
        for direction in ("ingress", "egress"):
            found = permissions_of(name, model, group, direction)
            if isinstance(found, NotJudged):
                yield found
                break
            for permission in found:
                where = permission.source.place if permission.source is not vpc else group.place
                yield Broken(
                    name,
                    where,
                    f"the default group of {vpc.address} has {direction} {permission.ports()} {peer_text(permission)}",
                )


@rule(
    "gateway-endpoints",
    "Each gateway endpoint is on every route table of the function's subnets and on no"
    " public route table.",
)
def gateway_endpoints(model: Model, intent: Intent) -> Iterator[Verdict]:
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
            elif any(route.kind == "internet-gateway" for route in routes):
                yield Broken(name, endpoint.place, f"is on {table.address}, a public route table")


@rule(
    "interface-endpoints",
    "Each interface endpoint has private DNS, and security groups that admit HTTPS only,"
    " only from inside the VPC, and from the function.",
)
def interface_endpoints(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "interface-endpoints"
    for endpoint in [e for e in model.endpoints if e.endpoint_type == "Interface"]:
        if endpoint.private_dns is not True:
            if isinstance(endpoint.private_dns, Unknown):
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
            cidrs = [s.cidr for s in subnets if isinstance(s, Subnet)]
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
)
def interface_endpoint_subnets(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "interface-endpoint-subnets"
    interfaces = [e for e in model.endpoints if e.endpoint_type == "Interface"]
    if not interfaces:
        return
    function_subnet_set: list[Subnet] = []
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
        subnets = [s for s in endpoint.subnets if isinstance(s, Subnet)]
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
    "tenancy",
    "The VPC of the function has default instance tenancy (Lambda cannot run in a dedicated one).",
)
def tenancy(model: Model, intent: Intent) -> Iterator[Verdict]:
    for vpc in model.vpcs:
        if isinstance(vpc.tenancy, Unknown):
            yield NotJudged("tenancy", f"the tenancy of {vpc.address} is not known")
        elif vpc.tenancy != "default":
            yield Broken("tenancy", vpc.place, f"has {vpc.tenancy} tenancy")


@rule("multi-az", "The function's subnets are in at least two AZs.")
def multi_az(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "multi-az"
    for function in model.functions:
        if not attached(function):
            continue
        subnets = list(function_subnets(name, function))
        judged = [s for s in subnets if isinstance(s, Subnet)]
        if len(judged) != len(subnets):
            yield next(s for s in subnets if isinstance(s, NotJudged))
            continue
        count = distinct_zones([s.zone for s in judged])
        if count is None:
            yield NotJudged(
                name, f"the AZs of the subnets of {function.address} are not known before apply"
            )
        elif count < 2:
            yield Broken(
                name,
                function.place,
                f"its subnets ({', '.join(s.address for s in judged)}) are all in one AZ",
            )


@rule(
    "function-egress",
    "The function's own security group sends anywhere in the VPC, HTTPS to the gateway"
    " endpoints, HTTPS to the internet only where its subnets route there, and to the"
    " variable additional_egress_cidrs; nothing else.",
)
def function_egress(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "function-egress"
    extra = model.variables.get("additional_egress_cidrs") or []
    if isinstance(extra, Unknown):
        yield NotJudged(name, "var.additional_egress_cidrs is not known")
        return
    allowed_extra = {str(item) for item in extra}
    prefix_lists = [f"{e.address}" for e in model.endpoints if e.endpoint_type == "Gateway"]
    for function in model.functions:
        routes: list[Any] = []
        for found in tables_of_function(name, model, function):
            if isinstance(found, NotJudged):
                yield found
                return
            table_routes = model.routes_of(found[1])
            if isinstance(table_routes, Unresolved):
                yield NotJudged(name, str(table_routes))
                return
            routes += table_routes
        for group in group_links(name, function.address, function.security_groups):
            if isinstance(group, NotJudged):
                yield group
                continue
            if not group.managed:
                continue
            egress = permissions_of(name, model, group, "egress")
            if isinstance(egress, NotJudged):
                yield egress
                continue
            for permission in egress:
                verdict = egress_allowed(permission, group, routes, prefix_lists, allowed_extra)
                if verdict is None:
                    yield NotJudged(
                        name,
                        f"an egress rule of {group.address} ({permission.ports()} to {peer_text(permission)}) is not known before apply",
                    )
                elif verdict:
                    yield Broken(
                        name,
                        permission.source.place,
                        f"{group.address} allows {permission.ports()} to {peer_text(permission)}: {verdict}",
                    )


def egress_allowed(
    permission: Permission,
    group: SecurityGroup,
    routes: list[Any],
    gateway_endpoints: list[str],
    extra: set[str],
) -> str | None:
    """'' when allowed, why not otherwise, None when not known."""
    peer = permission.peer
    if isinstance(peer, Unresolved):
        return None
    https = permission.is_https_only()
    if peer.kind in ("self", "group"):
        return ""
    if peer.kind == "prefix-list":
        if isinstance(peer.value, Ref):
            if peer.value.address in gateway_endpoints:
                return "" if https else "only HTTPS is needed for a gateway endpoint"
            return None
        return "" if https else "only HTTPS is needed for a gateway endpoint"
    network = peer.value
    vpc = group.vpc
    if not isinstance(vpc, Vpc):
        return None
    inside = vpc.contains(network)  # type: ignore[arg-type]
    if inside is None:
        return None
    if inside or str(network) in extra:
        return ""
    if not isinstance(network, (IPv4Network, IPv6Network)):
        return None
    kind = "nat-gateway" if network.version == 4 else "egress-only-gateway"
    out = ip_destinations(routes, kind, network.version)
    reachable = any(network.subnet_of(destination) for destination in out)  # type: ignore[arg-type]
    if not reachable:
        return "the function's subnets have no route there (add it to additional_egress_cidrs if you routed it yourself)"
    if https is None:
        return None
    return "" if https else "beyond the VPC only HTTPS is needed"


@rule(
    "endpoint-dns",
    "A VPC with interface endpoints has DNS support and DNS hostnames on (private DNS needs both).",
)
def endpoint_dns(model: Model, intent: Intent) -> Iterator[Verdict]:
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


@rule("trust", "Only lambda.amazonaws.com may assume the function's execution role.")
def trust(model: Model, intent: Intent) -> Iterator[Verdict]:
    for function in model.functions:
        role = function_role("trust", function)
        if isinstance(role, NotJudged):
            yield role
            continue
        if isinstance(role.trust, Unresolved):
            yield NotJudged("trust", f"the trust policy of {role.address}: {role.trust}")
            continue
        principals: list[object] = []
        for statement in role.trust:
            principal = statement.get("Principal")
            if not isinstance(principal, dict) or statement.get("Effect", "Allow") != "Allow":
                principals.append(principal)
                continue
            for kind, identifiers in principal.items():
                for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
                    principals.append(f"{kind}:{identifier}")
        if any(isinstance(p, Unknown) for p in principals):
            yield NotJudged("trust", f"the principals of {role.address} are not known")
        elif principals != ["Service:lambda.amazonaws.com"]:
            yield Broken("trust", role.place, f"may be assumed by {principals}")


@rule(
    "least-privilege",
    "The policies the project writes for the function's role name no action wildcards.",
)
def least_privilege(model: Model, intent: Intent) -> Iterator[Verdict]:
    for function in model.functions:
        role = function.role
        if not isinstance(role, Role):
            continue
        for grant in role.grants:
            if isinstance(grant.statements, Unresolved) or grant.what.startswith("managed policy"):
                continue
            for statement in grant.statements:
                if statement.effect != "Allow":
                    continue
                if statement.actions is None:
                    yield Broken(
                        "least-privilege",
                        grant.source.place,
                        f"{grant.what} allows everything but {statement.not_actions}",
                    )
                    continue
                wild = [a for a in statement.actions if "*" in str(a) or "?" in str(a)]
                if wild:
                    yield Broken(
                        "least-privilege", grant.source.place, f"{grant.what} allows {wild}"
                    )


@rule(
    "own-log-group",
    "The policies the project writes let the role write logs only to the function's own log group.",
)
def own_log_group(model: Model, intent: Intent) -> Iterator[Verdict]:
    name = "own-log-group"
    for function in model.functions:
        role = function.role
        if not isinstance(role, Role):
            continue
        if not isinstance(function.name, str):
            yield NotJudged(name, f"the name of {function.address} is not known")
            continue
        group_name = f"/aws/lambda/{function.name}"
        own = [group for group in model.log_groups if group.name == group_name]
        for grant in role.grants:
            if isinstance(grant.statements, Unresolved) or grant.what.startswith("managed policy"):
                continue
            for statement in grant.statements:
                logs = [a for a in statement.actions or [] if str(a).lower().startswith("logs:")]
                if statement.effect != "Allow" or not logs:
                    continue
                for resource in statement.resources or ["(every resource but some)"]:
                    verdict = is_own_log_group(resource, group_name, own)
                    if verdict is None:
                        yield NotJudged(name, f"a resource of {grant.what} is not known")
                    elif not verdict:
                        yield Broken(
                            name,
                            grant.source.place,
                            f"{grant.what} allows {logs} on {resource}, not only on {group_name}",
                        )


def is_own_log_group(resource: object, group_name: str, own: list[Any]) -> bool | None:
    if isinstance(resource, str):
        return resource.endswith((f":log-group:{group_name}", f":log-group:{group_name}:*"))
    if isinstance(resource, Template) and resource.parts:
        first, rest = resource.parts[0], "".join(str(part) for part in resource.parts[1:])
        if isinstance(first, Ref) and first.path == ("arn",) and rest in ("", ":*"):
            return any(group.address == first.address for group in own)
        return None
    if isinstance(resource, Ref) and resource.path == ("arn",):
        return any(group.address == resource.address for group in own)
    return None


@rule("public-ip", "No subnet the project creates gives its instances public IPs on launch.")
def public_ip(model: Model, intent: Intent) -> Iterator[Verdict]:
    for subnet in model.subnets:
        if subnet.managed and subnet.map_public_ip is True:
            yield Broken("public-ip", subnet.place, "has map_public_ip_on_launch = true")


@rule("flow-logs", "A flow log of the VPC records all traffic (ALL), accepted and rejected.")
def flow_logs(model: Model, intent: Intent) -> Iterator[Verdict]:
    for flow_log in model.flow_logs:
        if isinstance(flow_log.traffic_type, Unknown):
            yield NotJudged("flow-logs", f"{flow_log.address}.traffic_type is not known")
        elif flow_log.traffic_type != "ALL":
            yield Broken(
                "flow-logs", flow_log.place, f"records {flow_log.traffic_type} traffic only"
            )


RULE_NAMES = [each.name for each in RULES]
