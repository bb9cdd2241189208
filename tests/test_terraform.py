"""The real Terraform CLI on generated projects: fmt, init, validate, and a plan against the emulator.

Every project here is generated through the real CLI; the provider comes from the
machine's local mirror (see fixtures_terraform.py), never from the network.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from fixtures_terraform import (
    AwsEmulator,
    BindTerraform,
    Terraform,
    TerraformToolchain,
    project_answers,
    tail,
)
from project_expectations import expected_public_subnets
from test_structure import MATRIX as STRUCTURE_MATRIX
from test_structure import flags_for

from scaffold.answers import Answers
from scaffold.cli import main

pytestmark = pytest.mark.terraform


def structure_matrix() -> dict[str, tuple[str, ...]]:
    """The structure tests' matrix (test_structure.MATRIX), as flags by the same test ids."""
    configs = {}
    for layout, iam, runtime, endpoints in STRUCTURE_MATRIX:
        azs = 3 if layout[-1] == "per-az" else 2
        config = "-".join([*layout, iam, runtime, str(endpoints.count(",") + 1)])
        configs[config] = tuple(flags_for(layout, iam, runtime, endpoints, azs))
    return configs


# Options the structure matrix leaves at their defaults but that change the Terraform.
EXTRA: dict[str, tuple[str, ...]] = {
    "private-no-endpoints-x86": (
        "--endpoints", "", "--architecture", "x86_64", "--memory", "1024", "--timeout", "900",
    ),
    "private-flow-logs-tags": ("--flow-logs", "--tags", "Team=payments,CostCenter=42"),
    "nat-single-eu-west-1-3az": (
        "--topology", "private-nat", "--region", "eu-west-1", "--azs", "3", "--endpoints", "s3",
    ),
    "nat-per-az-6az-small-vpc": (
        "--topology", "private-nat", "--nat", "per-az", "--azs", "6", "--vpc-cidr", "10.20.0.0/20",
    ),
    "private-defaults-nat-less": (),
    "private-ipv6-sts": ("--ipv6", "--endpoints", "s3,sts"),
    "private-zone-ids-sts": ("--zones", "use1-az4,use1-az1", "--endpoints", "s3,sts"),
    "nat-per-az-ipv6-3az": ("--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--ipv6"),
    "nat-single-ipv6-flow-logs-node": (
        "--topology", "private-nat", "--ipv6", "--flow-logs", "--runtime", "nodejs22.x",
    ),
    "nat-instance-per-az-ipv6": ("--topology", "private-nat", "--nat", "instance-per-az", "--ipv6"),
    "nat-instance-x86": ("--topology", "private-nat", "--nat", "instance", "--nat-instance-type", "t3.nano"),
}  # fmt: skip

MATRIX = {**structure_matrix(), **EXTRA}


def expected_resource_counts(answers: Answers) -> dict[str, int]:
    """How many resources of each type a fresh apply creates, from the answers alone."""
    nat = expected_public_subnets(answers)  # 0 for private, 1 for single, one per AZ for per-az
    gateways, instances = answers.nat_gateway_count, answers.nat_instance_count
    with_nat = answers.topology == "private-nat"
    flow_logs = 1 if answers.flow_logs else 0
    # IPv6 out of a private-nat VPC: ::/0 to the egress-only gateway from each private
    # table, and to the internet gateway from the public one.
    ipv6_out = 1 if answers.ipv6 and with_nat else 0
    return {
        "aws_vpc": 1,
        "aws_default_security_group": 1,
        "aws_subnet": answers.azs + nat,
        # private: one table, no routes; private-nat: one private table per NAT, one public.
        "aws_route_table": nat + 1 if with_nat else 1,
        "aws_route_table_association": answers.azs + nat,
        # 0.0.0.0/0 through each NAT gateway, and through the internet gateway.
        "aws_route": (nat + 1) * (1 + ipv6_out) if with_nat else 0,
        "aws_internet_gateway": 1 if with_nat else 0,
        "aws_egress_only_internet_gateway": ipv6_out,
        "aws_eip": gateways,
        "aws_nat_gateway": gateways,
        # NAT instances: the interface the routes point at, and the group of one that keeps
        # an instance on it, launched from its template; one role and profile for all.
        "aws_network_interface": instances,
        "aws_launch_template": instances,
        "aws_autoscaling_group": instances,
        "aws_iam_instance_profile": 1 if instances else 0,
        "aws_vpc_endpoint": len(answers.endpoints),
        # The function's own group, the one it moves to on destroy, and the endpoints' group.
        "aws_security_group": (3 if answers.interface_endpoints else 2) + (1 if instances else 0),
        # The anchors that order the subnets, and the function with its groups, before the
        # role's network-interface permissions.
        "terraform_data": 2,
        "aws_flow_log": flow_logs,
        # The function's role and log group, and the flow logs' own.
        "aws_iam_role": 1 + flow_logs + (1 if instances else 0),
        "aws_cloudwatch_log_group": 1 + flow_logs,
        "aws_lambda_function": 1,
    }


def planned_changes(stream: str) -> list[dict[str, Any]]:
    """The managed-resource changes of a `terraform plan -json` stream (data reads left out)."""
    messages = [json.loads(line) for line in stream.splitlines() if line.startswith("{")]
    return [
        message["change"]
        for message in messages
        if message.get("type") == "planned_change"
        and not message["change"]["resource"]["resource"].startswith("data.")
    ]


InitialisedProject = Callable[[str], Path]


@pytest.fixture(scope="session")
def initialised_project(
    tmp_path_factory: pytest.TempPathFactory, terraform_toolchain: TerraformToolchain
) -> InitialisedProject:
    """initialised_project(matrix_id) -> a generated project after `terraform init`, once per worker."""
    done: dict[str, Path] = {}

    def get(config: str) -> Path:
        if config not in done:
            output = tmp_path_factory.mktemp("tf-project")
            name = f"tf{list(MATRIX).index(config)}"
            code = main(
                ["--no-input", "--name", name, "--output-dir", str(output), *MATRIX[config]]
            )
            assert code == 0, f"vpc-lambda-new {' '.join(MATRIX[config])} exited {code}"
            Terraform(terraform_toolchain, output / name).init()
            done[config] = output / name
        return done[config]

    return get


@pytest.mark.parametrize("config", MATRIX)
def test_fmt_clean_as_rendered(
    config: str, initialised_project: InitialisedProject, terraform: BindTerraform
) -> None:
    project = initialised_project(config)  # the plan test's project: rendered once per worker
    result = terraform(project).run(
        "fmt", "-check", "-recursive", "-diff", "-no-color", ok_codes=(0, 3)
    )
    assert result.returncode == 0, f"terraform fmt would rewrite generated files:\n{result.stdout}"


def diagnostics(stream: str) -> list[str]:
    """The errors and warnings of a `terraform plan -json` stream, one line each."""
    messages = [json.loads(line) for line in stream.splitlines() if line.startswith("{")]
    return [
        f"{item['severity']}: {item['summary']}: {item.get('detail', '')}"
        for item in (message["diagnostic"] for message in messages if message.get("type") == "diagnostic")
    ]


@pytest.mark.emulator
@pytest.mark.parametrize("config", MATRIX)
def test_init_validate_and_plan_against_emulator(
    config: str,
    initialised_project: InitialisedProject,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
) -> None:
    """init, validate and a plan on empty state, in one Terraform run after init.

    `terraform plan` validates the configuration first, by the same walk as `terraform
    validate` (variables unknown), and reports its errors and warnings in the stream as
    diagnostics: one run proves both, at the cost of one load of the provider's schema.
    """
    project = initialised_project(config)
    lock = (project / ".terraform.lock.hcl").read_text(encoding="utf-8")
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    answers = project_answers(project)
    runner = terraform(project, aws_emulator, answers.region)
    # The machine-readable stream names each change's type: no `terraform show` needed.
    stream = runner.run("plan", "-json", "-input=false", "-out=tfplan", ok_codes=(0, 1))
    problems = diagnostics(stream.stdout)
    assert stream.returncode == 0 and not problems, "terraform validate and plan:\n" + "\n".join(problems)
    changes = planned_changes(stream.stdout)

    not_created = [
        f"{c['resource']['addr']}: {c['action']}" for c in changes if c["action"] != "create"
    ]
    assert not not_created, "a plan on empty state must only create:\n" + "\n".join(not_created)

    planned = Counter(change["resource"]["resource_type"] for change in changes)
    expected = expected_resource_counts(answers)
    wrong = [
        f"{kind}: expected {count}, planned {planned[kind]}"
        for kind, count in expected.items()
        if planned[kind] != count
    ]
    assert not wrong, (
        f"resource counts for {config} ({answers.topology}, nat={answers.nat}):\n"
        + "\n".join(wrong)
    )



    if config in PROBE_CASES:
        # The handler's STS probe runs only where the subnets have a path to STS.
        plan = json.loads(runner.run("show", "-json", "tfplan").stdout)
        resources = planned_resources(plan["planned_values"]["root_module"])
        (function,) = [r for r in resources if r["type"] == "aws_lambda_function"]
        variables = function["values"]["environment"][0]["variables"]
        assert answers.topology == PROBE_CASES[config][0]
        assert variables["AWS_API_PROBE"] == PROBE_CASES[config][1]
        assert variables["AWS_STS_REGIONAL_ENDPOINTS"] == "regional"


# The function's own settings that tests/guide.tftest.hcl asserts nothing about.
FUNCTION_ONLY_FLAGS = ("--runtime", "--architecture", "--memory", "--timeout")


def own_tests_matrix() -> list[str]:
    """MATRIX, one variant of those that differ only in FUNCTION_ONLY_FLAGS: the project's
    own tests run the same assertions on the same network and role for them."""
    kept: dict[tuple[str, ...], str] = {}
    for config, flags in MATRIX.items():
        rest = [
            flag
            for index, flag in enumerate(flags)
            if flag not in FUNCTION_ONLY_FLAGS
            and (index == 0 or flags[index - 1] not in FUNCTION_ONLY_FLAGS)
        ]
        kept.setdefault(tuple(rest), config)
    return list(kept.values())


@pytest.mark.emulator
@pytest.mark.parametrize("config", own_tests_matrix())
def test_the_project_s_own_terraform_tests_pass(
    config: str,
    initialised_project: InitialisedProject,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
) -> None:
    """tests/guide.tftest.hcl, as `make test` runs it, with a mocked provider. The runner
    is the plan test's (the emulator's address, never called), so the provider process the
    suite keeps for that project serves both; test_repository runs it with no emulator."""
    project = initialised_project(config)
    assert_own_tests_pass(terraform(project, aws_emulator, project_answers(project).region))


def assert_own_tests_pass(runner: Terraform) -> None:
    """`terraform test` in the runner's project: its three runs pass."""
    result = runner.run("test", "-no-color", ok_codes=(0, 1))
    assert result.returncode == 0 and " 3 passed, 0 failed." in result.stdout, tail(result.stdout + result.stderr)


CONNECT_EVERY_KIND = (
    "rds:db1,rds-proxy:proxy1,elasticache:cache1,"
    "secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
)
# Topology existing, offline: the IDs need not exist, the mock stands in for the network.
EXISTING_OFFLINE = {
    "three-subnets-two-route-tables": (
        "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1,subnet-0123456789abcdef2",
        "--route-table-ids", "rtb-0123456789abcdef0,rtb-0123456789abcdef1", "--endpoints", "s3,sts,logs",
    ),
    "ipv6-own-groups-no-route-tables": (
        "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1", "--ipv6",
        "--security-group-ids", "sg-0123456789abcdef0", "--endpoints", "sts", "--iam", "managed",
    ),
    # Every kind of connect target, the function on groups of the user's: the lookups
    # mocked, the rules planned on both sides.
    "connect-every-kind-own-groups": (
        "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "--security-group-ids", "sg-0123456789abcdef1", "--endpoints", "secretsmanager", "--connect",
        f"{CONNECT_EVERY_KIND},sg-0123456789abcdef0:6379,10.20.0.0/16:443,2001:db8::/32:443",
    ),
}  # fmt: skip


@pytest.mark.parametrize("variant", EXISTING_OFFLINE)
def test_the_project_s_own_terraform_tests_pass_on_existing_networks_offline(
    variant: str, generate: Generate, terraform: BindTerraform
) -> None:
    project = generate(
        "--topology", "existing", "--vpc-id", "vpc-0123456789abcdef0", *EXISTING_OFFLINE[variant]
    )
    runner = terraform(project)
    runner.init()
    assert_own_tests_pass(runner)


@pytest.mark.parametrize("topology", ["private", "private-nat"])
def test_the_project_s_own_terraform_tests_pass_with_every_kind_of_connect_target_offline(
    topology: str, generate: Generate, terraform: BindTerraform
) -> None:
    # Once the VPC exists, its targets are added by an update (a new VPC holds none).
    project = generate("--topology", topology, "--endpoints", "s3,dynamodb,secretsmanager")
    assert main(["update", str(project), "--connect", CONNECT_EVERY_KIND, "--no-connect-ingress", "--no-input"]) == 0
    runner = terraform(project)
    runner.init()
    assert_own_tests_pass(runner)


def planned_resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource of a `terraform show -json` planned_values module, child modules included."""
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += planned_resources(child)
    return found


# The handler's STS probe runs only where the subnets have a path to STS.
PROBE_CASES = {
    "private-defaults-nat-less": ("private", "off"),
    "private-no-endpoints-x86": ("private", "off"),
    "private-ipv6-sts": ("private", "sts"),  # the sts interface endpoint
    "nat-single-eu-west-1-3az": ("private-nat", "sts"),  # NAT
}


def test_every_probe_case_is_a_planned_variant() -> None:
    assert set(PROBE_CASES) <= set(MATRIX)
