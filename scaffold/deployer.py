"""The IAM policy a person or pipeline needs to apply and destroy a generated project.

Built from the resource and data source types the rendered Terraform actually
declares, so the policy cannot drift from the templates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

# What the provider calls for each type over create, read, update, tag and delete.
ACTIONS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "aws_vpc": (
        "ec2:CreateVpc",
        "ec2:DeleteVpc",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcAttribute",
        "ec2:ModifyVpcAttribute",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
    ),
    "aws_default_security_group": (
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
    ),
    "aws_subnet": (
        "ec2:CreateSubnet",
        "ec2:DeleteSubnet",
        "ec2:DescribeSubnets",
        "ec2:ModifySubnetAttribute",
        "ec2:DescribeNetworkInterfaces",
    ),
    "aws_route_table": ("ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables"),
    "aws_route_table_association": (
        "ec2:AssociateRouteTable",
        "ec2:DisassociateRouteTable",
        "ec2:DescribeRouteTables",
    ),
    "aws_route": ("ec2:CreateRoute", "ec2:DeleteRoute", "ec2:DescribeRouteTables"),
    "aws_internet_gateway": (
        "ec2:CreateInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:DescribeInternetGateways",
    ),
    "aws_eip": (
        "ec2:AllocateAddress",
        "ec2:ReleaseAddress",
        "ec2:DescribeAddresses",
        "ec2:DescribeAddressesAttribute",
        "ec2:DisassociateAddress",
    ),
    "aws_nat_gateway": ("ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:DescribeNatGateways"),
    "aws_vpc_endpoint": (
        "ec2:CreateVpcEndpoint",
        "ec2:DeleteVpcEndpoints",
        "ec2:DescribeVpcEndpoints",
        "ec2:ModifyVpcEndpoint",
        "ec2:DescribePrefixLists",
        "ec2:DescribeVpcEndpointServices",
    ),
    "aws_security_group": (
        "ec2:CreateSecurityGroup",
        "ec2:DeleteSecurityGroup",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:DescribeNetworkInterfaces",
    ),
    "aws_iam_role": (
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:PassRole",
    ),
    "aws_iam_role_policy": ("iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"),
    "aws_iam_role_policy_attachment": (
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:ListAttachedRolePolicies",
    ),
    "aws_cloudwatch_log_group": (
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:DescribeLogGroups",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:ListTagsForResource",
        "logs:TagResource",
        "logs:UntagResource",
    ),
    "aws_lambda_function": (
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:TagResource",
        "lambda:UntagResource",
        "lambda:ListTags",
        # The guide: Lambda checks the network with the caller's permissions.
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    ),
    "aws_flow_log": ("ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:DescribeFlowLogs"),
    "data.aws_availability_zones": ("ec2:DescribeAvailabilityZones",),
    "data.aws_vpc": ("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"),
    "data.aws_subnet": ("ec2:DescribeSubnets",),
    "data.aws_route_table": ("ec2:DescribeRouteTables",),
    "data.aws_route_tables": ("ec2:DescribeRouteTables",),
    "data.aws_region": (),
    "data.aws_partition": (),
    "data.aws_iam_policy_document": (),
}
# Every tagged EC2 resource needs these, and the provider identifies its caller.
ALWAYS = ("ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags", "sts:GetCallerIdentity")

# Where an action can be scoped to this project's own names, it is.
SCOPED_RESOURCES = {
    "iam": ("arn:{partition}:iam::*:role/{name}-*",),
    "logs": (
        "arn:{partition}:logs:*:*:log-group:/aws/lambda/{name}",
        "arn:{partition}:logs:*:*:log-group:/aws/lambda/{name}:*",
        "arn:{partition}:logs:*:*:log-group:/aws/vpc-flow-logs/{name}",
        "arn:{partition}:logs:*:*:log-group:/aws/vpc-flow-logs/{name}:*",
    ),
    "lambda": ("arn:{partition}:lambda:*:*:function:{name}",),
}  # fmt: skip
UNSCOPABLE_ACTIONS = ("logs:DescribeLogGroups",)

# A top-level resource or data block as `terraform fmt` writes it.
DECLARATION = re.compile(
    r'^(?P<kind>resource|data) "(?P<type>[a-z0-9_]+)" "(?P<name>[A-Za-z0-9_-]+)"', re.MULTILINE
)


def declared_types(terraform_files: Iterable[Path]) -> set[str]:
    """Resource types, and data source types prefixed with "data.", declared in the files."""
    found: set[str] = set()
    for path in terraform_files:
        for block in DECLARATION.finditer(path.read_text(encoding="utf-8")):
            kind, type_name = block["kind"], block["type"]
            found.add(type_name if kind == "resource" else f"data.{type_name}")
    return found


def deployer_policy(types: Iterable[str], name: str, partition: str) -> dict[str, object]:
    actions: set[str] = set(ALWAYS)
    for type_name in types:
        if type_name not in ACTIONS_BY_TYPE:
            raise KeyError(
                f"no deployer actions known for {type_name}; add them to ACTIONS_BY_TYPE"
            )
        actions.update(ACTIONS_BY_TYPE[type_name])
    statements = []
    for service in sorted({action.split(":")[0] for action in actions}):
        service_actions = sorted(action for action in actions if action.startswith(service + ":"))
        scoped = [action for action in service_actions if action not in UNSCOPABLE_ACTIONS]
        unscoped = [action for action in service_actions if action in UNSCOPABLE_ACTIONS]
        patterns = SCOPED_RESOURCES.get(service)
        if patterns is None:
            scoped, unscoped = [], service_actions
        if scoped:
            statements.append(
                {
                    "Sid": f"{service.capitalize()}OwnResources",
                    "Effect": "Allow",
                    "Action": scoped,
                    "Resource": [
                        pattern.format(name=name, partition=partition) for pattern in patterns or ()
                    ],
                }
            )
        if unscoped:
            # EC2 creates ids at apply time and Describe/List calls take no resource.
            statements.append(
                {
                    "Sid": f"{service.capitalize()}Any",
                    "Effect": "Allow",
                    "Action": unscoped,
                    "Resource": "*",
                }
            )
    return {"Version": "2012-10-17", "Statement": statements}


def partition_of(region: str) -> str:
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def render_deployer_policy(project_dir: Path, name: str, region: str) -> str:
    types = declared_types(sorted(project_dir.rglob("*.tf")))
    policy = deployer_policy(sorted(types), name, partition_of(region))
    return json.dumps(policy, indent=2) + "\n"
