"""Rules of security groups: replacement and default groups, the function's egress."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from scaffold.check.model import (
    Function,
    Permission,
    SecurityGroup,
    Unresolved,
    Vpc,
    load_tfvars,
)
from scaffold.check.rules.base import Broken, NotJudged, Subject, Verdict, rule
from scaffold.check.rules.common import (
    attached,
    group_links,
    ip_destinations,
    peer_text,
    permissions_of,
    tables_of_function,
)
from scaffold.check.rules.reach import targets_of
from scaffold.check.values import Ref, Unknown


def on_anothers_groups(function: Function) -> bool:
    """Whether every group of a function (add-function's shared group) belongs to another
    module of the project: the groups outlive it, so there is nothing to release."""
    groups = function.security_groups if isinstance(function.security_groups, list) else []
    module = function.address.rsplit("aws_lambda_function.", 1)[0]
    return module.startswith("module.functions[") and bool(groups) and not any(
        str(getattr(group, "address", "")).startswith(module) for group in groups
    )


@rule(
    "replacement-security-group",
    "On destroy the function is moved to a rule-less security group of its VPC"
    " (replace_security_groups_on_destroy) before it is deleted, so Lambda starts"
    " releasing the interfaces of its own group while the function still exists.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
)
def replacement_security_group(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "replacement-security-group"
    for function in model.functions:
        if not attached(function):
            continue
        if on_anothers_groups(function) and function.replace_on_destroy is not True:
            continue  # a function sharing another's groups frees none of them on destroy
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
        # The swap must free some group of the function's (with groups given to the function,
        # the rule-less replacement group is one of its own too, so its deletion waits for
        # every interface Lambda built).
        frees = [group for group in own if group not in groups]
        for group in groups:
            if isinstance(group, NotJudged):
                yield group
                continue
            if group in own and not frees:
                yield Broken(
                    name,
                    function.place,
                    f"its replacement group {group.address} is one of its own groups, and the swap frees none",
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
    link="https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html",
)
def default_security_group(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
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
    "function-egress",
    "The function's own security group sends anywhere in the VPC, HTTPS to the gateway"
    " endpoints, HTTPS to the internet only where its subnets route there, to the"
    " variable additional_egress_cidrs, and to each connect target's block on its port;"
    " nothing else.",
    link="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html",
)
def function_egress(subject: Subject) -> Iterator[Verdict]:
    model = subject.model
    name = "function-egress"
    extra = model.variables.get("additional_egress_cidrs") or []
    if isinstance(extra, Unknown):
        yield NotJudged(name, "var.additional_egress_cidrs is not known")
        return
    allowed_extra = {str(item) for item in extra}
    # The connect targets' blocks, each on its port (a route there is explain's to judge).
    tfvars = load_tfvars(subject.project, subject.configuration)
    targets, _unparsed = targets_of(model, tfvars)
    connected = {(t.value, t.port) for t in targets if t.kind == "cidr"}
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
                verdict = egress_allowed(
                    permission, group, routes, prefix_lists, allowed_extra, subject.intent.nat_kind, connected
                )
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
    nat_kind: str = "nat-gateway",
    connected: set[tuple[str, int | None]] | None = None,
) -> str | None:
    """'' when allowed, why not otherwise, None when not known; `nat_kind`: the route kind
    that leads to the project's NAT (Intent.nat_kind)."""
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
    one_port = permission.protocol == "tcp" and permission.from_port == permission.to_port
    if one_port and (str(network), permission.from_port) in (connected or set()):
        return ""
    if not isinstance(network, (IPv4Network, IPv6Network)):
        return None
    kind = nat_kind if network.version == 4 else "egress-only-gateway"
    out = ip_destinations(routes, kind, network.version)
    reachable = any(network.subnet_of(destination) for destination in out)  # type: ignore[arg-type]
    if not reachable:
        return "the function's subnets have no route there (add it to additional_egress_cidrs if you routed it yourself)"
    if https is None:
        return None
    return "" if https else "beyond the VPC only HTTPS is needed"
