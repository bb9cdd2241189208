"""The hops of a path out of the function's subnets, judged on the model: the route each
of its route tables takes, the egress rule of its security groups, and the far side (a
target group's ingress rule, an interface or gateway endpoint). `scaffold.check.rules.reach`
puts them together into each destination's path."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from scaffold.check.model import (
    Endpoint,
    Function,
    Gateway,
    Model,
    Permission,
    Route,
    RouteTable,
    SecurityGroup,
    SubnetEntity,
    Unresolved,
    Vpc,
)
from scaffold.check.rules.common import distinct_zones
from scaffold.check.values import Ref, Unknown, is_unknown

OK, MISSING, NOT_JUDGED, SKIPPED = "ok", "missing", "not judged", "skipped"
GATEWAY_SERVICES = ("s3", "dynamodb")
# The interface endpoint's service name where it differs from the SDK's endpoint prefix.
# (botocore's endpoint prefixes, scaffold/data/sdk_services.json, against PrivateLink's
# service names: docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html)
ENDPOINT_NAMES = {
    "kinesis": "kinesis-streams",
    "api.ecr": "ecr.api",
    "runtime.sagemaker": "sagemaker.runtime",
}
# Route targets that carry traffic to other private networks (VPC user guide, "Route
# table concepts": peering, transit gateways, virtual private gateways, Outposts local
# gateways, Cloud WAN), and appliances, which forward where they are configured to.
PRIVATE_CARRIERS = {
    "peering-connection": "a peering connection",
    "transit-gateway": "a transit gateway",
    "vpn-gateway": "a virtual private gateway",
    "local-gateway": "an Outposts local gateway",
    "core-network": "a Cloud WAN core network",
}
APPLIANCES = {
    "network-interface": "a network interface",
    "instance": "an instance",
    "vpc-endpoint": "a firewall or Gateway Load Balancer endpoint",
}
ROUTE_HINT = (
    ": route it through a peering connection, a transit gateway or a VPN"
    " (modules/network, or the network's owners)"
)
# Shared address space (RFC 6598), which Python's ipaddress does not count as private.
SHARED = IPv4Network("100.64.0.0/10")
HTTPS = 443


@dataclass(frozen=True)
class Hop:
    what: str  # route, egress, ingress, endpoint, permission, lookup, probe
    state: str  # ok, missing, not judged, skipped
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"hop": self.what, "state": self.state, "detail": self.detail}


@dataclass(frozen=True)
class Destination:
    name: str  # "rds:db1", "sqs", "the internet over IPv4"
    kind: str  # target, service, internet
    hops: tuple[Hop, ...]
    why: str = ""  # for a service: where the handler calls it

    @property
    def state(self) -> str:
        states = [hop.state for hop in self.hops]
        if MISSING in states:
            return MISSING
        if NOT_JUDGED in states:
            return NOT_JUDGED
        if states and all(state == SKIPPED for state in states):
            return SKIPPED
        return OK

    @property
    def missing(self) -> Hop | None:
        return next((hop for hop in self.hops if hop.state == MISSING), None)

    def line(self) -> str:
        """One line: the destination and its state, or the first missing hop."""
        if self.state == MISSING and self.missing:
            return f"{self.name}: missing {self.missing.what}: {self.missing.detail}"
        if self.state == NOT_JUDGED:
            unknown = next(hop for hop in self.hops if hop.state == NOT_JUDGED)
            return f"{self.name}: not judged ({unknown.what}: {unknown.detail})"
        return f"{self.name}: {self.state}"

    def as_json(self) -> dict[str, Any]:
        return {
            "destination": self.name,
            "kind": self.kind,
            "state": self.state,
            **({"why": self.why} if self.why else {}),
            "hops": [hop.as_json() for hop in self.hops],
        }


@dataclass
class Network:
    """The function's side of every path: its subnets' route tables, its groups, its VPC."""

    model: Model
    function: Function
    tables: list[tuple[SubnetEntity, RouteTable]] = field(default_factory=list)
    unknown: str = ""  # why the tables are not known
    groups: list[SecurityGroup] = field(default_factory=list)
    groups_unknown: str = ""

    @classmethod
    def of(cls, model: Model, function: Function) -> Network:
        found = cls(model, function)
        if isinstance(function.subnets, Unresolved):
            found.unknown = str(function.subnets)
        else:
            for link in function.subnets:
                if not isinstance(link, SubnetEntity):
                    found.unknown = f"a subnet of {function.address}: {link}"
                    break
                table = model.table_of(link)
                if isinstance(table, Unresolved):
                    found.unknown = str(table)
                    break
                found.tables.append((link, table))
        if isinstance(function.security_groups, Unresolved):
            found.groups_unknown = str(function.security_groups)
        else:
            for link in function.security_groups:
                if isinstance(link, SecurityGroup):
                    found.groups.append(link)
                else:
                    found.groups_unknown = f"a security group of {function.address}: {link}"
        return found

    @property
    def group_ids(self) -> set[str]:
        """The IDs of the function's groups as its configuration gives them (the user's,
        with --security-group-ids, are no entity of the model)."""
        read = self.model.read
        config = read(self.function.address, "vpc_config") if read else None
        blocks = config if isinstance(config, list) else []
        found = set()
        for block in blocks:
            given = block.get("security_group_ids") if isinstance(block, dict) else None
            for item in given if isinstance(given, list) else []:
                if isinstance(item, str) and not is_unknown(item) and item.startswith("sg-"):
                    found.add(item)
        return found

    def admits(self, permission: Permission) -> bool | None:
        """Whether an ingress permission names one of the function's groups."""
        peer = permission.peer
        if isinstance(peer, Unresolved):
            return None
        if peer.kind != "group":
            return False
        value = peer.value
        if isinstance(value, SecurityGroup):
            return value in self.groups or group_identity(value) in self.group_ids
        if isinstance(value, Unresolved) or is_unknown(value):
            given = self.model.read(permission.source.address, "referenced_security_group_id") if self.model.read else None
            if isinstance(given, str) and not is_unknown(given):
                return given in self.group_ids
            return None
        return str(value) in self.group_ids

    @property
    def vpc(self) -> Vpc | None:
        for subnet, _table in self.tables:
            if isinstance(subnet.vpc, Vpc):
                return subnet.vpc
        return None

    # --- routes ---------------------------------------------------------------------------

    def route_to(self, block: IPv4Network | IPv6Network) -> Hop:
        """The route each of the function's route tables takes to a block, the most specific
        as AWS picks it, and whether what it points at carries traffic to that block."""
        if self.unknown:
            return Hop("route", NOT_JUDGED, self.unknown)
        if not self.tables:
            return Hop("route", MISSING, "the function is in no subnet")
        vpc = self.vpc
        inside = vpc.contains(block) if vpc is not None else None
        if inside:
            return Hop("route", OK, f"local: {block} is inside {vpc.address if vpc else 'the VPC'}")
        taken: list[str] = []
        for _subnet, table in self.tables:
            routes = self.model.routes_of(table)
            if isinstance(routes, Unresolved):
                return Hop("route", NOT_JUDGED, str(routes))
            matching = [
                route
                for route in routes
                if isinstance(route.destination, (IPv4Network, IPv6Network))
                and route.destination.version == block.version
                and block.subnet_of(route.destination)  # type: ignore[arg-type]
            ]
            if not matching:
                if any(isinstance(route.destination, Unknown) for route in routes) or inside is None:
                    return Hop("route", NOT_JUDGED, f"the routes of {table.address} to {block} are not known")
                return Hop("route", MISSING, f"{table.address} has no route to {block}{ROUTE_HINT}")
            best = max(matching, key=lambda route: route.destination.prefixlen)  # type: ignore[union-attr]
            found = carries(best, private_block(block))
            if found.state != OK:
                return Hop("route", found.state, f"{table.address} sends {block} by {best.describe()}: {found.detail}")
            taken.append(f"{table.address}: {best.describe()} ({found.detail})")
        return Hop("route", OK, "; ".join(sorted(set(taken))))

    def way_out(self, version: int) -> Hop:
        """The default route of each table, and whether it leads to the internet for a private
        address: a NAT (gateway, or the project's NAT instance), or for IPv6 an egress-only
        internet gateway."""
        if self.unknown:
            return Hop("route", NOT_JUDGED, self.unknown)
        if not self.tables:
            return Hop("route", MISSING, "the function is in no subnet")
        everything = "0.0.0.0/0" if version == 4 else "::/0"
        taken: list[str] = []
        for _subnet, table in self.tables:
            routes = self.model.routes_of(table)
            if isinstance(routes, Unresolved):
                return Hop("route", NOT_JUDGED, str(routes))
            default = [r for r in routes if r.is_default and r.version == version]
            if not default:
                if any(r.is_default is None for r in routes):
                    return Hop("route", NOT_JUDGED, f"a route of {table.address} is not known")
                return Hop("route", MISSING, f"{table.address} has no {everything} route")
            found = to_the_internet(default[0], version)
            if found.state != OK:
                return Hop("route", found.state, f"{table.address} sends {default[0].describe()}: {found.detail}")
            taken.append(f"{table.address}: {default[0].describe()} ({found.detail})")
        return Hop("route", OK, "; ".join(sorted(set(taken))))

    # --- the function's egress -----------------------------------------------------------

    def egress(self, port: int, wanted: str, match: Any) -> Hop:
        """Whether a group of the function's sends TCP `port` to a peer `match` accepts."""
        if self.groups_unknown:
            return Hop("egress", NOT_JUDGED, self.groups_unknown)
        unknown = ""
        for group in self.groups:
            rules = group.rules("egress")
            if isinstance(rules, Unresolved):
                unknown = str(rules)
                continue
            for permission in rules:
                covers = covers_port(permission, port)
                peer = match(permission)
                if covers is True and peer is True:
                    return Hop("egress", OK, f"{group.address} sends {permission.ports()} to {peer_name(permission)}")
                if covers is None or peer is None:
                    unknown = f"an egress rule of {group.address} is not known before apply"
        if unknown:
            return Hop("egress", NOT_JUDGED, unknown)
        names = ", ".join(group.address for group in self.groups) or "no security group"
        return Hop("egress", MISSING, f"{names} sends nothing on tcp {port} to {wanted}")


def private_block(block: IPv4Network | IPv6Network) -> bool:
    """Whether a block is of private addresses, which no internet route reaches."""
    if block.version == 4 and block.subnet_of(SHARED):
        return True
    return block.is_private


def carries(route: Route, private: bool) -> Hop:
    """Whether a route's target carries traffic to a block of other networks."""
    kind = route.kind
    if kind in PRIVATE_CARRIERS:
        return Hop("route", OK, PRIVATE_CARRIERS[kind])
    if kind in APPLIANCES:
        return Hop("route", NOT_JUDGED, f"{APPLIANCES[kind]} forwards where it is configured to")
    if kind in ("nat-gateway", "internet-gateway", "egress-only-gateway"):
        if not private:
            return Hop("route", OK, "toward the internet, where the block is")
        if kind == "nat-gateway" and private_nat(route):
            return Hop("route", NOT_JUDGED, "a private NAT gateway forwards by its own subnet's route table")
        return Hop("route", MISSING, f"the internet is no way to private addresses{ROUTE_HINT}")
    return Hop("route", NOT_JUDGED, f"the target of {route.describe()} is not known")


def to_the_internet(route: Route, version: int) -> Hop:
    """Whether a default route leads a private address to the internet."""
    kind = route.kind
    if version == 6 and kind in ("egress-only-gateway", "internet-gateway"):
        return Hop("route", OK, "an egress-only internet gateway" if kind == "egress-only-gateway" else "an internet gateway")
    if version == 4 and kind == "nat-gateway":
        if private_nat(route):
            return Hop("route", MISSING, "a private NAT gateway reaches other networks, not the internet")
        return Hop("route", OK, "a NAT gateway")
    if version == 4 and kind == "network-interface" and isinstance(route.target, Gateway):
        return Hop("route", OK, "the project's NAT instance")  # its rules: nat-instance-forwarding
    if kind in ("internet-gateway", "peering-connection", "local"):
        return Hop("route", MISSING, "no way out for a private address (a function has no public one)")
    if kind in PRIVATE_CARRIERS or kind in APPLIANCES:
        where = {**PRIVATE_CARRIERS, **APPLIANCES}[kind]
        return Hop("route", NOT_JUDGED, f"{where}: whether it leads to a NAT is beyond this VPC")
    return Hop("route", NOT_JUDGED, f"the target of {route.describe()} is not known")


def private_nat(route: Route) -> bool:
    target = route.target
    return isinstance(target, Gateway) and target.connectivity == "private"


def covers_port(permission: Permission, port: int) -> bool | None:
    if is_unknown(permission.protocol):
        return None
    if permission.protocol == "all":
        return True
    if permission.protocol != "tcp":
        return False
    low, high = permission.from_port, permission.to_port
    if not isinstance(low, int) or not isinstance(high, int):
        return None
    return low <= port <= high


def peer_name(permission: Permission) -> str:
    peer = permission.peer
    if isinstance(peer, Unresolved):
        return str(peer)
    return f"group {peer.value}" if peer.kind == "group" else str(peer.value)


def to_block(block: IPv4Network | IPv6Network) -> Any:
    def match(permission: Permission) -> bool | None:
        peer = permission.peer
        if isinstance(peer, Unresolved):
            return None
        if peer.kind != "cidr":
            return False
        if isinstance(peer.value, Unknown):
            return None
        if not isinstance(peer.value, (IPv4Network, IPv6Network)):
            return None if isinstance(peer.value, Ref) else False
        return peer.value.version == block.version and block.subnet_of(peer.value)  # type: ignore[arg-type]

    return match


def to_group(group_id: str, vpc: Vpc | None) -> Any:
    """To a security group of the VPC: by a rule naming it, or by a block holding the VPC."""

    def match(permission: Permission) -> bool | None:
        peer = permission.peer
        if isinstance(peer, Unresolved):
            return None
        if peer.kind == "group":
            value = peer.value
            if isinstance(value, SecurityGroup):
                return value.address == group_id or group_identity(value) == group_id
            return None if is_unknown(value) else str(value) == group_id
        if peer.kind == "cidr" and vpc is not None and isinstance(peer.value, IPv4Network):
            # The target's address is somewhere in the VPC: every IPv4 block of it, covered.
            blocks = vpc.cidrs
            if any(not isinstance(block, IPv4Network) for block in blocks):
                return None
            return bool(blocks) and all(block.subnet_of(peer.value) for block in blocks)  # type: ignore[union-attr,arg-type]
        return False

    return match


def group_identity(group: SecurityGroup) -> str | None:
    """A data source's group ID (data.aws_security_group.x["sg-..."]): its key."""
    if group.address.endswith('"]') and '["sg-' in group.address:
        return group.address.rsplit('["', 1)[1][:-2]
    return None


def to_prefix_list(model: Model, endpoint: Endpoint) -> Any:
    """To the prefix list of a gateway endpoint: by reference to it, or by its ID."""
    own = model.read(endpoint.address, "prefix_list_id") if model.read else None

    def match(permission: Permission) -> bool | None:
        peer = permission.peer
        if isinstance(peer, Unresolved):
            return None
        if peer.kind != "prefix-list":
            return False
        value = peer.value
        if isinstance(value, Ref):
            return value.address == endpoint.address
        if is_unknown(value) or is_unknown(own):
            return None
        return own is not None and str(value) == str(own)

    return match


# --- the far side --------------------------------------------------------------------------------


def ingress_of(model: Model, network: Network, group_id: str, port: int, ingress_on: object) -> Hop:
    """The target group's rule admitting a group of the function's on the port."""
    if ingress_on is False:
        return Hop(
            "ingress", NOT_JUDGED, f"{group_id}'s rules are its owners' (connect_ingress is off); AWS alone knows them"
        )
    target = next(
        (g for g in model.security_groups if g.address == group_id or group_identity(g) == group_id),
        None,
    )
    if target is None:
        if model.from_plan:
            return Hop("ingress", MISSING, f"no rule of this project admits the function to {group_id}")
        return Hop("ingress", NOT_JUDGED, f"the rules on {group_id} are known only to a plan")
    rules = target.rules("ingress")
    if isinstance(rules, Unresolved):
        return Hop("ingress", NOT_JUDGED, str(rules))
    unknown = ""
    for permission in rules:
        admits = network.admits(permission)
        covers = covers_port(permission, port)
        if admits is True and covers is True:
            return Hop("ingress", OK, f"{permission.source.address} admits tcp {port} from {peer_name(permission)}")
        if admits is None or covers is None:
            unknown = f"a rule of {group_id} ({permission.source.address}) is not known before apply"
    if unknown:
        return Hop("ingress", NOT_JUDGED, unknown)
    return Hop("ingress", MISSING, f"{group_id} admits nothing from the function's groups on tcp {port}")


def interface_endpoint(model: Model, network: Network, name: str) -> tuple[Endpoint | None, Hop | None]:
    """The project's interface endpoint for a service: private DNS on, in every AZ of the
    function's subnets. (None, None) when there is none; a hop when one is there but wrong."""
    for endpoint in model.endpoints:
        service = endpoint.service
        if endpoint.endpoint_type != "Interface":
            continue
        if not isinstance(service, str) or isinstance(service, Unknown):
            continue
        if not service.endswith(f".{name}"):
            continue
        if endpoint.private_dns is not True:
            if is_unknown(endpoint.private_dns):
                return endpoint, Hop("endpoint", NOT_JUDGED, f"{endpoint.address}.private_dns_enabled is not known")
            return endpoint, Hop("endpoint", MISSING, f"{endpoint.address} has private DNS off: the SDK's {name} calls go to the public endpoint")
        if isinstance(endpoint.subnets, Unresolved):
            return endpoint, Hop("endpoint", NOT_JUDGED, str(endpoint.subnets))
        zones = [s.zone for s in endpoint.subnets if isinstance(s, SubnetEntity)]
        wanted = [subnet.zone for subnet, _table in network.tables]
        together, alone = distinct_zones(zones + wanted), distinct_zones(zones)
        if together is None or alone is None:
            return endpoint, Hop("endpoint", NOT_JUDGED, f"the AZs of {endpoint.address} are not known before apply")
        if together != alone:
            return endpoint, Hop("endpoint", MISSING, f"{endpoint.address} is not in every AZ of the function's subnets")
        return endpoint, Hop("endpoint", OK, f"{endpoint.address}, private DNS on, in the function's AZs")
    return None, None


def endpoint_admits(model: Model, network: Network, endpoint: Endpoint) -> Hop:
    """The interface endpoint's security groups admit HTTPS from the function: its groups,
    or blocks holding every subnet of the function's."""
    if isinstance(endpoint.security_groups, Unresolved):
        return Hop("ingress", NOT_JUDGED, str(endpoint.security_groups))
    subnets = [subnet.cidr for subnet, _table in network.tables]
    unknown = ""
    for link in endpoint.security_groups:
        if not isinstance(link, SecurityGroup):
            unknown = f"a security group of {endpoint.address} is not known"
            continue
        rules = link.rules("ingress")
        if isinstance(rules, Unresolved):
            unknown = str(rules)
            continue
        for permission in rules:
            covers = covers_port(permission, HTTPS)
            peer = permission.peer
            if isinstance(peer, Unresolved) or covers is None:
                unknown = f"a rule of {link.address} is not known before apply"
                continue
            if peer.kind == "cidr":
                block = peer.value
                if not isinstance(block, (IPv4Network, IPv6Network)):
                    unknown = f"a rule of {link.address} is not known before apply"
                    continue
                admits: bool | None = bool(subnets) and all(
                    isinstance(cidr, (IPv4Network, IPv6Network)) and cidr.version == block.version
                    and cidr.subnet_of(block)  # type: ignore[arg-type]
                    for cidr in subnets
                )  # fmt: skip
            else:
                admits = network.admits(permission)
            if covers and admits:
                return Hop("ingress", OK, f"{link.address} admits HTTPS from {peer_name(permission)}")
            if admits is None:
                unknown = f"a rule of {link.address} is not known before apply"
    if unknown:
        return Hop("ingress", NOT_JUDGED, unknown)
    return Hop("ingress", MISSING, f"the security groups of {endpoint.address} admit no HTTPS from the function")


def gateway_endpoint(model: Model, network: Network, name: str) -> tuple[Endpoint, Hop] | None:
    found = [
        e
        for e in model.endpoints
        if e.endpoint_type == "Gateway" and isinstance(e.service, str) and not isinstance(e.service, Unknown)
        and e.service.endswith(f".{name}")
    ]  # fmt: skip
    if not found:
        return None
    for endpoint in found:
        if isinstance(endpoint.route_tables, Unresolved):
            return endpoint, Hop("endpoint", NOT_JUDGED, str(endpoint.route_tables))
        on = {t.address for t in endpoint.route_tables if isinstance(t, RouteTable)}
        missing = [table.address for _subnet, table in network.tables if table.address not in on]
        if not missing:
            return endpoint, Hop("endpoint", OK, f"{endpoint.address} on the function's route tables")
        return endpoint, Hop("endpoint", MISSING, f"{endpoint.address} is not on {', '.join(sorted(set(missing)))}")
    return None
