"""What the rules share: the subnets, route tables, grants and security-group rules of a function."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from ipaddress import IPv4Network, IPv6Network, collapse_addresses
from typing import Any

from scaffold.check.model import (
    ENI_ACTIONS,
    Entity,
    Function,
    Grant,
    Model,
    Permission,
    PolicyStatement,
    Role,
    RouteTable,
    SecurityGroup,
    SubnetEntity,
    Unresolved,
)
from scaffold.check.rules.base import Broken, NotJudged, Verdict
from scaffold.check.values import Ref, Unknown


def attached(function: Function) -> bool:
    return not (isinstance(function.subnets, list) and not function.subnets)


def function_subnets(rule_name: str, function: Function) -> Iterator[SubnetEntity | NotJudged]:
    if isinstance(function.subnets, Unresolved):
        yield NotJudged(rule_name, f"the subnets of {function.address}: {function.subnets}")
        return
    for link in function.subnets:
        if isinstance(link, SubnetEntity):
            yield link
        else:
            yield NotJudged(rule_name, f"a subnet of {function.address}: {link}")


def tables_of_function(
    rule_name: str, model: Model, function: Function
) -> Iterator[tuple[SubnetEntity, RouteTable] | NotJudged]:
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
    aws_availability_zones list, or of one filtered part of it (the zones every
    interface endpoint service is offered in): the names it lists are distinct."""
    if all(isinstance(zone, str) for zone in zones):
        return len(set(zones))
    listed = [
        zone
        for zone in zones
        if isinstance(zone, Ref) and zone.path[:1] == ("names",)
        and (len(zone.path) == 2 or (len(zone.path) == 3 and zone.path[1] == "filtered"))
        and ".aws_availability_zones." in f".{zone.address}" and "data." in zone.address
    ]  # fmt: skip
    if (
        len(listed) == len(zones)
        and len({zone.address for zone in listed}) == 1
        and len({len(zone.path) for zone in listed}) == 1  # not names[0] beside filtered[0]
    ):
        return len({zone.path for zone in listed})
    return None


def matches(pattern: str, action: str) -> bool:
    return fnmatchcase(action.lower(), pattern.lower())


def statement_allows(statement: PolicyStatement, action: str) -> bool:
    if statement.actions is not None:
        named = any(matches(str(pattern), action) for pattern in statement.actions)
    else:
        named = not any(matches(str(pattern), action) for pattern in statement.not_actions or [])
    return named and "*" in (statement.resources or [])


def statement_denies(statement: PolicyStatement, action: str) -> bool:
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
