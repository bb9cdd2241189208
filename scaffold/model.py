"""One model of a project's network, permissions and function, for the rules to judge.

Built from `terraform show -json` (a plan, or a state) and the project's configuration,
or from the configuration alone (`Model.from_configuration`). Every resource instance
of every module becomes an entity (a VPC, a subnet, a route table with its routes and
associations, a gateway, an endpoint, a security group with its rules, a role with the
policies granted to it, a function), and every reference between them (a route's
table and target, a function's subnets) becomes a link to the entity, resolved:

- from a known ID (a state, a plan taken after apply, a data source read at plan), or
- from the configuration's expressions (`scaffold.tfeval`): in a fresh plan the ID of
  a subnet is unknown, but `subnet_id = each.value.id` under `for_each =
  aws_subnet.private` is the subnet instance with the same key.

A link neither can resolve is `Unresolved`, and a rule that meets one says it could
not judge; it never passes on a guess.

Provider semantics the model applies (hashicorp/aws 5.x and 6.x): a security group's
inline rules, when the configuration declares none, are none (the provider revokes
the default egress rule of a group it creates, and all rules of the default group it
adopts); a subnet without an explicit association uses its VPC's main route table,
which for a VPC the project creates holds only the local route unless the project
manages it (`aws_default_route_table`, `aws_main_route_table_association`, or routes
on `main_route_table_id`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from scaffold.tfconfig import Module, Where, load_configuration, parse_file
from scaffold.tfeval import (
    UNKNOWN,
    Evaluator,
    Instance,
    InstanceInfo,
    Known,
    Ref,
    Scope,
    Template,
    Unknown,
    contains_unknown,
    is_unknown,
    module_of,
    split_address,
)
from scaffold.tfgraph import Dependencies

Network = IPv4Network | IPv6Network

ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
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
class Subnet(Entity):
    vpc: Link | None = None
    zone: object = None
    cidr: Network | Unknown | None = None
    map_public_ip: object = None


@dataclass(eq=False)
class Route:
    source: Entity  # the aws_route, or the route table that declares it inline
    destination: Network | str | Unknown  # a block, a prefix list ID, or unknown
    # internet-gateway, nat-gateway, egress-only-gateway, instance, local, other (peering,
    # transit and VPN gateways, endpoints: private paths), unresolved
    kind: str
    target: Link | None
    target_attribute: str

    def describe(self) -> str:
        destination = (
            self.destination
            if not isinstance(self.destination, Unknown)
            else "an unknown destination"
        )
        target = self.target.address if isinstance(self.target, Entity) else self.kind
        return f"{destination} -> {target}"


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
class Statement:
    effect: str
    actions: list[str] | None  # None with not_actions
    not_actions: list[str] | None
    resources: list[object] | None
    not_resources: list[object] | None


@dataclass(eq=False)
class Grant:
    """Permissions given to a role by one resource: a role policy, an attachment, the role itself."""

    source: Entity
    statements: list[Statement] | Unresolved
    role: Link
    what: str  # "inline policy network-interfaces", "managed policy arn:..."


@dataclass(eq=False, repr=False)
class Role(Entity):
    name: object = None
    trust: list[dict[str, Any]] | Unresolved = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    # The permissions boundary's statements: None without one. A boundary caps what the
    # grants allow.
    boundary: list[Statement] | Unresolved | None = None


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
class Model:
    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
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
    variables: dict[str, Any] = field(default_factory=dict)  # the root module's
    from_plan: bool = False

    def gateways_of(self, type_name: str) -> list[Gateway]:
        return [gateway for gateway in self.gateways if gateway.type == type_name]

    def table_of(self, subnet: Subnet) -> RouteTable | Unresolved:
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

    # --- building ----------------------------------------------------------------------

    @classmethod
    def from_document(
        cls,
        document: Mapping[str, Any],
        configuration: Module | None,
        policies: Mapping[str, list[Any]] | None = None,
    ) -> Model:
        """The model of a `terraform show -json` document (plan or state), with the configuration
        when there is one (it resolves what the document leaves unknown). `policies`: the
        statements of customer-managed policies by name, which no plan carries."""
        known = Known(document)
        if configuration is None:
            return Builder(known, None, document, policies).build()
        evaluator = Evaluator(configuration, known)
        return Builder(known, evaluator, document, policies).build()

    @classmethod
    def from_configuration(
        cls,
        configuration: Module,
        variables: Mapping[str, Any] | None = None,
        policies: Mapping[str, list[Any]] | None = None,
    ) -> Model:
        """The model of the configuration alone, with root variables (terraform.tfvars)."""
        return Builder(None, Evaluator(configuration, None, variables), None, policies).build()


def load_tfvars(project: Path, configuration: Module) -> dict[str, Any]:
    """terraform.tfvars and *.auto.tfvars of a project, evaluated (later files win)."""

    evaluator = Evaluator(configuration)
    values: dict[str, Any] = {}
    files = [project / "terraform.tfvars", *sorted(project.glob("*.auto.tfvars"))]
    for path in files:
        if path.is_file():
            body = parse_file(path, path.relative_to(project).as_posix())
            for name, node in body.attributes.items():
                values[name] = evaluator.expression(node, Scope(evaluator.root))
    return values


# --- turning instances into entities ---------------------------------------------------------


def network_of(value: object) -> Network | Unknown | None:
    if value is None or value == "":
        return None
    if isinstance(value, Unknown):
        return value
    try:
        return ip_network(str(value), strict=False)
    except ValueError:
        return UNKNOWN


def text_list(value: object) -> list[object] | Unresolved:
    if value is None:
        return []
    if isinstance(value, Unknown):
        return Unresolved(f"{value!r}")
    if isinstance(value, list):
        return value
    return [value]


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


class Builder:
    ID_ATTRIBUTES = ("id", "arn", "name", "allocation_id", "prefix_list_id")

    def __init__(
        self,
        known: Known | None,
        evaluator: Evaluator | None,
        document: Mapping[str, Any] | None,
        policies: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.known = known
        self.evaluator = evaluator
        self.document = document
        # Customer-managed policies the project ships, by name (its permissions boundary).
        self.policies = dict(policies or {})
        self.model = Model(from_plan=known is not None)
        self.by_address: dict[str, Entity] = {}
        self.by_id: dict[str, Entity] = {}
        self.infos: dict[str, InstanceInfo] = {}
        self.instances: list[tuple[str, str, str]] = []  # (address, type, mode)
        self.aliases: list[str] = []

    # --- values --------------------------------------------------------------------------

    def value(self, address: str, name: str) -> Any:
        if self.evaluator is not None:
            return self.evaluator.attribute(address, name)
        assert self.known is not None
        if address not in self.known.values:
            return Ref(address, (name,))
        # A plan lists every attribute of a resource; one a hand-written document leaves out is null.
        return self.known.values[address].get(name)

    def argument(self, address: str, name: str) -> Any:
        """An optional argument: what the configuration sets, or null when it sets nothing.

        Without the configuration (a plan alone) it is whatever the plan says."""
        if address in self.infos:
            return self.value(address, name) if self.configured(address, name) else None
        return self.value(address, name)

    def configured(self, address: str, name: str) -> bool:
        """Whether the configuration sets an argument (as opposed to the provider computing it)."""
        info = self.infos.get(address)
        if info is not None:
            body = info.resource.body
            return name in body.attributes or any(
                block.type == name or (block.type == "dynamic" and block.labels[:1] == [name])
                for block in body.blocks
            )
        if self.document is not None:
            return name in self._plan_expressions(address)
        return False

    def _plan_expressions(self, address: str) -> dict[str, Any]:
        assert self.document is not None and self.known is not None
        record = self.known.records.get(address, {})
        module = module_of(address)
        config = (self.document.get("configuration") or {}).get("root_module") or {}
        for part in [p for p in module.split(".") if p and p != "module"]:
            config = ((config.get("module_calls") or {}).get(part) or {}).get("module") or {}
        prefix = "data." if record.get("mode") == "data" else ""
        wanted = f"{prefix}{record.get('type')}.{record.get('name')}"
        for resource in config.get("resources") or []:
            if resource.get("address") == wanted:
                return dict(resource.get("expressions") or {})
        return {}

    def link(self, value: object, what: str) -> Link | None:
        """The entity a reference names (an ID, an ARN, a name, or an instance)."""

        if value is None or value == "":
            return None
        if isinstance(value, Instance):
            return self.by_address.get(value.address) or Unresolved(
                f"{what}: {value.address} is not modelled"
            )
        if isinstance(value, Ref):
            entity = self.by_address.get(value.address)
            if entity is not None and len(value.path) == 1:
                attribute = value.path[0]
                if isinstance(entity, Vpc) and attribute in (
                    "default_route_table_id",
                    "main_route_table_id",
                ):
                    return entity.main_table or Unresolved(
                        f"{what}: the main route table of {entity.address}"
                    )
                if isinstance(entity, Vpc) and attribute == "default_security_group_id":
                    return entity.default_group or Unresolved(
                        f"{what}: the default group of {entity.address}"
                    )
                if attribute in self.ID_ATTRIBUTES:
                    return entity
            return Unresolved(f"{what} is {value!r}")
        if isinstance(value, Unknown):
            return Unresolved(f"{what} is not known before apply")
        if isinstance(value, str) and value in self.by_id:
            return self.by_id[value]
        return Unresolved(f"{what} is {value!r}, which is nothing this project declares or reads")

    def links(self, value: object, what: str) -> list[Link] | Unresolved:
        if value is None:
            return []
        if isinstance(value, Unknown):
            return Unresolved(f"{what} is not known before apply")
        items = value if isinstance(value, list) else [value]
        found = [self.link(item, what) for item in items]
        return [item for item in found if item is not None]

    # --- the walk ---------------------------------------------------------------------------

    def enumerate_instances(self) -> None:
        if self.evaluator is not None:
            for info in self.evaluator.instances():
                self.infos[info.address] = info
                self.instances.append((info.address, info.resource.type, info.resource.mode))
            if self.known is None:
                self.model.unenumerated = self.evaluator.unenumerable()
        if self.known is not None:
            for address, record in self.known.records.items():
                if address not in self.infos:
                    self.instances.append((address, str(record["type"]), str(record.get("mode"))))

    def entity_args(self, address: str, type_name: str, mode: str) -> dict[str, Any]:
        info = self.infos.get(address)
        if info is not None:
            where, config_address = info.where, info.config_address
        else:
            where, config_address = None, strip_keys(address)
        return {
            "address": address,
            "type": type_name,
            "where": where,
            "config_address": config_address,
            "managed": mode == "managed",
        }

    def register(self, entity: Entity) -> Entity:
        self.by_address[entity.address] = entity
        for attribute in self.ID_ATTRIBUTES:
            if entity.type == "aws_iam_role" and attribute not in ("arn", "name", "id"):
                continue
            if entity.type not in (
                "aws_iam_role",
                "aws_iam_policy",
                "aws_cloudwatch_log_group",
            ) and attribute in ("name", "arn"):
                continue
            value = (
                self.value(entity.address, attribute)
                if entity.address in self.infos
                or (self.known is not None and entity.address in self.known.values)
                else None
            )
            if isinstance(value, str) and value:
                self.by_id.setdefault(value, entity)
        return entity

    def same_as_read(self, address: str, type_name: str, mode: str) -> bool:
        """Whether a data source reads an object another one has read already (then it is that one)."""
        if mode != "data":
            return False
        known = self.value(address, "id")
        found = self.by_id.get(known) if isinstance(known, str) else None
        if found is not None and found.type == type_name and not found.managed:
            self.by_address[address] = found
            self.aliases.append(address)
            return True
        return False

    def build(self) -> Model:
        self.enumerate_instances()
        model = self.model
        by_type: dict[str, list[tuple[str, str]]] = {}
        for address, type_name, mode in self.instances:
            by_type.setdefault(type_name, []).append((address, mode))

        def each(*types: str) -> Iterator[tuple[str, str, str]]:
            for type_name in types:
                for address, mode in by_type.get(type_name, []):
                    yield address, type_name, mode

        # First every entity that others link to, so the links can resolve. Data sources
        # that read the same object (by ID) are one entity.
        for address, type_name, mode in each("aws_vpc"):
            if not self.same_as_read(address, type_name, mode):
                model.vpcs.append(self.vpc(address, type_name, mode))
        for address, type_name, mode in each("aws_subnet"):
            if not self.same_as_read(address, type_name, mode):
                model.subnets.append(self.subnet(address, type_name, mode))
        for address, type_name, mode in each("aws_route_table"):
            if not self.same_as_read(address, type_name, mode):
                model.route_tables.append(self.route_table(address, type_name, mode))
        for address, type_name, mode in each(
            "aws_internet_gateway", "aws_nat_gateway", "aws_egress_only_internet_gateway"
        ):
            model.gateways.append(self.gateway(address, type_name, mode))
        for address, type_name, mode in each("aws_security_group"):
            group = SecurityGroup(**self.entity_args(address, type_name, mode))
            self.register(group)
            model.security_groups.append(group)
        for address, type_name, mode in each("aws_iam_role"):
            role = Role(**self.entity_args(address, type_name, mode))
            self.register(role)
            model.roles.append(role)
        for address, type_name, mode in each("aws_cloudwatch_log_group"):
            log_group = LogGroup(**self.entity_args(address, type_name, mode))
            log_group.name = self.value(address, "name")
            self.register(log_group)
            model.log_groups.append(log_group)
        for address, type_name, mode in each("aws_iam_policy", "aws_vpc_endpoint"):
            self.register(Entity(**self.entity_args(address, type_name, mode)))
        for address, type_name, mode in each("aws_vpc_ipv4_cidr_block_association"):
            vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")
            if isinstance(vpc, Vpc):
                vpc.cidrs.append(network_of(self.value(address, "cidr_block")) or UNKNOWN)
        for vpc in model.vpcs:
            self.fill_vpc(vpc)
        for subnet in model.subnets:
            subnet.vpc = self.link(self.value(subnet.address, "vpc_id"), f"{subnet.address}.vpc_id")
        for gateway in model.gateways:
            self.fill_gateway(gateway)
        for table in list(model.route_tables):
            self.fill_route_table(table)
        for alias in self.aliases:  # what a second read of a table adds (its main association)
            entity = self.by_address[alias]
            if isinstance(entity, RouteTable) and not entity.implicit:
                self.read_associations(entity, alias)
        for address, type_name, mode in each("aws_default_route_table"):
            self.default_route_table(address, type_name, mode)
        for address, type_name, _mode in each("aws_route"):
            self.route_resource(address, type_name)
        for address, type_name, mode in each("aws_route_table_association"):
            self.association(address, type_name, mode)
        for address, type_name, mode in each("aws_main_route_table_association"):
            self.main_association(address, type_name, mode)
        for address, type_name, mode in each("aws_vpc_endpoint"):
            model.endpoints.append(self.endpoint(address, type_name, mode))
        for address, type_name, mode in each(
            "aws_vpc_endpoint_route_table_association",
            "aws_vpc_endpoint_subnet_association",
            "aws_vpc_endpoint_security_group_association",
        ):
            self.endpoint_association(address, type_name, mode)
        for group in model.security_groups:
            self.fill_security_group(group)
        for address, type_name, mode in each("aws_default_security_group"):
            self.default_security_group(address, type_name, mode)
        for address, type_name, mode in each(
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ):
            self.rule_resource(address, type_name, mode)
        for role in model.roles:
            self.fill_role(role)
        for address, type_name, mode in each(
            "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment"
        ):
            self.role_grant(address, type_name, mode)
        for address, type_name, mode in each("aws_lambda_function"):
            model.functions.append(self.function(address, type_name, mode))
        for address, type_name, mode in each("aws_flow_log"):
            flow_log = FlowLog(**self.entity_args(address, type_name, mode))
            flow_log.vpc = self.link(self.value(address, "vpc_id"), f"{address}.vpc_id")
            flow_log.traffic_type = self.value(address, "traffic_type")
            model.flow_logs.append(flow_log)
        self.model.dependencies = self.dependencies()
        self.model.variables = self.root_variables()
        return model

    def root_variables(self) -> dict[str, Any]:
        if self.evaluator is not None:
            root = self.evaluator.root
            return {name: self.evaluator.variable(root, name) for name in root.config.variables}
        return dict(self.known.variables) if self.known is not None else {}

    def dependencies(self) -> Dependencies:
        if self.evaluator is not None:
            return Dependencies.from_configuration(self.evaluator.root.config)
        if self.document is not None and "configuration" in self.document:
            return Dependencies.from_plan_configuration(self.document["configuration"])
        return Dependencies()

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

    def subnet(self, address: str, type_name: str, mode: str) -> Subnet:
        subnet = Subnet(**self.entity_args(address, type_name, mode))
        self.register(subnet)
        subnet.zone = self.value(address, "availability_zone")
        subnet.cidr = network_of(self.value(address, "cidr_block"))
        subnet.map_public_ip = self.value(address, "map_public_ip_on_launch")
        return subnet

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
                if isinstance(subnet, Subnet) and all(
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
        if len(given) != 1:
            why = (
                "no target" if not given else f"several targets ({', '.join(k for k, _ in given)})"
            )
            return Route(source, destination, "unresolved", Unresolved(why), "")
        attribute, value = given[0]
        target = self.link(value, f"{source.address}.{attribute}")
        return Route(source, destination, route_kind(attribute, value, target), target, attribute)

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
        if isinstance(table, RouteTable) and isinstance(subnet, (Subnet, Unresolved)):
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

    def adopt(self, implicit: RouteTable | SecurityGroup, source: Entity) -> None:
        """An object AWS made with the VPC, now managed by a resource: it takes that resource's name."""
        implicit.address, implicit.where, implicit.config_address = (
            source.address, source.where, source.config_address,
        )  # fmt: skip
        implicit.managed, implicit.implicit = True, False
        self.by_address[source.address] = implicit

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

    # --- IAM ---------------------------------------------------------------------------------------

    def fill_role(self, role: Role) -> None:
        address = role.address
        role.name = self.value(address, "name")
        role.trust = self.raw_statements(self.value(address, "assume_role_policy"))
        boundary = self.value(address, "permissions_boundary")
        if boundary not in (None, ""):
            role.boundary = self.managed_statements(boundary)
        if self.configured(address, "inline_policy"):
            for block in as_list(self.value(address, "inline_policy")):
                if isinstance(block, dict) and block.get("policy"):
                    role.grants.append(
                        Grant(
                            role,
                            self.statements(block.get("policy")),
                            role,
                            f"inline policy {block.get('name')}",
                        )
                    )
        if self.configured(address, "managed_policy_arns"):
            arns = self.value(address, "managed_policy_arns")
            if isinstance(arns, Unknown):
                role.grants.append(
                    Grant(
                        role,
                        Unresolved(f"{address}.managed_policy_arns is not known"),
                        role,
                        "managed policies",
                    )
                )
            for arn in as_list(arns):
                role.grants.append(
                    Grant(role, self.managed_statements(arn), role, f"managed policy {arn!r}")
                )

    def role_grant(self, address: str, type_name: str, mode: str) -> None:
        source = self.register(Entity(**self.entity_args(address, type_name, mode)))
        if type_name == "aws_iam_policy_attachment":
            roles: list[Link] = [
                found
                for found in (
                    self.link(item, f"{address}.roles")
                    for item in as_list(self.value(address, "roles"))
                )
                if found is not None
            ]
            if isinstance(self.value(address, "roles"), Unknown):
                roles = [Unresolved(f"{address}.roles is not known")]
        else:
            found = self.link(self.value(address, "role"), f"{address}.role")
            roles = [found] if found is not None else []
        if type_name == "aws_iam_role_policy":
            statements = self.statements(self.value(address, "policy"))
            what = f"inline policy {self.value(address, 'name')!r}"
        else:
            arn = self.value(address, "policy_arn")
            statements = self.managed_statements(arn)
            what = f"managed policy {arn!r}"
        for role in roles:
            grant = Grant(source, statements, role, what)
            if isinstance(role, Role):
                role.grants.append(grant)
            else:
                self.model.unplaced_grants.append(grant)

    def managed_statements(self, arn: object) -> list[Statement] | Unresolved:
        if isinstance(arn, Ref):
            policy = self.by_address.get(arn.address)
            if policy is not None and policy.type == "aws_iam_policy":
                return self.statements(self.value(policy.address, "policy"))
            return Unresolved(f"the policy {arn!r} is not known")
        if isinstance(arn, str) and arn in self.by_id and self.by_id[arn].type == "aws_iam_policy":
            return self.statements(self.value(self.by_id[arn].address, "policy"))
        text = (
            arn
            if isinstance(arn, str)
            else arn.parts[-1]
            if isinstance(arn, Template) and arn.parts and isinstance(arn.parts[-1], str)
            else None
        )
        if isinstance(text, str) and AWS_MANAGED_POLICY_PREFIX in text:
            name = text.split(AWS_MANAGED_POLICY_PREFIX, 1)[1]
            if name in AWS_MANAGED_POLICIES:
                return parse_statements(AWS_MANAGED_POLICIES[name])
            return Unresolved(f"the AWS managed policy {name} is not one this check knows")
        if isinstance(text, str) and text.rsplit(":policy/", 1)[-1] in self.policies:
            return parse_statements(self.policies[text.rsplit(":policy/", 1)[-1]])
        return Unresolved(f"the policy {arn!r} is not known")

    def statements(self, policy: object) -> list[Statement] | Unresolved:
        raw = self.raw_statements(policy)
        return raw if isinstance(raw, Unresolved) else parse_statements(raw)

    def raw_statements(self, policy: object) -> list[dict[str, Any]] | Unresolved:
        """A policy's statements as JSON objects, from its JSON or from the
        aws_iam_policy_document that makes it."""
        if isinstance(policy, Ref) and policy.path in (("json",), ("minified_json",)):
            known = self.known is not None and policy.address in self.known.values
            if policy.address in self.infos or known:
                address = policy.address
                for extra in (
                    "source_policy_documents",
                    "override_policy_documents",
                    "source_json",
                    "override_json",
                ):
                    if as_list(self.value(address, extra)) not in ([], [None]):
                        return Unresolved(f"{address} merges other documents")
                blocks = self.value(address, "statement")
                if isinstance(blocks, Unknown):
                    return Unresolved(f"the statements of {address} are not known")
                return [document_block_statement(block) for block in as_list(blocks)]
        if isinstance(policy, str):
            try:
                parsed = json.loads(policy)
            except json.JSONDecodeError:
                return Unresolved(f"a policy is not valid JSON: {policy[:60]!r}")
            found = parsed.get("Statement", []) if isinstance(parsed, dict) else []
            found = [found] if isinstance(found, dict) else found
            return (
                found
                if isinstance(found, list)
                else Unresolved("a policy's Statement is not a list")
            )
        if isinstance(policy, Unknown):
            return Unresolved(f"a policy is {policy!r}")
        return Unresolved("a policy is missing")

    # --- the function -------------------------------------------------------------------------

    def function(self, address: str, type_name: str, mode: str) -> Function:
        function = Function(**self.entity_args(address, type_name, mode))
        self.register(function)
        function.name = self.value(address, "function_name")
        function.role = self.link(self.value(address, "role"), f"{address}.role")
        config = self.value(address, "vpc_config")
        if isinstance(config, Unknown):
            function.subnets = function.security_groups = Unresolved(
                f"{address}.vpc_config is not known"
            )
        else:
            first = as_list(config)[0] if as_list(config) else {}
            if not isinstance(first, dict):
                first = {}
            function.subnets = self.links(
                first.get("subnet_ids"), f"{address}.vpc_config.subnet_ids"
            )
            function.security_groups = self.links(
                first.get("security_group_ids"), f"{address}.vpc_config.security_group_ids"
            )
        function.replace_on_destroy = self.value(address, "replace_security_groups_on_destroy")
        function.replacement_groups = self.links(
            self.value(address, "replacement_security_group_ids"),
            f"{address}.replacement_security_group_ids",
        )
        return function


def route_kind(attribute: str, value: object, target: Link | None) -> str:
    if isinstance(target, Entity):
        kinds = {
            "aws_internet_gateway": "internet-gateway",
            "aws_nat_gateway": "nat-gateway",
            "aws_egress_only_internet_gateway": "egress-only-gateway",
        }
        if target.type in kinds:
            return kinds[target.type]
    by_attribute = {
        "nat_gateway_id": "nat-gateway",
        "egress_only_gateway_id": "egress-only-gateway",
        "carrier_gateway_id": "internet-gateway",
    }
    if attribute in by_attribute:
        return by_attribute[attribute]
    if attribute == "gateway_id":
        if isinstance(value, str):
            if value.startswith("igw-"):
                return "internet-gateway"
            if value == "local":
                return "local"
            if value.startswith(("vgw-", "vpce-")):
                return "other"
        if isinstance(target, Entity):
            return "other"
        return "unresolved"
    if attribute in ("instance_id", "network_interface_id"):
        return "instance"  # an appliance: it may be a NAT instance
    return "other"


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


def parse_statements(raw: Iterable[Any]) -> list[Statement] | Unresolved:
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
            Statement(
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


def load_model(project: Path, document: Mapping[str, Any] | None) -> Model:
    configuration = load_configuration(project)
    if document is None:
        return Model.from_configuration(configuration, load_tfvars(project, configuration))
    return Model.from_document(document, configuration)
