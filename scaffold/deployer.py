"""The IAM policies around a generated project.

`deployer-policy.json`: what a person or pipeline needs to apply and destroy the
project, built from the resource and data source types the rendered Terraform
declares, so it cannot drift from the templates. It cannot escalate: roles can
be passed only to the service that uses them, and created or changed only with
the project's permissions boundary (`NAME-boundary`) attached.

`permissions-boundary.json`: that boundary, the most any role of the project may
ever do, each role only its own part (its statements name their role in an
aws:PrincipalArn condition). An administrator creates it once as the policy NAME-boundary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from scaffold.deployer_actions import ACTIONS_BY_TYPE

# Every tagged EC2 resource needs these, and the provider identifies its caller.
ALWAYS = ("ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags", "sts:GetCallerIdentity")

# Which role each type passes, and to which service (iam:PassedToService).
ROLE_PASSED_BY_TYPE = {
    "aws_lambda_function": ("lambda", "lambda.amazonaws.com"),
    "aws_flow_log": ("flowlogs", "vpc-flow-logs.amazonaws.com"),
}
# The paths and names the templates give the roles ("/vpc-lambda-new/${var.name}/" and
# "${var.name}-lambda-${var.region}", ...): the path keeps another project's roles out,
# even one whose name begins with this one's.
ROLE_NAME_PATTERNS = {
    "lambda": "vpc-lambda-new/{name}/{name}-lambda-*",
    "flowlogs": "vpc-lambda-new/{name}/{name}-flowlogs-*",
}
# Writes that could widen a role: allowed only on roles bounded by NAME-boundary.
BOUNDED_IAM_ACTIONS = (
    "iam:CreateRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)
MANAGED_POLICY = "arn:{partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
BOUNDARY_POLICY = "arn:{partition}:iam::*:policy/{name}-boundary"

# Each role's own log group (the group, and its streams).
ROLE_LOG_GROUPS = {
    "lambda": (
        "arn:{partition}:logs:*:*:log-group:/aws/lambda/{name}",
        "arn:{partition}:logs:*:*:log-group:/aws/lambda/{name}:*",
    ),
    "flowlogs": (
        "arn:{partition}:logs:*:*:log-group:/aws/vpc-flow-logs/{name}",
        "arn:{partition}:logs:*:*:log-group:/aws/vpc-flow-logs/{name}:*",
    ),
}
# Where an action can be scoped to this project's own names, it is.
SCOPED_RESOURCES = {
    "logs": ROLE_LOG_GROUPS["lambda"] + ROLE_LOG_GROUPS["flowlogs"],
    "lambda": ("arn:{partition}:lambda:*:*:function:{name}",),
}  # fmt: skip
UNSCOPABLE_ACTIONS = ("logs:DescribeLogGroups",)

# EC2, scoped by the Project tag the provider puts on everything the project creates
# (default_tags): created only with it (aws:RequestTag, sent in the create call's
# TagSpecifications), tagged only while being created (ec2:CreateAction) or when already
# the project's, and changed or deleted only when it carries it (aws:ResourceTag).
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
EC2_CREATED_WITH_TAGS = (
    "ec2:AllocateAddress",
    "ec2:CreateEgressOnlyInternetGateway",
    "ec2:CreateFlowLogs",
    "ec2:CreateInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateVpc",
    "ec2:CreateVpcEndpoint",
)
# What else a create call is authorized on, besides what it creates: the request tag is
# the new resource's (the Service Authorization Reference lists aws:RequestTag for the
# created type only), so these are allowed by their own tag, or by the existing VPC.
EC2_CREATED_IN_THE_VPC = (
    "ec2:CreateEgressOnlyInternetGateway",
    "ec2:CreateFlowLogs",
    "ec2:CreateNatGateway",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateVpcEndpoint",
)
EC2_CREATED_ON = {
    "ec2:CreateVpcEndpoint": ("subnet", "security-group", "route-table"),
    "ec2:CreateNatGateway": ("subnet", "elastic-ip"),
}  # in a new VPC these are the project's, held by their tag
EC2_ON_OWN_RESOURCES = (
    "ec2:AssociateRouteTable",
    "ec2:AssociateSubnetCidrBlock",
    "ec2:AssociateVpcCidrBlock",
    "ec2:AttachInternetGateway",
    "ec2:CreateRoute",
    "ec2:DeleteEgressOnlyInternetGateway",
    "ec2:DeleteFlowLogs",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteTags",
    "ec2:DeleteVpc",
    "ec2:DeleteVpcEndpoints",
    "ec2:DetachInternetGateway",
    "ec2:DisassociateRouteTable",
    "ec2:DisassociateSubnetCidrBlock",
    "ec2:DisassociateVpcCidrBlock",
    "ec2:ModifySubnetAttribute",
    "ec2:ModifyVpcAttribute",
    "ec2:ReleaseAddress",
    "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation",
)
# Still account-wide, each for its reason (the generated README says so):
# - the security-group rule calls and ModifyVpcEndpoint: the VPC's default security group
#   is adopted before it carries the tag, and an endpoint in an existing VPC names the
#   owners' route tables and subnets, which do not carry it;
# - detaching and deleting network interfaces: Lambda creates them, untagged;
# - DisassociateAddress: AWS authorizes it on the interface the address is on too (a NAT
#   gateway's, which AWS creates untagged).
# In `existing` the VPC is known, so these are held to it (ec2:Vpc).
EC2_IN_THE_VPC = (
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:DeleteNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:ModifyVpcEndpoint",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
)
# Lambda: a function created or reconfigured only in the project's VPC, where it is known.
LAMBDA_VPC_ACTIONS = ("lambda:CreateFunction", "lambda:UpdateFunctionConfiguration")

# A top-level resource or data block as `terraform fmt` writes it.
DECLARATION = re.compile(
    r'^(?P<kind>resource|data) "(?P<type>[a-z0-9_]+)" "(?P<name>[A-Za-z0-9_-]+)"', re.MULTILINE
)

Statement = dict[str, object]


def declared_types(terraform_files: Iterable[Path]) -> set[str]:
    """Resource types, and data source types prefixed with "data.", declared in the files."""
    found: set[str] = set()
    for path in terraform_files:
        for block in DECLARATION.finditer(path.read_text(encoding="utf-8")):
            kind, type_name = block["kind"], block["type"]
            found.add(type_name if kind == "resource" else f"data.{type_name}")
    return found


def role_arns(roles: Iterable[str], name: str, partition: str) -> list[str]:
    return [
        f"arn:{partition}:iam::*:role/" + ROLE_NAME_PATTERNS[role].format(name=name)
        for role in sorted(roles)
    ]


# AWS associates an interface endpoint's private hosted zone with the VPC as the caller:
# needed only where an endpoint has private DNS on.
PRIVATE_DNS_ACTIONS = ("route53:AssociateVPCWithHostedZone",)


def deployer_policy(
    types: Iterable[str],
    name: str,
    partition: str,
    vpc_id: str | None = None,
    private_dns: bool = False,
) -> dict[str, object]:
    """The deployer's policy for a project of these resource types; `vpc_id` is the VPC of
    topology existing (None: the project creates its VPC, whose ID is not known yet), and
    `private_dns` whether an interface endpoint has private DNS on."""
    types = sorted(types)
    actions: set[str] = set(ALWAYS)
    for type_name in types:
        if type_name not in ACTIONS_BY_TYPE:
            raise KeyError(
                f"no deployer actions known for {type_name}; add them to ACTIONS_BY_TYPE"
            )
        actions.update(ACTIONS_BY_TYPE[type_name])
    if private_dns:
        actions.update(PRIVATE_DNS_ACTIONS)
    passed = {
        type_name: ROLE_PASSED_BY_TYPE[type_name]
        for type_name in types
        if type_name in ROLE_PASSED_BY_TYPE
    }
    statements: list[Statement] = []
    for service in sorted({action.split(":")[0] for action in actions}):
        service_actions = sorted(action for action in actions if action.startswith(service + ":"))
        if service == "iam":
            roles = {role for role, _ in passed.values()}
            statements += iam_statements(service_actions, roles, name, partition)
            continue
        if service == "ec2":
            adopts = "aws_default_security_group" in types
            statements += ec2_statements(service_actions, name, partition, vpc_id, adopts)
            continue
        patterns = SCOPED_RESOURCES.get(service)
        scoped = [a for a in service_actions if patterns and a not in UNSCOPABLE_ACTIONS]
        unscoped = [a for a in service_actions if a not in scoped]
        if scoped and patterns:
            in_vpc = [a for a in scoped if a in LAMBDA_VPC_ACTIONS and vpc_id]
            own = [pattern.format(name=name, partition=partition) for pattern in patterns]
            if in_vpc:
                # Absent when a call does not configure the VPC (a memory change): IfExists.
                statements.append(
                    statement(
                        f"{service.capitalize()}OwnResourcesInTheVpc",
                        in_vpc,
                        own,
                        {"StringEqualsIfExists": {"lambda:VpcIds": vpc_id}},
                    )
                )
            rest = [a for a in scoped if a not in in_vpc]
            statements.append(statement(f"{service.capitalize()}OwnResources", rest, own))
        if unscoped:
            # EC2 creates ids at apply time and Describe/List calls take no resource.
            statements.append(statement(f"{service.capitalize()}Any", unscoped, "*"))
    for type_name, (role, service_principal) in passed.items():
        statements.append(
            statement(
                f"Pass{role.capitalize()}RoleTo{service_principal.split('.')[0].title().replace('-', '')}",
                ["iam:PassRole"],
                role_arns([role], name, partition),
                {"StringEquals": {"iam:PassedToService": service_principal}},
            )
        )
    return {"Version": "2012-10-17", "Statement": statements}


def ec2_statements(
    actions: list[str], name: str, partition: str, vpc_id: str | None, adopts_default_group: bool
) -> list[Statement]:
    """EC2 by the Project tag where AWS allows it, by the VPC where it is known.

    A new VPC's default security group is adopted (aws_default_security_group): AWS
    created it untagged, and the provider tags it outside any create call. Tagging
    security groups is then granted on every group, so the tag cannot hold a group to the
    project: deleting one is account-wide too.
    """
    project = {"aws:ResourceTag/Project": name}
    created = [a for a in actions if a in EC2_CREATED_WITH_TAGS]
    tag_held = [a for a in EC2_ON_OWN_RESOURCES if not (adopts_default_group and a == "ec2:DeleteSecurityGroup")]
    own = [a for a in actions if a in tag_held]
    if not vpc_id:
        # A new VPC: what a create call names besides what it creates (the VPC, subnets,
        # Elastic IPs, route tables, security groups) is the project's, tagged.
        context = (*EC2_CREATED_IN_THE_VPC, *EC2_CREATED_ON)
        own += [a for a in created if a in context]
    in_vpc = [a for a in actions if a in EC2_IN_THE_VPC and vpc_id]
    rest = [
        a
        for a in actions
        if a not in created and a not in own and a not in in_vpc and a != "ec2:CreateTags"
    ]
    found: list[Statement] = []
    if created:
        found.append(
            statement(
                "Ec2CreateOnlyTagged",
                created,
                "*",
                {"StringEquals": {"aws:RequestTag/Project": name}},
            )
        )
        if vpc_id:
            found += ec2_create_context(created, partition, vpc_id)
    if "ec2:CreateTags" in actions:
        if created:
            found.append(
                statement(
                    "Ec2TagWhileCreating",
                    ["ec2:CreateTags"],
                    "*",
                    # The API action's name without its prefix, as EC2 gives it.
                    {"StringEquals": {"ec2:CreateAction": [a.split(":")[1] for a in created]}},
                )
            )
        own = sorted({*own, "ec2:CreateTags"})
    if own:
        found.append(statement("Ec2ChangeProjectTagged", own, "*", {"StringEquals": project}))
    if adopts_default_group and "ec2:CreateTags" in actions:
        groups = f"arn:{partition}:ec2:*:*:security-group/*"
        found.append(statement("Ec2TagAdoptedDefaultGroup", ["ec2:CreateTags"], [groups]))
    if in_vpc:
        vpc = f"arn:{partition}:ec2:*:*:vpc/{vpc_id}"
        # IfExists: some resources of these calls (a rule, an endpoint, an instance) carry
        # no ec2:Vpc key; the groups, subnets and interfaces that do must be in the VPC.
        found.append(
            statement("Ec2InTheVpc", in_vpc, "*", {"ArnEqualsIfExists": {"ec2:Vpc": vpc}})
        )
    if rest:
        # Describe calls take no resource; see EC2_IN_THE_VPC for the others.
        found.append(statement("Ec2Any", rest, "*"))
    return found


def ec2_create_context(created: list[str], partition: str, vpc_id: str) -> list[Statement]:
    """In topology existing, the existing resources a create call names: the VPC, and an
    endpoint's subnets, security groups and route tables (which carry no ec2:Vpc key for
    CreateVpcEndpoint; the call names the VPC too, held above)."""
    arn = f"arn:{partition}:ec2:*:*:{{}}"
    found: list[Statement] = []
    in_vpc = [a for a in created if a in EC2_CREATED_IN_THE_VPC]
    if in_vpc:
        found.append(statement("Ec2CreateInTheVpc", in_vpc, [arn.format(f"vpc/{vpc_id}")]))
    if "ec2:CreateVpcEndpoint" in created:
        types = EC2_CREATED_ON["ec2:CreateVpcEndpoint"]
        found.append(
            statement(
                "Ec2CreateVpcEndpointOnItsNetwork",
                ["ec2:CreateVpcEndpoint"],
                [arn.format(f"{t}/*") for t in types],
            )
        )
    return found


def iam_statements(
    actions: list[str], roles: set[str], name: str, partition: str
) -> list[Statement]:
    """Roles of this project only; every write that could widen one needs the boundary."""
    own_roles = role_arns(roles, name, partition)
    boundary = BOUNDARY_POLICY.format(name=name, partition=partition)
    bounded: dict[str, object] = {"StringLike": {"iam:PermissionsBoundary": boundary}}
    found: list[Statement] = []
    writes = [action for action in actions if action in BOUNDED_IAM_ACTIONS]
    if writes:
        found.append(statement("IamWidenOnlyBoundedRoles", writes, own_roles, bounded))
    if "iam:AttachRolePolicy" in actions:
        found.append(
            statement(
                "IamAttachOnlyTheVpcAccessPolicy",
                ["iam:AttachRolePolicy"],
                own_roles,
                {
                    **bounded,
                    "ArnEquals": {"iam:PolicyARN": MANAGED_POLICY.format(partition=partition)},
                },
            )
        )
    rest = [a for a in actions if a not in BOUNDED_IAM_ACTIONS and a != "iam:AttachRolePolicy"]
    if rest:
        found.append(statement("IamOwnRoles", rest, own_roles))
    return found


def statement(
    sid: str,
    actions: list[str],
    resources: list[str] | str,
    condition: dict[str, object] | None = None,
) -> Statement:
    found: Statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        found["Condition"] = condition
    return found


def permissions_boundary(types: Iterable[str], name: str, partition: str) -> dict[str, object]:
    """The most any role of the project may do: what its own policies grant.

    One document for every role of the project, each statement for one role only: it
    applies when the caller is that role (aws:PrincipalArn, the role's ARN with its
    path, in every request a role's session makes), so the execution role cannot write
    to the flow log group, nor the flow log role create network interfaces.
    """
    roles = {role for type_name, (role, _) in ROLE_PASSED_BY_TYPE.items() if type_name in types}
    found: list[Statement] = []
    for role in sorted(roles):
        own_role: dict[str, object] = {
            "ArnLike": {"aws:PrincipalArn": role_arns([role], name, partition)[0]}
        }
        log_groups = [
            pattern.format(name=name, partition=partition) for pattern in ROLE_LOG_GROUPS[role]
        ]
        found += [
            statement(sid, actions, resources, own_role)
            for sid, actions, resources in ROLE_BOUNDARIES[role](log_groups)
        ]
    return {"Version": "2012-10-17", "Statement": found}


def lambda_boundary(log_groups: list[str]) -> list[tuple[str, list[str], list[str] | str]]:
    return [
        # The Lambda guide's six network-interface actions, which
        # AWSLambdaVPCAccessExecutionRole (--iam managed) grants too.
        (
            "LambdaNetworkInterfaces",
            [
                "ec2:AssignPrivateIpAddresses",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "*",
        ),
        ("LambdaWritesOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], streams(log_groups)),
        ("LambdaWritesTraces", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*"),
    ]


def flow_logs_boundary(log_groups: list[str]) -> list[tuple[str, list[str], list[str] | str]]:
    # The VPC guide's minimum for flow logs to CloudWatch Logs, on their own group;
    # DescribeLogGroups takes no resource.
    return [
        (
            "FlowLogsWriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            streams(log_groups),
        ),
        ("FlowLogsReadOwnStreams", ["logs:DescribeLogStreams"], log_groups),
        ("FlowLogsFindLogGroups", ["logs:DescribeLogGroups"], "*"),
    ]


def streams(log_groups: list[str]) -> list[str]:
    """The log streams of the groups: what CreateLogStream and PutLogEvents act on."""
    return [group for group in log_groups if group.endswith(":*")]


ROLE_BOUNDARIES = {"lambda": lambda_boundary, "flowlogs": flow_logs_boundary}


def partition_of(region: str) -> str:
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


# Folders of a project that are not its configuration: bootstrap/ is a root module of its
# own that an administrator applies (with more than this policy), the others are copies.
NOT_THE_CONFIGURATION = frozenset({"bootstrap", ".terraform", ".local-try"})


def configuration_files(project_dir: Path) -> list[Path]:
    """The .tf files of the project's configuration: the root module and its modules."""
    return [
        path
        for path in sorted(project_dir.rglob("*.tf"))
        if not NOT_THE_CONFIGURATION & set(path.relative_to(project_dir).parts[:-1])
    ]


def render_policies(
    project_dir: Path, name: str, region: str, vpc_id: str | None = None, private_dns: bool = False
) -> dict[str, str]:
    """deployer-policy.json and permissions-boundary.json for the rendered project."""
    types = declared_types(configuration_files(project_dir))
    partition = partition_of(region)
    policy = deployer_policy(types, name, partition, vpc_id, private_dns)
    return {
        "deployer-policy.json": json.dumps(policy, indent=2)
        + "\n",
        "permissions-boundary.json": json.dumps(
            permissions_boundary(types, name, partition), indent=2
        )
        + "\n",
    }
