"""The Lambda-in-a-VPC guide's rules, checked on a parsed generated project.

`violations(project, answers)` returns one message per broken rule, each
starting with the rule's name, so a failing test says which rule broke.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from ipaddress import IPv4Network
from itertools import combinations
from pathlib import Path
from typing import Any

from scaffold.answers import Answers
from scaffold.hcl import Block, Expression, Module, Project
from scaffold.network import az_key, public_subnet_count

ENI_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
}
NETWORK_TYPES = {
    "aws_vpc", "aws_subnet", "aws_route_table", "aws_route", "aws_route_table_association",
    "aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_default_security_group",
}  # fmt: skip
MANAGED_POLICY_SUFFIX = ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
ANYWHERE = "0.0.0.0/0"

Rule = Callable[[Project, Answers], Iterator[str]]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    RULES.append(function)
    return function


def violations(project: Project, answers: Answers) -> list[str]:
    return [problem for check in RULES for problem in check(project, answers)]


def refs(value: object) -> set[str]:
    if isinstance(value, Expression):
        return value.references()
    if isinstance(value, list):
        return set().union(*(refs(item) for item in value)) if value else set()
    return set()


def resolved(module: Module, value: object) -> set[str]:
    """refs(value), with every local.x replaced by what that local refers to."""
    found = refs(value)
    for name in [ref for ref in found if ref.startswith("local.")]:
        found.discard(name)
        found |= resolved(module, module.locals.get(name.removeprefix("local."), ""))
    return found


def new_vpc_only(check: Rule) -> Rule:
    """A rule about the network this project creates; --topology existing creates none."""

    def guarded(project: Project, answers: Answers) -> Iterator[str]:
        if answers.topology != "existing":
            yield from check(project, answers)

    guarded.__name__ = check.__name__
    return guarded


@rule
@new_vpc_only
def vpc_settings(project: Project, answers: Answers) -> Iterator[str]:
    vpc = project.network.resource("aws_vpc", "this").body
    if vpc.get("instance_tenancy") != "default":
        yield "tenancy: the VPC must use default tenancy (Lambda cannot attach to dedicated)"
    if vpc.get("enable_dns_support") is not True or vpc.get("enable_dns_hostnames") is not True:
        yield "dns: the VPC needs DNS support and hostnames for its endpoints"
    if project.tfvars.get("vpc_cidr") != str(answers.vpc_cidr):
        yield f"vpc-cidr: terraform.tfvars has {project.tfvars.get('vpc_cidr')}, answered {answers.vpc_cidr}"


@rule
@new_vpc_only
def default_security_group_locked(project: Project, answers: Answers) -> Iterator[str]:
    found = project.network.resources("aws_default_security_group")
    if not found:
        yield "default-sg: the VPC's default security group must be managed and emptied"
    elif any(key in found[0].body for key in ("ingress", "egress")):
        yield "default-sg: the VPC's default security group must have no rules"


def planned_subnets(project: Project, variable: str) -> dict[str, IPv4Network]:
    return {key: IPv4Network(cidr) for key, cidr in project.tfvars.get(variable, {}).items()}


@rule
@new_vpc_only
def subnets(project: Project, answers: Answers) -> Iterator[str]:
    vpc = answers.vpc_cidr
    assert vpc is not None and answers.azs is not None, "a new VPC has a CIDR and an AZ count"
    private = planned_subnets(project, "private_subnets")
    public = planned_subnets(project, "public_subnets")
    if list(private) != [az_key(index) for index in range(answers.azs)]:
        yield f"private-subnets: expected one per AZ, az1..az{answers.azs}; got {sorted(private)}"
    if len(public) != public_subnet_count(answers) or not set(public) <= set(private):
        yield f"public-subnets: expected {public_subnet_count(answers)} keyed by private AZs; got {sorted(public)}"
    every = list(private.values()) + list(public.values())
    for cidr in every:
        if not cidr.subnet_of(vpc):
            yield f"subnet-cidr: {cidr} lies outside the VPC {vpc}"
    for first, second in combinations(every, 2):
        if first.overlaps(second):
            yield f"subnet-cidr: {first} overlaps {second}"
    for block in project.network.resources("aws_subnet"):
        if block.body.get("map_public_ip_on_launch") is not False:
            yield f"public-ip: {block.address} must not map public IPs on launch"
        if block.body.get("for_each") != f"var.{block.name}_subnets":
            yield f"subnet-for-each: {block.address} must iterate var.{block.name}_subnets"
        if "local.az_names" not in refs(block.body.get("availability_zone")):
            yield f"az-spread: {block.address} must take its AZ from local.az_names[each.key]"
    az_names = project.network.locals.get("az_names", "")
    zone_names = project.network.locals.get("zone_names", "")
    if "local.zone_names" not in refs(az_names) or "index" not in az_names:
        yield "az-spread: local.az_names must give each subnet key its own zone"
    if "data.aws_availability_zones.available" not in refs(zone_names):
        yield "az-spread: local.zone_names must come from the region's availability zones"


def routes_to(module: Module, target_attribute: str, target_type: str) -> list[Block]:
    """aws_route resources whose target attribute (e.g. nat_gateway_id) names target_type."""
    return [
        block
        for block in module.resources("aws_route")
        if any(ref.startswith(target_type + ".") for ref in resolved_refs(block, target_attribute))
    ]


def resolved_refs(block: Block, attribute: str) -> set[str]:
    """What an attribute refers to, following each.value/each.key to the for_each source."""
    value = block.body.get(attribute)
    found = refs(value)
    if isinstance(value, Expression) and "each." in value:
        found |= refs(block.body.get("for_each"))
    return found


@rule
@new_vpc_only
def routing(project: Project, answers: Answers) -> Iterator[str]:
    network = project.network
    inline_routes = [
        table.address for table in network.resources("aws_route_table") if "route" in table.body
    ]
    if inline_routes:
        yield f"routes: declare routes as aws_route, not inline in {inline_routes}"
    to_nat = routes_to(network, "nat_gateway_id", "aws_nat_gateway")
    to_igw = routes_to(network, "gateway_id", "aws_internet_gateway")
    if answers.topology == "private":
        if network.resources("aws_route") or network.resources("aws_nat_gateway"):
            yield "no-internet: topology private must have no routes, NAT or internet gateway"
        if network.resources("aws_internet_gateway"):
            yield "no-internet: topology private must have no internet gateway"
        return
    if len(to_nat) != 1 or to_nat[0].body.get("destination_cidr_block") != ANYWHERE:
        yield "nat-route: private route tables need exactly one 0.0.0.0/0 route resource to the NAT"
    elif resolved_refs(to_nat[0], "route_table_id") - {"aws_nat_gateway.this"} != {
        "aws_route_table.private"
    }:
        yield "nat-route: the NAT route must belong to the private route tables"
    to_igw = [block for block in to_igw if "destination_ipv6_cidr_block" not in block.body]
    if len(to_igw) != 1 or to_igw[0].body.get("destination_cidr_block") != ANYWHERE:
        yield "igw-route: the public route table needs a 0.0.0.0/0 route to the internet gateway"
    elif refs(to_igw[0].body.get("route_table_id")) != {"aws_route_table.public"}:
        yield "igw-route: only the public route table may route to the internet gateway"
    nat = network.resource("aws_nat_gateway", "this").body
    if nat.get("for_each") != "aws_subnet.public" or nat.get("subnet_id") != "each.value.id":
        yield "nat-placement: each NAT gateway must sit in a public subnet"
    if "aws_eip.nat" not in refs(nat.get("allocation_id")):
        yield "nat-placement: each NAT gateway needs its Elastic IP"
    if network.resource("aws_eip", "nat").body.get("domain") != "vpc":
        yield 'nat-placement: the Elastic IP must use domain = "vpc"'
    public_association = network.resource("aws_route_table_association", "public").body
    if public_association.get("for_each") != "aws_subnet.public":
        yield "igw-route: only public subnets may associate with the public route table"


@rule
@new_vpc_only
def route_table_associations(project: Project, answers: Answers) -> Iterator[str]:
    association = project.network.resource("aws_route_table_association", "private").body
    if association.get("for_each") != "aws_subnet.private":
        yield "private-routes: every private subnet must associate with a private route table"
    if refs(association.get("route_table_id")) - {"local.nat_key_of"} != {
        "aws_route_table.private"
    }:
        yield "private-routes: private subnets must use the private route tables only"
    private_table = project.network.resource("aws_route_table", "private").body
    if (
        answers.topology == "private-nat"
        and private_table.get("for_each") != "aws_nat_gateway.this"
    ):
        yield "private-routes: one private route table per NAT gateway"


@rule
def endpoints(project: Project, answers: Answers) -> Iterator[str]:
    network = project.network
    if project.tfvars.get("gateway_endpoints") != list(answers.gateway_endpoints):
        yield f"gateway-endpoints: tfvars lists {project.tfvars.get('gateway_endpoints')}"
    if project.tfvars.get("interface_endpoints") != list(answers.interface_endpoints):
        yield f"interface-endpoints: tfvars lists {project.tfvars.get('interface_endpoints')}"
    service_name = "com.amazonaws.${var.region}.${each.key}"
    gateway = network.resource("aws_vpc_endpoint", "gateway").body
    if gateway.get("vpc_endpoint_type") != "Gateway" or gateway.get("service_name") != service_name:
        yield "gateway-endpoints: s3 and dynamodb must be Gateway endpoints for the region's service"
    if gateway.get("route_table_ids") != "local.private_route_table_ids":
        yield "gateway-endpoints: must attach to local.private_route_table_ids"
    route_tables = resolved(network, network.locals.get("private_route_table_ids"))
    expected_tables = (
        {"var.route_table_ids"} if answers.topology == "existing" else {"aws_route_table.private"}
    )
    if route_tables != expected_tables:
        yield f"gateway-endpoints: private_route_table_ids must list only {sorted(expected_tables)}"
    interface = network.resource("aws_vpc_endpoint", "interface").body
    if (
        interface.get("vpc_endpoint_type") != "Interface"
        or interface.get("service_name") != service_name
    ):
        yield "interface-endpoints: must be Interface endpoints for the region's service"
    if interface.get("private_dns_enabled") is not True:
        yield "interface-endpoints: private DNS must be enabled"
    if resolved(network, interface.get("subnet_ids")) != private_subnet_sources(answers):
        yield "interface-endpoints: must sit in the private subnets only"
    group = network.resource("aws_security_group", "endpoints").body
    ingress = group.get("ingress", [])
    if (
        len(ingress) != 1
        or (ingress[0].get("from_port"), ingress[0].get("to_port"), ingress[0].get("protocol"))
        != (443, 443, "tcp")
        or refs(ingress[0].get("cidr_blocks")) != {"local.vpc_cidrs"}
        or "security_groups" in ingress[0]
    ):
        yield "interface-endpoints: their security group must admit only 443/tcp from the VPC"


def private_subnet_sources(answers: Answers) -> set[str]:
    """What local.private_subnets is built from, as refs: the function's subnets."""
    if answers.topology == "existing":
        return {"var.subnet_ids", "data.aws_subnet.selected"}
    return {"var.private_subnets", "aws_subnet.private"}


@rule
def execution_role(project: Project, answers: Answers) -> Iterator[str]:
    function = project.function
    assume = function.data("aws_iam_policy_document", "assume_role").nested("statement")
    principals = [p for s in assume for p in s.get("principals", [])]
    if [s.get("actions") for s in assume] != [["sts:AssumeRole"]] or [
        (p.get("type"), p.get("identifiers")) for p in principals
    ] != [("Service", ["lambda.amazonaws.com"])]:
        yield "trust: only lambda.amazonaws.com may assume the execution role"
    inline = function.has("aws_iam_role_policy.network_interfaces")
    attached = function.has("aws_iam_role_policy_attachment.vpc_access")
    if answers.iam == "inline":
        if attached or not inline:
            yield "eni-permissions: --iam inline must use the inline policy only"
        else:
            statements = function.data("aws_iam_policy_document", "network_interfaces").nested(
                "statement"
            )
            actions = [set(statement.get("actions", [])) for statement in statements]
            if actions != [ENI_ACTIONS]:
                yield f"eni-permissions: the inline policy must allow exactly {sorted(ENI_ACTIONS)}"
    else:
        if inline or not attached:
            yield "eni-permissions: --iam managed must attach the managed policy only"
        else:
            arn = function.resource("aws_iam_role_policy_attachment", "vpc_access").body.get(
                "policy_arn", ""
            )
            if not (
                arn.startswith("arn:${data.aws_partition.current.partition}")
                and arn.endswith(MANAGED_POLICY_SUFFIX)
            ):
                yield "eni-permissions: the managed policy ARN must be partition-aware"
    logging = function.data("aws_iam_policy_document", "logging").nested("statement")
    if [statement.get("resources") for statement in logging] != [
        ["${aws_cloudwatch_log_group.this.arn}:*"]
    ]:
        yield "logging: the role may write only to the function's own log group"
    for module in project.modules:
        for block in module.of_kind("data"):
            for statement in (
                block.nested("statement") if block.type == "aws_iam_policy_document" else []
            ):
                if any("*" in action for action in statement.get("actions", [])):
                    yield f"least-privilege: {block.address} uses an action wildcard"


@rule
def function_placement(project: Project, answers: Answers) -> Iterator[str]:
    function = project.function.resource("aws_lambda_function", "this").body
    vpc_config = function.get("vpc_config", [{}])[0]
    if refs(vpc_config.get("subnet_ids")) - {"var.attach_to_vpc"} != {"var.subnet_ids"}:
        yield "private-only: the function's subnets must come from var.subnet_ids"
    groups = resolved(project.function, vpc_config.get("security_group_ids")) - {
        "var.attach_to_vpc"
    }
    if groups != {"aws_security_group.this", "var.security_group_ids"}:
        yield "private-only: the function must use its dedicated security group, or the ones given"
    calls = {block.name: block.body for block in project.root.of_kind("module")}
    if calls["function"].get("subnet_ids") != "module.network.private_subnet_ids":
        yield "private-only: the root must attach the function to the private subnets"
    output = next(
        block for block in project.network.of_kind("output") if block.name == "private_subnet_ids"
    )
    expected = private_subnet_sources(answers)
    if resolved(project.network, output.body.get("value")) != expected:
        yield f"private-only: private_subnet_ids must list only {sorted(expected)}"
    needed = (
        "aws_iam_role_policy.network_interfaces"
        if answers.iam == "inline"
        else "aws_iam_role_policy_attachment.vpc_access"
    )
    if needed not in refs(function.get("depends_on", [])):
        yield f"depends-on: the function must depend on {needed}"
    expected_answers = {
        "runtime": answers.runtime,
        "architecture": answers.architecture,
        "memory_size": answers.memory,
        "timeout": answers.timeout,
        "region": answers.region,
        "name": answers.name,
    }
    for key, value in expected_answers.items():
        if project.tfvars.get(key) != value:
            yield f"answers: terraform.tfvars {key} = {project.tfvars.get(key)!r}, answered {value!r}"
    log_group = project.function.resource("aws_cloudwatch_log_group", "this").body
    if "retention_in_days" not in log_group:
        yield "log-retention: the function's log group needs a retention"


@rule
def documented_interface(project: Project, answers: Answers) -> Iterator[str]:
    for module in project.modules:
        for block in module.of_kind("variable"):
            if "type" not in block.body or not block.body.get("description"):
                yield f"variables: {module.folder.name}/{block.name} needs a type and a description"
        for block in module.of_kind("output"):
            if not block.body.get("description"):
                yield f"outputs: {module.folder.name}/{block.name} needs a description"


def postconditions(block: Block) -> list[dict[str, Any]]:
    return [
        condition
        for lifecycle in block.nested("lifecycle")
        for condition in lifecycle.get("postcondition", [])
    ]


@rule
def existing_network_checked(project: Project, answers: Answers) -> Iterator[str]:
    """--topology existing creates no network, and plan proves the given one is right."""
    if answers.topology != "existing":
        return
    network = project.network
    created = [
        block.address for block in network.of_kind("resource") if block.type in NETWORK_TYPES
    ]
    if created:
        yield f"existing: no network may be created, found {created}"
    expected_tfvars = {
        "vpc_id": answers.vpc_id,
        "subnet_ids": list(answers.subnet_ids or ()),
        "security_group_ids": list(answers.security_group_ids or ()),
        "route_table_ids": list(answers.route_table_ids or ()),
    }
    for key, value in expected_tfvars.items():
        if project.tfvars.get(key) != value:
            yield f"existing: terraform.tfvars {key} = {project.tfvars.get(key)!r}, answered {value!r}"
    conditions = {
        "data.aws_vpc.this": ("instance_tenancy", '"default"'),
        "data.aws_subnet.selected": ("vpc_id", "var.vpc_id"),
        "data.aws_route_table.of_subnet": ("gateway_id", '"igw-"'),
    }
    for address, (attribute, operand) in conditions.items():
        found = [block for block in network.of_kind("data") if block.address == address]
        checks = [
            str(condition.get("condition", ""))
            for block in found
            for condition in postconditions(block)
        ]
        if not any(attribute in text and operand in text for text in checks):
            yield f"existing: {address} needs a postcondition on {attribute}"
    spread = [
        str(condition.get("condition", ""))
        for block in network.of_kind("data")
        for lifecycle in block.nested("lifecycle")
        for condition in lifecycle.get("precondition", [])
    ]
    if not any("availability_zone" in text and ">= 2" in text for text in spread):
        yield "existing: plan must check that the subnets span at least two AZs"
    asserts = [
        str(item.get("condition", ""))
        for block in network.of_kind("check")
        for item in block.nested("assert")
    ]
    if "nat_gateway_id" not in str(network.locals.get("routes_to_nat")) or not any(
        "local.routes_to_nat" in text for text in asserts
    ):
        yield "existing: a check block must warn when no subnet routes to a NAT gateway"


@rule
@new_vpc_only
def flow_logs(project: Project, answers: Answers) -> Iterator[str]:
    network = project.network
    if project.tfvars.get("enable_flow_logs") is not answers.flow_logs:
        yield f"flow-logs: terraform.tfvars enable_flow_logs must be {str(answers.flow_logs).lower()}"
    flow_log = network.resource("aws_flow_log", "this").body
    if "aws_vpc.this" not in refs(flow_log.get("vpc_id")) or flow_log.get("traffic_type") != "ALL":
        yield "flow-logs: the flow log must record all traffic of the VPC"
    trust = network.data("aws_iam_policy_document", "flow_logs_assume_role").nested("statement")
    principals = [
        principal.get("identifiers")
        for statement in trust
        for principal in statement.get("principals", [])
    ]
    if principals != [["vpc-flow-logs.amazonaws.com"]]:
        yield "flow-logs: only vpc-flow-logs.amazonaws.com may assume the flow log role"
    statements = network.data("aws_iam_policy_document", "flow_logs").nested("statement")
    if [statement.get("resources") for statement in statements] != [
        ["${aws_cloudwatch_log_group.flow_logs[0].arn}:*"]
    ]:
        yield "flow-logs: the flow log role may write only to its own log group"


@rule
def tags(project: Project, answers: Answers) -> Iterator[str]:
    if project.tfvars.get("tags") != dict(answers.tags):
        yield f"tags: terraform.tfvars tags = {project.tfvars.get('tags')!r}, answered {dict(answers.tags)!r}"


# --- the command ------------------------------------------------------------------


def check_project(project_dir: Path) -> list[str]:
    """Every broken rule of a generated project, one line each, judged from its HCL."""
    from scaffold.hcl import load_project
    from scaffold.project import recorded_answers

    return violations(load_project(project_dir), recorded_answers(project_dir))


def run_check(options: argparse.Namespace) -> int:
    from scaffold.cli import EXIT_RULES_BROKEN, say
    from scaffold.transaction import project_folder, refuse_if_pending
    from scaffold.update import rules_broken

    project_dir = Path(options.project_dir).expanduser()
    with project_folder(project_dir, read_only=True) as folder:  # not while an update writes it
        refuse_if_pending(folder, "check")
        found = rules_broken(project_dir)
    for line in found:
        say(line)
    if found:
        return EXIT_RULES_BROKEN
    say(f"{project_dir}: every rule holds")
    return 0
