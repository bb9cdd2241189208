"""Generate every topology and main option, parse the HCL, and check the guide's rules."""

from __future__ import annotations

import json
import re
from itertools import product
from pathlib import Path

import pytest
from conftest import Generate
from hcl_reader import Expression, load_project
from project_expectations import tfvars_mismatches

from scaffold.answers import RUNTIMES, Answers, build_answers
from scaffold.check import judge_project
from scaffold.cli import build_parser, collect_raw_answers
from scaffold.deployer import declared_types

# The six actions the Lambda guide names for a function in a VPC ("Required IAM permissions").
GUIDE_ENI_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}

LAYOUTS = [("private",), ("private-nat", "single"), ("private-nat", "per-az")]
MATRIX = [
    (layout, iam, runtime, endpoints)
    for layout, iam, runtime in product(LAYOUTS, ("inline", "managed"), RUNTIMES)
    for endpoints in ("s3,dynamodb", "s3,dynamodb,sts,secretsmanager")
    # Interface endpoints are independent of the runtime: cover them once per layout and IAM mode.
    if endpoints == "s3,dynamodb" or runtime == RUNTIMES[0]
]


def flags_for(layout: tuple[str, ...], iam: str, runtime: str, endpoints: str, azs: int) -> list[str]:
    flags = ["--topology", layout[0], "--iam", iam, "--runtime", runtime, "--endpoints", endpoints]
    flags += ["--azs", str(azs)]
    if len(layout) > 1:
        flags += ["--nat", layout[1]]
    return flags


def answers_for(flags: list[str], name: str = "demo") -> Answers:
    """The answers the CLI builds from these flags (as the generate fixture passes them)."""
    return build_answers(collect_raw_answers(build_parser().parse_args(["--name", name, *flags])))


@pytest.mark.parametrize(
    ("layout", "iam", "runtime", "endpoints"),
    MATRIX,
    ids=["-".join([*layout, iam, runtime, str(endpoints.count(",") + 1)]) for layout, iam, runtime, endpoints in MATRIX],
)
def test_generated_project_obeys_every_rule(
    generate: Generate, layout: tuple[str, ...], iam: str, runtime: str, endpoints: str
) -> None:
    azs = 3 if layout[-1] == "per-az" else 2
    flags = flags_for(layout, iam, runtime, endpoints, azs)
    project_dir = generate(*flags)
    report = judge_project(project_dir)
    assert report.broken == []
    # Without a plan every rule is judged but one: which subnets of a new VPC share an
    # AZ is known once the region's zones are read, so interface endpoints (one subnet
    # per AZ) wait for a plan.
    # The path to STS through its endpoint (rule reachable) waits for the same.
    waiting = {"interface-endpoint-subnets", "reachable"} if "sts" in endpoints else set()
    assert set(report.not_judged_by_rule()) == waiting
    assert tfvars_mismatches(load_project(project_dir), answers_for(flags)) == []


@pytest.mark.parametrize(
    ("zones", "waiting"),
    [
        # Names are known from the configuration: every zone rule is judged.
        ("us-east-1c,us-east-1a,us-east-1d", set()),
        # AZ IDs name this account's zones only once a plan reads them: the rules that
        # compare zones wait for a plan.
        ("use1-az4,use1-az1,use1-az2", {"interface-endpoint-subnets", "multi-az", "nat-per-az", "reachable"}),
    ],
    ids=["names", "az-ids"],
)
@pytest.mark.parametrize("layout", LAYOUTS, ids=["-".join(layout) for layout in LAYOUTS])
def test_pinned_zones_obey_every_rule(
    generate: Generate, layout: tuple[str, ...], zones: str, waiting: set[str]
) -> None:
    flags = [*flags_for(layout, "inline", RUNTIMES[0], "s3,sts", 3), "--zones", zones]
    project_dir = generate(*flags)
    report = judge_project(project_dir)
    if layout[-1] != "per-az":
        waiting = waiting - {"nat-per-az"}
    assert report.broken == [] and set(report.not_judged_by_rule()) == waiting
    parsed = load_project(project_dir)
    assert parsed.tfvars["availability_zones"] == zones.split(",")
    assert tfvars_mismatches(parsed, answers_for(flags)) == []


@pytest.mark.parametrize("layout", LAYOUTS, ids=["-".join(layout) for layout in LAYOUTS])
def test_dual_stack_project_obeys_every_rule(generate: Generate, layout: tuple[str, ...]) -> None:
    flags = [*flags_for(layout, "inline", RUNTIMES[0], "s3,sts", 3), "--ipv6"]
    project_dir = generate(*flags)
    report = judge_project(project_dir)
    assert report.broken == [] and set(report.not_judged_by_rule()) == {"interface-endpoint-subnets", "reachable"}
    egress = load_project(project_dir).network.resources("aws_egress_only_internet_gateway")
    assert len(egress) == (1 if layout[0] == "private-nat" else 0)
    assert tfvars_mismatches(load_project(project_dir), answers_for(flags)) == []


def test_private_topology_has_no_internet_path(generate: Generate) -> None:
    project = load_project(generate())
    network = project.network
    for type_name in ("aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_route"):
        assert network.resources(type_name) == [], type_name
    assert "public_subnets" not in project.tfvars
    assert [table.name for table in network.resources("aws_route_table")] == ["private"]


def test_per_az_nat_has_a_public_subnet_and_nat_per_az(generate: Generate) -> None:
    project = load_project(generate("--topology", "private-nat", "--nat", "per-az", "--azs", "4"))
    assert sorted(project.tfvars["public_subnets"]) == ["az1", "az2", "az3", "az4"]
    assert project.network.resource("aws_route_table", "private").body["for_each"] == "var.public_subnets"


def test_single_nat_sits_in_the_first_az(generate: Generate) -> None:
    project = load_project(generate("--topology", "private-nat", "--azs", "3"))
    assert list(project.tfvars["public_subnets"]) == ["az1"]
    assert len(project.tfvars["private_subnets"]) == 3


def test_inline_policy_has_exactly_the_six_eni_actions_of_the_guide(generate: Generate) -> None:
    function = load_project(generate("--iam", "inline")).execution_role
    statements = function.data("aws_iam_policy_document", "network_interfaces").nested("statement")
    assert [set(s["actions"]) for s in statements] == [GUIDE_ENI_ACTIONS]
    # Each mode's resource exists only for its mode (count on the module's iam).
    assert function.resource("aws_iam_role_policy", "network_interfaces").body["count"] == 'var.iam == "inline" ? 1 : 0'
    assert function.resource("aws_iam_role_policy_attachment", "vpc_access").body["count"] == 'var.iam == "managed" ? 1 : 0'


def test_managed_policy_is_partition_aware(generate: Generate) -> None:
    function = load_project(generate("--iam", "managed")).execution_role
    arn = function.resource("aws_iam_role_policy_attachment", "vpc_access").body["policy_arn"]
    assert arn == "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def test_region_reaches_provider_and_endpoint_names(generate: Generate) -> None:
    project = load_project(generate("--region", "eu-central-1"))
    assert project.tfvars["region"] == "eu-central-1"
    provider = (project.root.folder / "providers.tf").read_text()
    assert "region = var.region" in provider


EXISTING_VPC = [
    "--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
    "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
]  # fmt: skip
NETWORK_CREATION = {
    "ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:CreateRouteTable",
    "ec2:AssociateRouteTable", "ec2:CreateFlowLogs",
}  # fmt: skip
INTERNET = {"ec2:CreateNatGateway", "ec2:AllocateAddress", "ec2:CreateInternetGateway", "ec2:CreateRoute"}
# (flags, actions that must be granted, actions that must not be)
POLICY_CASES = {
    # AttachRolePolicy (AWSLambdaVPCAccessExecutionRole only, bounded roles only) with inline
    # too: a function added with --iam managed needs no change of the deployer's policy.
    "private-inline": (["--iam", "inline"], NETWORK_CREATION | {"iam:PutRolePolicy", "iam:AttachRolePolicy"}, INTERNET),
    "private-flow-logs": (["--flow-logs", "--endpoints", "s3,sts"], NETWORK_CREATION, INTERNET),
    "private-nat-single-managed": (
        ["--topology", "private-nat", "--iam", "managed", "--endpoints", "s3,sts"],
        NETWORK_CREATION | INTERNET | {"iam:AttachRolePolicy"}, set(),
    ),
    "private-nat-per-az-flow-logs": (
        ["--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--flow-logs"], NETWORK_CREATION | INTERNET, set(),
    ),
    "existing": (EXISTING_VPC, {"ec2:DescribeVpcs", "ec2:DescribeRouteTables"}, NETWORK_CREATION | INTERNET),
    "existing-route-tables-managed": (
        [*EXISTING_VPC, "--route-table-ids", "rtb-01234567", "--endpoints", "s3,sts", "--iam", "managed"],
        {"ec2:CreateVpcEndpoint", "iam:AttachRolePolicy"}, NETWORK_CREATION | INTERNET,
    ),
    "existing-own-security-groups": (
        [*EXISTING_VPC, "--security-group-ids", "sg-01234567"], {"ec2:CreateSecurityGroup"}, NETWORK_CREATION | INTERNET,
    ),
}


@pytest.mark.parametrize(("flags", "granted_too", "never"), POLICY_CASES.values(), ids=POLICY_CASES.keys())
def test_deployer_policy_grants_what_the_answers_need_and_nothing_else(
    generate: Generate, flags: list[str], granted_too: set[str], never: set[str]
) -> None:
    project_dir = generate(*flags)
    policy = json.loads((project_dir / "deployer-policy.json").read_text())
    granted = {action for statement in policy["Statement"] for action in statement["Action"]}
    # The types as python-hcl2 reads them, so the policy's own scan cannot drift from the HCL.
    project = load_project(project_dir)
    types = {
        f"data.{block.type}" if block.kind == "data" else block.type
        for module in project.modules
        for block in module.blocks
        if block.kind in ("resource", "data")
    }
    assert declared_types(project_dir.rglob("*.tf")) == types
    # What apply and destroy of these answers need, and nothing for what they do not declare
    # (sufficiency is proven by applying and destroying as the deployer, in test_apply.py).
    assert granted_too <= granted
    assert not granted & never, sorted(granted & never)
    # The guide's user permissions for attaching a function to a VPC.
    assert {"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"} <= granted
    assert not any("*" in action for action in granted)
    for statement in policy["Statement"]:
        if statement["Sid"].endswith("OwnResources") or statement["Sid"].startswith(("Iam", "Pass")):
            assert all(":demo" in resource or "/demo" in resource for resource in statement["Resource"]), statement
        if "iam:PassRole" in statement["Action"]:
            assert statement["Action"] == ["iam:PassRole"], statement
            passed_to = statement["Condition"]["StringEquals"]["iam:PassedToService"]
            assert passed_to in ("lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com"), statement
        # Whatever can create or widen a role needs the project's boundary on it.
        if {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"} & set(statement["Action"]):
            boundary = statement["Condition"]["StringLike"]["iam:PermissionsBoundary"]
            assert boundary.endswith(":policy/demo-boundary"), statement
    assert "iam:DeleteRolePermissionsBoundary" not in granted


# Each row breaks one rule in generated output (a user's edit); `check` without a plan
# must name that rule. tests/test_mutations.py does the same to the templates, with a plan.
MUTATIONS = [
    ("modules/network/main.tf", 'instance_tenancy = "default"', 'instance_tenancy = "dedicated"', "tenancy"),
    ("modules/network/main.tf", "enable_dns_hostnames             = true", "enable_dns_hostnames             = false", "endpoint-dns"),
    ("modules/network/main.tf", "map_public_ip_on_launch = false", "map_public_ip_on_launch = true", "public-ip"),
    ("modules/network/main.tf", "  vpc_id = aws_vpc.this.id\n\n  tags", '  vpc_id = aws_vpc.this.id\n  ingress {\n    from_port   = 0\n    to_port     = 0\n    protocol    = "-1"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n\n  tags', "default-security-group"),
    ("modules/network/endpoints.tf", "route_table_ids = local.private_route_table_ids", "route_table_ids = []", "gateway-endpoints"),
    ("modules/network/endpoints.tf", 'private_dns_enabled = each.key != "execute-api" || var.execute_api_private_dns', "private_dns_enabled = false", "interface-endpoints"),
    ("modules/network/endpoints.tf", "from_port   = 443", "from_port   = 0", "interface-endpoints"),
    ("modules/network/routes.tf", "nat_gateway_id         = aws_nat_gateway.this[each.key].id", "gateway_id             = aws_internet_gateway.this.id", "private-subnets"),
    ("modules/network/routes.tf", "nat_gateway_id         = aws_nat_gateway.this[each.key].id", "nat_gateway_id         = aws_nat_gateway.this[\"az1\"].id", "nat-per-az"),
    ("modules/network/routes.tf", "gateway_id             = aws_internet_gateway.this.id", "nat_gateway_id         = aws_nat_gateway.this[\"az1\"].id", "nat-placement"),
    ("modules/network/routes.tf", "  subnet_id     = aws_subnet.public[each.key].id", "  subnet_id     = aws_subnet.private[each.key].id", "nat-placement"),
    ("modules/network/routes.tf", "route_table_id = aws_route_table.private[local.nat_key_of[each.key]].id", "route_table_id = aws_route_table.public.id", "private-subnets"),
    ("modules/network/main.tf", "private_subnets = [for key in sort(keys(var.private_subnets)) : aws_subnet.private[key]]", "private_subnets = [for key in sort(keys(var.private_subnets)) : aws_subnet.public[key]]", "private-subnets"),
    ("modules/network/main.tf", "  depends_on = [terraform_data.network_interface_grant]\n", "", "network-outlives-grant"),
    ("modules/execution_role/main.tf", '      "ec2:DeleteNetworkInterface",\n', "", "eni-permissions"),
    ("modules/execution_role/main.tf", '      "ec2:UnassignPrivateIpAddresses",\n', "", "eni-permissions"),
    ("modules/execution_role/main.tf", '"ec2:CreateNetworkInterface",', '"ec2:*",', "least-privilege"),
    ("modules/execution_role/main.tf", 'identifiers = ["lambda.amazonaws.com"]', 'identifiers = ["ec2.amazonaws.com"]', "trust"),
    ("modules/function/iam.tf", 'resources = ["${aws_cloudwatch_log_group.this.arn}:*"]', 'resources = ["*"]', "own-log-group"),
    ("modules/function/main.tf", "replace_security_groups_on_destroy = var.attach_to_vpc", "replace_security_groups_on_destroy = false", "replacement-security-group"),
    ("modules/function/security_groups.tf", 'cidr_blocks      = var.vpc_cidrs', 'cidr_blocks      = ["0.0.0.0/0"]', "function-egress"),
    ("main.tf", "subnet_ids         = module.network.private_subnet_ids", "subnet_ids         = module.network.public_subnet_ids", "private-subnets"),
    ("variables.tf", '  description = "Memory of the function in MB; CPU scales with it."\n', "", "documented-interface"),
    ("outputs.tf", '  description = "ARN of the Lambda function."\n', "", "documented-interface"),
    ("modules/network/main.tf", 'traffic_type             = "ALL"', 'traffic_type             = "REJECT"', "flow-logs"),
    ("modules/network/main.tf", "# checkov:skip=CKV_AWS_394: AZ names differ", "# checkov:skip=CKV_AWS_394\n  # AZ names differ", "scan-exceptions"),
]


@pytest.mark.parametrize(("file", "old", "new", "rule"), MUTATIONS, ids=[f"{m[3]}:{m[0]}:{i}" for i, m in enumerate(MUTATIONS)])
def test_checker_names_the_broken_rule(generate: Generate, file: str, old: str, new: str, rule: str) -> None:
    flags = ["--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--endpoints", "s3,dynamodb,sts", "--flow-logs"]
    project_dir = generate(*flags)
    path = project_dir / file
    text = path.read_text()
    assert text.count(old) >= 1, f"mutation does not apply: {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))
    found = [str(verdict) for verdict in judge_project(project_dir).broken]
    assert any(problem.startswith(rule + ":") for problem in found), found


def test_private_checker_rejects_an_internet_route(generate: Generate) -> None:
    project_dir = generate()
    routes = project_dir / "modules/network/routes.tf"
    routes.write_text(
        routes.read_text()
        + '\nresource "aws_route" "leak" {\n  route_table_id         = aws_route_table.private.id\n'
        '  destination_cidr_block = "0.0.0.0/0"\n  gateway_id             = "igw-123"\n}\n'
    )
    found = [str(verdict) for verdict in judge_project(project_dir).broken]
    assert any(problem.startswith("private-subnets: module.network.aws_route.leak") for problem in found), found


@pytest.mark.parametrize("topology", ["private", "private-nat"])
def test_flow_logs_and_tags_reach_the_project(generate: Generate, topology: str) -> None:
    flags = ["--topology", topology, "--flow-logs", "--tags", "Team=payments,Cost Center=42"]
    project_dir = generate(*flags)
    project = load_project(project_dir)
    assert judge_project(project_dir).broken == []
    assert tfvars_mismatches(project, answers_for(flags)) == []
    assert project.tfvars["enable_flow_logs"] is True
    assert project.tfvars["tags"] == {"Team": "payments", "Cost Center": "42"}


def test_no_template_noise(generate: Generate) -> None:
    project_dir = generate("--topology", "private-nat", "--endpoints", "s3,sts")
    for path in project_dir.rglob("*"):
        if path.name == ".vpc-lambda-new.baseline.json":
            continue  # a record of the files checked here, GitHub's ${{ }} expressions included
        if path.suffix in {".yml", ".yaml"} or path.name == "Makefile":
            text = path.read_text()
            assert "{%" not in text and "cookiecutter" not in text, path
            assert not re.search(r"[ \t]+\n", text), f"trailing whitespace in {path}"
        if path.suffix in {".tf", ".tfvars", ".md", ".py", ".mjs", ".json"}:
            text = path.read_text()
            assert "{{" not in text and "{%" not in text, path
            if path.suffix in {".tf", ".tfvars", ".md"}:
                assert not re.search(r"\n\n\n", text), f"blank-line run in {path}"
            assert not re.search(r"[ \t]+\n", text), f"trailing whitespace in {path}"
            assert "cookiecutter" not in text, path



@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--route-table-ids", "rtb-01234567", "--endpoints", "s3,sts", "--iam", "managed"],
        ["--security-group-ids", "sg-01234567,sg-01234568", "--runtime", "nodejs22.x"],
    ],
    ids=["defaults", "route-tables-and-endpoints", "own-security-groups"],
)
def test_existing_vpc_project_obeys_every_rule(generate: Generate, extra: list[str]) -> None:
    flags = EXISTING_VPC + extra
    project_dir = generate(*flags)
    project = load_project(project_dir)
    assert judge_project(project_dir).broken == []
    assert tfvars_mismatches(project, answers_for(flags)) == []
    assert project.network.of_kind("resource") == [
        block for block in project.network.of_kind("resource")
        # terraform_data: the claims on gateway endpoint routes, state only, nothing in AWS.
        if block.type in ("aws_vpc_endpoint", "aws_security_group", "terraform_data")
    ]


def test_existing_vpc_without_route_tables_skips_gateway_endpoints(generate: Generate) -> None:
    project = load_project(generate(*EXISTING_VPC))
    assert project.tfvars["gateway_endpoints"] == []
    readme = (project.root.folder / "README.md").read_text()
    assert "--route-table-ids" in readme


def test_given_security_groups_replace_the_dedicated_one(generate: Generate) -> None:
    project = load_project(generate(*EXISTING_VPC, "--security-group-ids", "sg-01234567"))
    assert project.tfvars["security_group_ids"] == ["sg-01234567"]
    group = project.function.resource("aws_security_group", "this").body
    assert group["count"] == "length(var.security_group_ids) > 0 || length(var.shared_security_group_ids) > 0 ? 0 : 1"


EXISTING_MUTATIONS = [
    ('condition     = self.instance_tenancy == "default"', "condition     = true", "existing-plan-checks: module.network.data.aws_vpc.this"),
    ("condition     = self.vpc_id == var.vpc_id", "condition     = true", "existing-plan-checks: module.network.data.aws_subnet.selected"),
    ('startswith(route.gateway_id, "igw-")', "false", "existing-plan-checks: module.network.data.aws_route_table.of_subnet"),
    ("subnet.availability_zone])) >= 2", "subnet.availability_zone])) >= 1", "existing-plan-checks: module.network.data.aws_route_table.main"),
    ('route.nat_gateway_id != ""', "true", "existing-plan-checks: module.network: needs a check block"),
]


@pytest.mark.parametrize(("old", "new", "says"), EXISTING_MUTATIONS, ids=[m[2] for m in EXISTING_MUTATIONS])
def test_checker_names_a_broken_plan_time_check(generate: Generate, old: str, new: str, says: str) -> None:
    project_dir = generate(*EXISTING_VPC)
    path = project_dir / "modules" / "network" / "main.tf"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    found = [str(verdict) for verdict in judge_project(project_dir).broken]
    assert any(problem.startswith(says) for problem in found), found


@pytest.mark.parametrize("topology", ["private", "existing"])
def test_security_groups_are_replaced_create_before_destroy(generate: Generate, topology: str) -> None:
    """A fixed name would make a replacement wait for (or clash with) the old group."""
    flags = ["--endpoints", "sts"] if topology == "private" else [*EXISTING_VPC, "--endpoints", "sts"]
    project = load_project(generate(*flags))
    groups = project.function.resources("aws_security_group") + project.network.resources("aws_security_group")
    assert {block.address for block in groups} == {
        "aws_security_group.this", "aws_security_group.released", "aws_security_group.endpoints",
    }  # fmt: skip
    for group in groups:
        assert "name" not in group.body and group.body["name_prefix"].endswith("-"), group.address
        assert [lifecycle.get("create_before_destroy") for lifecycle in group.nested("lifecycle")] == [True], group.address


def refs(value: object) -> set[str]:
    """The addresses an HCL expression (or a list of them) names."""
    if isinstance(value, list):
        return set().union(*(refs(item) for item in value))
    return value.references() if isinstance(value, Expression) else set()


@pytest.mark.parametrize("iam", ["inline", "managed"])
def test_destroy_keeps_the_network_interface_grant_until_lambda_let_go(generate: Generate, iam: str) -> None:
    project = load_project(generate("--iam", iam))
    function = project.function.resource("aws_lambda_function", "this").body
    assert function["replace_security_groups_on_destroy"] == "var.attach_to_vpc && length(var.shared_security_group_ids) == 0"
    assert "aws_security_group.released" in refs(function["replacement_security_group_ids"])
    # The function and its groups wait for the grant (through their anchor), and go before it.
    assert "terraform_data.network_interface_grant" in refs(function["depends_on"])
    for name in ("this", "released"):
        assert "terraform_data.network_interface_grant" in refs(project.function.resource("aws_security_group", name).body["depends_on"]), name
    # The subnets wait for Lambda's interfaces: they go before the grant (through the anchor).
    for module in (project.network, project.function):
        anchor = module.resource("terraform_data", "network_interface_grant").body
        assert anchor["input"] == "var.network_interface_grant"
    assert refs(project.network.resource("aws_subnet", "private").body["depends_on"]) == {"terraform_data.network_interface_grant"}
    calls = {block.name: block.body for block in project.root.of_kind("module")}
    for consumer in ("network", "function"):
        assert calls[consumer]["network_interface_grant"] == "module.execution_role.network_interface_grant"
    # The role's module depends on neither: every arrow between the modules points one way.
    assert not {ref for value in calls["execution_role"].values() for ref in refs(value) if ref.startswith("module.")}
    output = next(block for block in project.execution_role.of_kind("output") if block.name == "network_interface_grant")
    # Either mode's grant, whichever the role's iam has (count).
    assert refs(output.body["value"]) == {"aws_iam_role_policy.network_interfaces", "aws_iam_role_policy_attachment.vpc_access"}
    assert calls["execution_role"]["iam"] == iam


def test_role_names_carry_the_region(generate: Generate) -> None:
    project = load_project(generate("--flow-logs", "--region", "eu-west-3"))
    # The first function's role, or an added function's (FUNCTION_NAME-REGION).
    assert project.execution_role.resource("aws_iam_role", "this").body["name"] == (
        'var.function_name == null ? "${var.name}-lambda-${var.region}" : "${var.function_name}-${var.region}"'
    )
    assert project.network.resource("aws_iam_role", "flow_logs").body["name"] == "${var.name}-flowlogs-${var.region}"
    assert project.root.of_kind("module")[0].body["region"] == "var.region"


@pytest.mark.parametrize("runtime", ["python3.12", "nodejs22.x"])
def test_the_readme_says_what_aws_does(generate: Generate, runtime: str) -> None:
    managed = (generate("--runtime", runtime, "--iam", "managed", "--endpoints", "s3,sts") / "README.md").read_text()
    inline = (generate("--runtime", runtime, name="inline") / "README.md").read_text()
    for readme in (managed, inline):
        # A function idle for long is Inactive (Lambda's state), not "Idle".
        assert "becomes `Inactive`" in readme and "`Idle`" not in readme
        # Destroy: honest about Lambda's interfaces.
        assert "up to 20 minutes, the Lambda guide says" in " ".join(readme.split())
    # The guide's six actions, by name; the managed policy grants more: the README says so.
    for readme in (managed, inline):
        assert all(f"`{action}`" in readme for action in GUIDE_ENI_ACTIONS)
        assert "three actions" not in readme and "three network-interface" not in readme
    assert "also the logs:CreateLogGroup" in managed
    assert "exactly those six" in inline
    if runtime.startswith("nodejs"):
        # Node 22 reads `node --test DIR` as a glob: the README's command takes no folder.
        assert "\nnode --test\n" in inline and "node --test tests" not in inline


# Claims the generated README once made that AWS contradicts, with what AWS says instead.
WRONG_CLAIMS = {
    # The provider waits for Lambda's interfaces in parallel, at least 45 minutes in all.
    "per interface": "45 minutes per interface",
    # Lambda still releases the old group's interfaces (and creates ones for the new group).
    "free at once": "a swapped security group is free at once",
    "can go at once": "a swapped security group is free at once",
    # The Lambda guide lists six network-interface actions, not three.
    "three actions": "the three ENI actions",
    "three network-interface": "the three ENI actions",
    "exactly the three": "the three ENI actions",
}
# The generated README's section on destroying, one include of the README template.
DESTROY_SECTION = Path(__file__).resolve().parent.parent / "templates" / "shared" / "templates" / "readme" / "destroy.md"


@pytest.mark.parametrize(
    "flags",
    [(), ("--iam", "managed", "--flow-logs"), ("--topology", "private-nat"), tuple(EXISTING_VPC)],
    ids=["private", "managed-flow-logs", "private-nat", "existing"],
)
def test_the_readme_makes_no_claim_aws_contradicts(generate: Generate, flags: tuple[str, ...]) -> None:
    readme = " ".join((generate(*flags) / "README.md").read_text().split())
    found = {claim: wrong for claim, wrong in WRONG_CLAIMS.items() if claim in readme}
    assert not found, found
    # The destroy section: the interfaces are waited for in parallel, and the swapped
    # group stays busy until Lambda has released the interfaces it held.
    assert "at once, not one after another" in readme
    assert "stays busy until they are gone" in readme


def test_the_readmes_claims_on_destroy_cite_their_sources() -> None:
    section = DESTROY_SECTION.read_text(encoding="utf-8")
    assert "## Destroy" in section
    comments = " ".join(re.findall(r"\{#(.*?)#\}", section, re.DOTALL))
    for source in (
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-enis",
        "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ec2/vpc_network_interface.go",
        "https://github.com/hashicorp/terraform-provider-aws/pull/37624",
    ):
        assert source in comments, source


def test_the_flow_log_role_is_the_vpc_guides_and_only_this_accounts_flow_logs_assume_it(generate: Generate) -> None:
    project_dir = generate("--flow-logs", "--region", "eu-west-3")
    network = load_project(project_dir).network
    (trust,) = network.data("aws_iam_policy_document", "flow_logs_assume_role").nested("statement")
    conditions = {(c["test"], c["variable"]): c["values"] for c in trust["condition"]}
    assert conditions[("StringEquals", "aws:SourceAccount")] == ["data.aws_caller_identity.current.account_id"]
    assert conditions[("ArnLike", "aws:SourceArn")] == [
        "arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*"
    ]
    statements = network.data("aws_iam_policy_document", "flow_logs").nested("statement")
    granted = {action for statement in statements for action in statement["actions"]}
    # The guide's minimum but logs:CreateLogGroup: the project creates the group itself.
    assert granted == {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:DescribeLogGroups"}
    # The README says how to see whether delivery works.
    readme = (project_dir / "README.md").read_text()
    assert "aws ec2 describe-flow-logs" in readme and "DeliverLogsStatus,DeliverLogsErrorMessage" in readme


@pytest.mark.parametrize(("region", "partition"), [("eu-west-1", "aws"), ("us-gov-west-1", "aws-us-gov")])
def test_tfvars_offer_the_permissions_boundary_commented_out(generate: Generate, region: str, partition: str) -> None:
    project_dir = generate("--region", region)
    tfvars = (project_dir / "terraform.tfvars").read_text()
    line = f'# permissions_boundary_arn = "arn:{partition}:iam::ACCOUNT_ID:policy/demo-boundary"\n'
    assert line in tfvars
    # One line before it says why: the deployer cannot create roles without it.
    explanation = tfvars[: tfvars.index(line)].rstrip("\n").rsplit("\n", 1)[-1]
    assert explanation.startswith("# ") and "deployer-policy.json" in explanation and "roles" in explanation
    # Uncommented, it sets the variable the roles take their boundary from.
    project = load_project(project_dir)
    assert "permissions_boundary_arn" not in project.tfvars
    (project_dir / "terraform.tfvars").write_text(tfvars.replace(line, line[2:]))
    assert load_project(project_dir).tfvars["permissions_boundary_arn"] == f"arn:{partition}:iam::ACCOUNT_ID:policy/demo-boundary"


CONTRACT_LINE = re.compile(r"^#   ([a-z_0-9]+)\s{2,}\S")


@pytest.mark.parametrize("flags", [(), ("--topology", "private-nat"), tuple(EXISTING_VPC)], ids=["private", "private-nat", "existing"])
def test_every_network_layer_keeps_the_contract_the_shared_files_read(generate: Generate, flags: tuple[str, ...]) -> None:
    project_dir = generate(*flags)
    network = project_dir / "modules" / "network"
    contract = {
        match[1]
        for line in (network / "outputs.tf").read_text().splitlines()
        if (match := CONTRACT_LINE.match(line))
    }
    assert len(contract) == 9, contract
    defined = set(load_project(project_dir).network.locals)
    assert contract <= defined, sorted(contract - defined)
    # The shared files read the topology only through the contract (and their own locals).
    shared_own = {"endpoint_subnet_ids"}
    for name in ("outputs.tf", "endpoints.tf"):
        read = set(re.findall(r"\blocal\.([a-z_0-9]+)", (network / name).read_text()))
        assert read <= contract | shared_own, (name, sorted(read - contract - shared_own))
