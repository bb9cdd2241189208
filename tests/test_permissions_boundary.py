"""`permissions-boundary.json`: each role of the project gets the part it needs, and no
role the part of another.

One boundary policy (NAME-boundary) is set on every role the project creates; each of
its statements names the role it is for in an `aws:PrincipalArn` condition (the role's
ARN, path included, in every request its sessions make: IAM User Guide, "AWS global
condition context keys"). Held here by evaluating the document for each role's ARN,
with what the role's own policies in the generated Terraform grant, and against AWS's
IAM data (actions, resource types, condition keys) as tests/test_deployer_policy.py
holds the deployer policy.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from hcl_reader import load_project
from test_deployer_policy import arn_matches, expand, iam_data, key_applies

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROLES = {
    "lambda": f"arn:aws:iam::{ACCOUNT}:role/vpc-lambda-new/demo/demo-lambda-{REGION}",
    "flowlogs": f"arn:aws:iam::{ACCOUNT}:role/vpc-lambda-new/demo/demo-flowlogs-{REGION}",
}
# Where each role writes: a stream of its own log group.
OWN_STREAM = {
    "lambda": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/demo:log-stream:2026/01/01/x",
    "flowlogs": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vpc-flow-logs/demo:log-stream:eni-1-all",
}
# The policy documents (data sources) that make up each role's grants, by module.
ROLE_POLICIES = {
    "lambda": ("function", ("network_interfaces", "logging", "tracing")),
    "flowlogs": ("network", ("flow_logs",)),
}
VARIANTS = {
    "private-flow-logs": ("--flow-logs", "--region", REGION),
    "nat-managed": ("--topology", "private-nat", "--iam", "managed", "--region", REGION),
    "existing": (
        "--topology", "existing", "--vpc-id", "vpc-0123456789abcdef0",
        "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1", "--region", REGION,
    ),
}  # fmt: skip


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allows(boundary: dict[str, Any], principal: str, action: str, resource: str) -> bool:
    """Whether the boundary admits the action on the resource for the principal.

    Only the condition the project's boundary uses is understood (ArnLike on
    aws:PrincipalArn); any other fails the test rather than being read as true.
    """
    for statement in as_list(boundary["Statement"]):
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatchcase(action.lower(), a.lower()) for a in as_list(statement["Action"])):
            continue
        if not any(fnmatchcase(resource, r) for r in as_list(statement["Resource"])):
            continue
        condition = statement.get("Condition", {})
        assert set(condition) <= {"ArnLike"} and set(condition.get("ArnLike", {})) <= {"aws:PrincipalArn"}, condition
        patterns = as_list(condition.get("ArnLike", {}).get("aws:PrincipalArn", "*"))
        if any(fnmatchcase(principal, pattern) for pattern in patterns):
            return True
    return False


def resource_matches(resource: str, template: str) -> bool:
    """Whether some ARN of AWS's format matches the Resource, whose trailing wildcard may
    stand for more than one field: `log-group:NAME:*` covers `log-group:NAME:log-stream:S`,
    the stream ARNs CreateLogStream and PutLogEvents are authorized on."""
    if arn_matches(resource, template):
        return True
    if not resource.endswith("*"):
        return False
    tails = [part.strip(":") for part in re.split(r"\$\{[^}]+\}", template.split(":", 5)[-1])]
    return any(arn_matches(resource[:-1] + tail + ":x", template) for tail in tails if tail)


def role_grants(project_dir: Path, role: str) -> list[tuple[str, str]]:
    """(action, a resource it is granted on) for every action the role's own policies grant."""
    project = load_project(project_dir)
    module_name, documents = ROLE_POLICIES[role]
    module = getattr(project, module_name)
    grants = []
    for document in documents:
        if not module.has(f"data.aws_iam_policy_document.{document}"):
            continue
        for statement in module.data("aws_iam_policy_document", document).nested("statement"):
            resource = "*" if statement["resources"] == ["*"] else OWN_STREAM[role]
            grants += [(action, resource) for action in statement["actions"]]
    return grants


@pytest.fixture
def project(generate: Generate, request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    project_dir = generate(*VARIANTS[request.param])
    return project_dir, json.loads((project_dir / "permissions-boundary.json").read_text())


@pytest.mark.parametrize("project", VARIANTS, indirect=True)
def test_each_role_gets_what_its_policies_grant_and_no_other_role_does(project: tuple[Path, dict[str, Any]]) -> None:
    project_dir, boundary = project
    # A new VPC has a flow log role (created when enable_flow_logs is on); an existing one none.
    roles = ["lambda"] + (["flowlogs"] if load_project(project_dir).network.resources("aws_flow_log") else [])
    for role in roles:
        grants = role_grants(project_dir, role)
        assert grants, role
        for action, resource in grants:
            assert allows(boundary, ROLES[role], action, resource), f"{role}: {action} on {resource}"
            for other in (name for name in ROLES if name != role):
                assert not allows(boundary, ROLES[other], action, resource), f"{other} may {action} on {resource}"
    # Another project's roles, even one whose name begins with this one's, get nothing.
    stranger = f"arn:aws:iam::{ACCOUNT}:role/vpc-lambda-new/demo2/demo2-lambda-{REGION}"
    assert not any(
        allows(boundary, stranger, action, "*") or allows(boundary, stranger, action, OWN_STREAM["lambda"])
        for statement in boundary["Statement"]
        for action in as_list(statement["Action"])
    )


@pytest.mark.parametrize("project", ["private-flow-logs"], indirect=True)
def test_the_execution_role_cannot_write_to_the_flow_log_group(project: tuple[Path, dict[str, Any]]) -> None:
    _, boundary = project
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        assert allows(boundary, ROLES["flowlogs"], action, OWN_STREAM["flowlogs"])
        assert not allows(boundary, ROLES["lambda"], action, OWN_STREAM["flowlogs"])
    assert not allows(boundary, ROLES["flowlogs"], "ec2:CreateNetworkInterface", "*")


@pytest.mark.parametrize("project", VARIANTS, indirect=True)
def test_every_action_resource_and_condition_key_is_aws_s(project: tuple[Path, dict[str, Any]]) -> None:
    _, boundary = project
    data = iam_data()
    problems = []
    for statement in as_list(boundary["Statement"]):
        keys = [key for operator in statement.get("Condition", {}).values() for key in operator]
        for pattern in as_list(statement["Action"]):
            expanded = expand(pattern)
            if not expanded:
                problems.append(f"{statement['Sid']}: {pattern} is no IAM action")
            for service, action, record in expanded:
                problems += [
                    f"{statement['Sid']}: condition key {key} does not apply to {service}:{action}"
                    for key in keys
                    if not key_applies(key, record)
                ]
                formats = [
                    data.resources.get_resource_type_details(service, t["name"])["arn"]
                    for t in record.get("resourceTypes", [])
                    if data.resources.resource_type_exists(service, t["name"])
                ]
                for resource in as_list(statement["Resource"]):
                    if resource != "*" and not any(resource_matches(resource, f) for f in formats):
                        problems.append(f"{statement['Sid']}: {resource} is no resource of {service}:{action}")
    assert not problems, "\n".join(problems)
