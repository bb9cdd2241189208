"""The entities of the model (VPC, subnet, route table, gateway, endpoint, security group,
role, function...), the inventory that holds them, and helpers that read their values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from scaffold.check.config import Where
from scaffold.check.graph import Dependencies
from scaffold.check.values import (
    UNKNOWN,
    Ref,
    Unknown,
    contains_unknown,
    is_unknown,
    split_address,
)

Network = IPv4Network | IPv6Network


# The execution role's permissions for a function in a VPC, as the Lambda developer guide
# lists them ("Required IAM permissions"; AWSLambdaVPCAccessExecutionRole grants the same):
# docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
# AWS managed policies a function's role is commonly given, as AWS documents them
# (docs.aws.amazon.com/aws-managed-policy/latest/reference/, policy versions of 2024).
AWS_MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "service-role/AWSLambdaVPCAccessExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    ],
    "service-role/AWSLambdaENIManagementAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    ],
    "service-role/AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
}  # fmt: skip
AWS_MANAGED_POLICY_PREFIX = ":iam::aws:policy/"


@dataclass(frozen=True)
class Unresolved:
    """A link or value the model could not work out, and why."""

    why: str

    def __str__(self) -> str:
        return self.why


@dataclass(eq=False, repr=False)
class Entity:
    address: str
    type: str
    where: Where | None
    config_address: str
    managed: bool  # a resource the project creates; False for a data source or an implicit object

    def __str__(self) -> str:
        return self.address

    __repr__ = __str__

    @property
    def place(self) -> str:
        """The address, with file:line where the configuration declares it."""
        return f"{self.address} ({self.where})" if self.where else self.address


Link = Entity | Unresolved


@dataclass(eq=False, repr=False)
class Vpc(Entity):
    cidrs: list[Network | Unknown] = field(default_factory=list)
    ipv6_cidrs: list[Network | Unknown] = field(default_factory=list)
    tenancy: object = None
    dns_support: object = None
    dns_hostnames: object = None
    main_table: RouteTable | None = None
    default_group: SecurityGroup | None = None

    def contains(self, network: Network | Unknown) -> bool | None:
        """Whether a block lies inside this VPC's blocks; None when that cannot be known."""
        if isinstance(network, Ref) and any(network == block for block in self.ipv6_cidrs):
            return True
        if isinstance(network, Unknown):
            return None
        if network.prefixlen < (16 if network.version == 4 else 44):
            return False  # larger than any block AWS lets a VPC have
        blocks = self.cidrs if network.version == 4 else self.ipv6_cidrs
        if any(not isinstance(block, Unknown) and network.subnet_of(block) for block in blocks):  # type: ignore[arg-type]
            return True
        return None if any(isinstance(block, Unknown) for block in blocks) else False


@dataclass(eq=False, repr=False)
class SubnetEntity(Entity):
    vpc: Link | None = None
    zone: object = None
    cidr: Network | Unknown | None = None
    map_public_ip: object = None


@dataclass(eq=False)
class Route:
    source: Entity  # the aws_route, or the route table that declares it inline
    destination: Network | str | Unknown  # a block, a prefix list ID, or unknown
    # What the target is (`route_kind`): internet-gateway (an internet or carrier gateway),
    # nat-gateway, egress-only-gateway, local; private paths out of the VPC: transit-gateway,
    # peering-connection, vpn-gateway, vpc-endpoint (a Gateway Load Balancer or firewall
    # endpoint), local-gateway, core-network; appliances that may be NAT instances:
    # instance, network-interface; unresolved (no target, several, or an unknown gateway_id).
    kind: str
    target: Link | None
    target_attribute: str
    target_value: object = None  # the target as written (an ID, an ARN, a reference)

    @property
    def version(self) -> int | None:
        """4 or 6 for a CIDR destination; None for a prefix list or an unknown destination."""
        if isinstance(self.destination, (IPv4Network, IPv6Network)):
            return self.destination.version
        return None

    @property
    def is_default(self) -> bool | None:
        """Whether the destination is 0.0.0.0/0 or ::/0; None when it is not known."""
        if isinstance(self.destination, (IPv4Network, IPv6Network)):
            return self.destination.prefixlen == 0
        if isinstance(self.destination, Unknown):
            return None
        return False  # a prefix list: an AWS service's or the user's blocks, never everything

    def target_text(self) -> str:
        if isinstance(self.target, Entity):
            return self.target.address
        if isinstance(self.target_value, str) and self.target_value:
            return f"{self.target_attribute} {self.target_value}"
        if self.target_attribute:
            return f"{self.target_attribute} (not known before apply)"
        return self.kind

    def describe(self) -> str:
        destination = (
            self.destination
            if not isinstance(self.destination, Unknown)
            else "an unknown destination"
        )
        return f"{destination} -> {self.target_text()}"


@dataclass(eq=False, repr=False)
class RouteTable(Entity):
    vpc: Link | None = None
    routes: list[Route] = field(default_factory=list)
    associations: list[tuple[Entity, Link]] = field(default_factory=list)  # (association, subnet)
    is_main: bool = False
    complete: bool = True  # False when the routes of a data source could not be read
    implicit: bool = False  # the main table AWS creates with a VPC, not declared anywhere


@dataclass(eq=False, repr=False)
class Gateway(Entity):
    vpc: Link | None = None
    subnet: Link | None = None  # NAT gateways
    allocation: object = None  # NAT gateways: the Elastic IP
    connectivity: object = None  # NAT gateways: public or private
    source_dest_check: object = None  # network interfaces (a NAT instance's)


@dataclass(eq=False, repr=False)
class Endpoint(Entity):
    vpc: Link | None = None
    endpoint_type: object = None
    service: object = None
    private_dns: object = None
    route_tables: list[Link] | Unresolved = field(default_factory=list)
    subnets: list[Link] | Unresolved = field(default_factory=list)
    security_groups: list[Link] | Unresolved = field(default_factory=list)


@dataclass(frozen=True)
class Peer:
    kind: str  # cidr, prefix-list, group, self
    value: object  # a network, a prefix list ID (or Ref), a security group Link


@dataclass(eq=False)
class Permission:
    source: Entity  # the group, or the rule resource, that declares it
    direction: str  # ingress or egress
    protocol: object  # "all", "tcp", "udp", "icmp", ... or unknown
    from_port: object
    to_port: object
    peer: Peer | Unresolved

    def ports(self) -> str:
        if self.protocol == "all":
            return "all traffic"
        return f"{self.protocol} {self.from_port}-{self.to_port}"

    def is_https_only(self) -> bool | None:
        if any(is_unknown(value) for value in (self.protocol, self.from_port, self.to_port)):
            return None
        return self.protocol == "tcp" and self.from_port == 443 and self.to_port == 443


@dataclass(eq=False, repr=False)
class SecurityGroup(Entity):
    vpc: Link | None = None
    permissions: list[Permission] | Unresolved = field(default_factory=list)
    is_default: bool = False
    implicit: bool = False  # the default group AWS creates with a VPC

    def rules(self, direction: str) -> list[Permission] | Unresolved:
        if isinstance(self.permissions, Unresolved):
            return self.permissions
        return [p for p in self.permissions if p.direction == direction]


@dataclass(frozen=True)
class PolicyStatement:
    effect: str
    actions: list[str] | None  # None with not_actions
    not_actions: list[str] | None
    resources: list[object] | None
    not_resources: list[object] | None


@dataclass(eq=False)
class Grant:
    """Permissions given to a role by one resource: a role policy, an attachment, the role itself."""

    source: Entity
    statements: list[PolicyStatement] | Unresolved
    role: Link
    what: str  # "inline policy network-interfaces", "managed policy arn:..."


@dataclass(eq=False, repr=False)
class Role(Entity):
    name: object = None
    trust: list[dict[str, Any]] | Unresolved = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    # The permissions boundary's statements: None without one. A boundary caps what the
    # grants allow.
    boundary: list[PolicyStatement] | Unresolved | None = None


@dataclass(eq=False, repr=False)
class LogGroup(Entity):
    name: object = None


@dataclass(eq=False, repr=False)
class Function(Entity):
    name: object = None
    role: Link | None = None
    subnets: list[Link] | Unresolved = field(default_factory=list)
    security_groups: list[Link] | Unresolved = field(default_factory=list)
    replace_on_destroy: object = None
    replacement_groups: list[Link] | Unresolved = field(default_factory=list)


@dataclass(eq=False, repr=False)
class FlowLog(Entity):
    vpc: Link | None = None
    traffic_type: object = None


@dataclass
class Inventory:
    """The entities of a project; `Model` adds how it is built."""

    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[SubnetEntity] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    unplaced_routes: list[Route] = field(default_factory=list)
    unplaced_associations: list[Entity] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    unplaced_permissions: list[Permission] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    unplaced_grants: list[Grant] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    log_groups: list[LogGroup] = field(default_factory=list)
    flow_logs: list[FlowLog] = field(default_factory=list)
    dependencies: Dependencies = field(default_factory=Dependencies)
    unenumerated: list[str] = field(default_factory=list)
    unsupported_functions: list[str] = field(default_factory=list)  # met by the evaluator
    variables: dict[str, Any] = field(default_factory=dict)  # the root module's
    from_plan: bool = False
    # Whether the document carried the root variables' values (a plan does, a state not).
    variables_given: bool = False
    # Every instance's address, type and mode ("managed" or "data"), and an attribute of
    # any of them as the model resolved it (a data source's, which no entity holds).
    instances: list[tuple[str, str, str]] = field(default_factory=list)
    read: Callable[[str, str], Any] | None = field(default=None, repr=False)

    def gateways_of(self, type_name: str) -> list[Gateway]:
        return [gateway for gateway in self.gateways if gateway.type == type_name]

    def table_of(self, subnet: SubnetEntity) -> RouteTable | Unresolved:
        """The route table a subnet uses: its explicit association, else its VPC's main table."""
        if self.unplaced_associations:
            first = self.unplaced_associations[0]
            return Unresolved(f"the route table or subnet of {first.address} is not known")
        explicit = {
            table
            for table in self.route_tables
            for _association, associated in table.associations
            if associated is subnet
        }
        if len(explicit) == 1:
            return explicit.pop()
        if len(explicit) > 1:
            names = ", ".join(sorted(table.address for table in explicit))
            return Unresolved(f"{subnet.address} is associated with several route tables ({names})")
        if isinstance(subnet.vpc, Vpc) and subnet.vpc.main_table is not None:
            return subnet.vpc.main_table
        return Unresolved(f"the main route table of the VPC of {subnet.address} is not known")

    def routes_of(self, table: RouteTable) -> list[Route] | Unresolved:
        if self.unplaced_routes:
            first = self.unplaced_routes[0]
            return Unresolved(f"the route table of {first.source.address} is not known")
        if not table.complete:
            return Unresolved(f"the routes of {table.address} are not known")
        return table.routes


def network_of(value: object) -> Network | Unknown | None:
    if value is None or value == "":
        return None
    if isinstance(value, Unknown):
        return value
    try:
        return ip_network(str(value), strict=False)
    except ValueError:
        return UNKNOWN


def protocol_name(value: object) -> object:
    if is_unknown(value):
        return value
    text = str(value).lower()
    return {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(
        text, text
    )


def port(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def as_list(value: object) -> list[Any]:
    if value is None or isinstance(value, Unknown):
        return []
    return value if isinstance(value, list) else [value]


# The kind of a route's target, from the attribute that names it.
TARGET_KINDS = {
    "nat_gateway_id": "nat-gateway",
    "egress_only_gateway_id": "egress-only-gateway",
    "carrier_gateway_id": "internet-gateway",  # a Wavelength zone's way to the carrier network
    "transit_gateway_id": "transit-gateway",
    "vpc_peering_connection_id": "peering-connection",
    "vpc_endpoint_id": "vpc-endpoint",
    "local_gateway_id": "local-gateway",
    "core_network_arn": "core-network",
    "instance_id": "instance",
    "network_interface_id": "network-interface",
}
# gateway_id names an internet gateway, a virtual private gateway, "local", or (in the
# EC2 API and inline routes) a Gateway Load Balancer endpoint.
GATEWAY_PREFIXES = {"igw-": "internet-gateway", "vgw-": "vpn-gateway", "vpce-": "vpc-endpoint"}


def route_kind(attribute: str, value: object, target: Link | None) -> str:
    if isinstance(target, Entity):
        kinds = {
            "aws_internet_gateway": "internet-gateway",
            "aws_nat_gateway": "nat-gateway",
            "aws_egress_only_internet_gateway": "egress-only-gateway",
            "aws_vpn_gateway": "vpn-gateway",
            "aws_vpc_endpoint": "vpc-endpoint",
        }
        if target.type in kinds:
            return kinds[target.type]
    if attribute in TARGET_KINDS:
        return TARGET_KINDS[attribute]
    if attribute == "gateway_id" and isinstance(value, str) and not isinstance(value, Unknown):
        if value == "local":
            return "local"
        for prefix, kind in GATEWAY_PREFIXES.items():
            if value.startswith(prefix):
                return kind
    return "unresolved"  # a gateway_id the model cannot tell the kind of


def document_block_statement(block: object) -> dict[str, Any]:
    """An aws_iam_policy_document statement block, as a JSON statement."""
    if not isinstance(block, dict):
        return {"Effect": UNKNOWN}
    statement: dict[str, Any] = {"Effect": block.get("effect") or "Allow"}
    for key, name in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        value = block.get(key)
        if isinstance(value, Unknown) or (value is not None and value != []):
            statement[name] = value
    principals = block.get("principals")
    if principals:
        statement["Principal"] = {
            str(p.get("type")): p.get("identifiers")
            for p in as_list(principals)
            if isinstance(p, dict)
        }
    return statement


def parse_statements(raw: Iterable[Any]) -> list[PolicyStatement] | Unresolved:
    statements = []
    for item in raw:
        if not isinstance(item, dict):
            return Unresolved("a policy statement is not an object")
        effect = item.get("Effect", "Allow")
        actions, not_actions = listed(item, "Action"), listed(item, "NotAction")
        for found in (effect, actions, not_actions):
            if contains_unknown(found):
                return Unresolved("a policy statement's effect or actions are not known")
        statements.append(
            PolicyStatement(
                str(effect),
                actions,
                not_actions,
                listed(item, "Resource"),
                listed(item, "NotResource"),
            )
        )
    return statements


def listed(statement: Mapping[str, Any], key: str) -> list[Any] | None:
    """A statement's Action, Resource, ...: one value or a list, as a list (None when absent)."""
    value = statement.get(key)
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def strip_keys(address: str) -> str:
    """An instance address without its keys: module.a.aws_x.y["k"] -> module.a.aws_x.y."""

    return ".".join(part.split("[", 1)[0] for part in split_address(address))
