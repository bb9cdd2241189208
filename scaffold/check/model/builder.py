"""One model of a project's network, permissions and function, for the rules to judge.

Built from `terraform show -json` (a plan, or a state) and the project's configuration,
or from the configuration alone (`Model.from_configuration`). Every resource instance
of every module becomes an entity (a VPC, a subnet, a route table with its routes and
associations, a gateway, an endpoint, a security group with its rules, a role with the
policies granted to it, a function), and every reference between them (a route's
table and target, a function's subnets) becomes a link to the entity, resolved:

- from a known ID (a state, a plan taken after apply, a data source read at plan), or
- from the configuration's expressions (`scaffold.check.values`): in a fresh plan the ID of
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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.check.config import Module, parse_file
from scaffold.check.evaluator import Evaluator
from scaffold.check.model.entities import (
    Entity,
    FlowLog,
    Inventory,
    LogGroup,
    Role,
    RouteTable,
    SecurityGroup,
    Vpc,
    network_of,
)
from scaffold.check.model.function import FunctionBuilder
from scaffold.check.model.iam import IamBuilder
from scaffold.check.model.network import NetworkBuilder
from scaffold.check.model.security_groups import SecurityGroupBuilder
from scaffold.check.values import (
    UNKNOWN,
    PlanValues,
    Scope,
)


@dataclass
class Model(Inventory):
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
        known = PlanValues(document)
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


class Builder(NetworkBuilder, SecurityGroupBuilder, IamBuilder, FunctionBuilder):
    """The model of a plan or configuration, built domain by domain."""

    def __init__(
        self,
        known: PlanValues | None,
        evaluator: Evaluator | None,
        document: Mapping[str, Any] | None,
        policies: Mapping[str, list[Any]] | None = None,
    ) -> None:
        super().__init__(known, evaluator, document, policies)
        self.result = Model(from_plan=known is not None)
        self.model = self.result

    def build(self) -> Model:
        self.enumerate_instances()
        model = self.result
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
            "aws_internet_gateway",
            "aws_nat_gateway",
            "aws_egress_only_internet_gateway",
            "aws_network_interface",
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
            self.ipv6_block_of_vpc(subnet)
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
        model.instances = list(self.instances)
        model.variables_given = self.known is not None and bool(self.known.variables)
        model.read = self.value
        if self.evaluator is not None:
            model.unsupported_functions = sorted(self.evaluator.unsupported)
        return model
