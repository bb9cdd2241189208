"""The IAM policies around a generated project.

`deployer-policy.json`: what a person or pipeline needs to apply and destroy the
project, built from the resource and data source types the rendered Terraform
declares, so it cannot drift from the templates. It cannot escalate: roles can
be passed only to the service that uses them, and created or changed only with
the project's permissions boundary (`NAME-boundary`) attached.

`permissions-boundary.json` is `scaffold.boundary`'s; `scaffold.policy_files` writes both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from scaffold.answers.functions import aws_name
from scaffold.deployer_actions import ACTIONS_BY_TYPE

# Every tagged EC2 resource needs these, and the provider identifies its caller.
ALWAYS = ("ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags", "sts:GetCallerIdentity")

# Which role each type passes, and to which service (iam:PassedToService).
ROLE_PASSED_BY_TYPE = {
    "aws_lambda_function": ("lambda", "lambda.amazonaws.com"),
    "aws_flow_log": ("flowlogs", "vpc-flow-logs.amazonaws.com"),
    # The group's launch template names the NAT instances' profile: Auto Scaling checks
    # PassRole on its caller, as AddRoleToInstanceProfile does.
    "aws_autoscaling_group": ("nat", "ec2.amazonaws.com"),
}
# The paths and names the templates give the roles ("/vpc-lambda-new/${var.name}/" and
# "${var.name}-lambda-${var.region}", ...): the path keeps another project's roles out,
# even one whose name begins with this one's.
ROLE_NAME_PATTERNS = {
    "lambda": "vpc-lambda-new/{name}/{name}-lambda-*",
    "flowlogs": "vpc-lambda-new/{name}/{name}-flowlogs-*",
    "nat": "vpc-lambda-new/{name}/{name}-nat-*",
}
# The NAT instances' profile, named and pathed as their role.
INSTANCE_PROFILE_PATTERN = "arn:{partition}:iam::*:instance-profile/vpc-lambda-new/{name}/{name}-nat-*"
# Auto Scaling's service-linked role, created on an account's first group.
AUTOSCALING_SERVICE_LINKED_ROLE = (
    "arn:{partition}:iam::*:role/aws-service-role/autoscaling.amazonaws.com/"
    "AWSServiceRoleForAutoScaling"
)
# The path of every role of the project.
ROLE_PATH = "vpc-lambda-new/{name}/"
# Writes that could widen a role: allowed only on roles bounded by NAME-boundary.
BOUNDED_IAM_ACTIONS = (
    "iam:CreateRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)
MANAGED_POLICY = "arn:{partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
BOUNDARY_POLICY = "arn:{partition}:iam::*:policy/{name}-boundary"

# Each role's own log group (the group, and its streams); {function}: each function's.
ROLE_LOG_GROUPS = {
    "lambda": (
        "arn:{partition}:logs:*:*:log-group:/aws/lambda/{function}",
        "arn:{partition}:logs:*:*:log-group:/aws/lambda/{function}:*",
    ),
    "flowlogs": (
        "arn:{partition}:logs:*:*:log-group:/aws/vpc-flow-logs/{name}",
        "arn:{partition}:logs:*:*:log-group:/aws/vpc-flow-logs/{name}:*",
    ),
    "nat": (),
}
# Where an action can be scoped to this project's own names, it is.
SCOPED_RESOURCES = {
    "logs": ROLE_LOG_GROUPS["lambda"] + ROLE_LOG_GROUPS["flowlogs"],
    # Each function, and its versions and aliases (live).
    "lambda": (
        "arn:{partition}:lambda:*:*:function:{function}",
        "arn:{partition}:lambda:*:*:function:{function}:*",
    ),
    # The image of the NAT instances: AWS's public Amazon Linux parameters only.
    "ssm": ("arn:{partition}:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*",),
}  # fmt: skip
UNSCOPABLE_ACTIONS = ("logs:DescribeLogGroups",)
# Lambda actions whose only resources are a function's versions and aliases.
QUALIFIED_ACTIONS = (
    "lambda:DeleteProvisionedConcurrencyConfig",
    "lambda:GetProvisionedConcurrencyConfig",
    "lambda:PutProvisionedConcurrencyConfig",
)

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
    "ec2:CreateLaunchTemplate",
    "ec2:CreateNatGateway",
    "ec2:CreateNetworkInterface",
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
    "ec2:CreateNetworkInterface",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateVpcEndpoint",
)
EC2_CREATED_ON = {
    "ec2:CreateVpcEndpoint": ("subnet", "security-group", "route-table"),
    "ec2:CreateNatGateway": ("subnet", "elastic-ip"),
    "ec2:CreateNetworkInterface": ("subnet", "security-group"),
}  # in a new VPC these are the project's, held by their tag
EC2_ON_OWN_RESOURCES = (
    "ec2:AssociateRouteTable",
    "ec2:AssociateSubnetCidrBlock",
    "ec2:AssociateVpcCidrBlock",
    "ec2:AttachInternetGateway",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:CreateRoute",
    "ec2:DeleteEgressOnlyInternetGateway",
    "ec2:DeleteFlowLogs",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteLaunchTemplate",
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
    "ec2:ModifyLaunchTemplate",
    "ec2:ModifyNetworkInterfaceAttribute",
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
    "ec2:ModifySecurityGroupRules",
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
    """The ARNs of the project's roles of these kinds; the added functions' execution
    roles (modules/execution_role: PROJECT_FUNCTION-REGION) are "lambda" roles too."""
    found = []
    for role in sorted(roles):
        found.append(f"arn:{partition}:iam::*:role/" + ROLE_NAME_PATTERNS[role].format(name=name))
        if role == "lambda":  # and the added functions', now or later (add-function)
            found.append(f"arn:{partition}:iam::*:role/{ROLE_PATH.format(name=name)}{added(name)}")
    return found


def added(name: str) -> str:
    """Every function added to the project NAME (NAME_FUNCTION), and no other project's."""
    return aws_name(name, "*")


def own_names(patterns: Iterable[str], name: str, partition: str) -> list[str]:
    """The patterns for this project: one with {function} for the first function (NAME) and
    for the added ones (NAME_*), there or not: the policies stay the same when functions are
    added or removed, so neither waits on the other's apply."""
    found = []
    for pattern in patterns:
        if "{function}" not in pattern:
            found.append(pattern.format(name=name, partition=partition))
            continue
        for function in (name, added(name)):
            found.append(pattern.format(name=name, partition=partition, function=function))
    return found


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
    topology existing (None: the project creates its VPC, whose ID is not known yet),
    and `private_dns` whether an interface endpoint has private DNS on."""
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
            rules = "aws_vpc_security_group_ingress_rule" in types
            statements += ec2_statements(service_actions, name, partition, vpc_id, adopts, rules)
            continue
        if service == "autoscaling":
            statements += autoscaling_statements(service_actions, name)
            continue
        patterns = SCOPED_RESOURCES.get(service)
        if service == "lambda" and patterns and "aws_lambda_alias" not in types:
            # A function's versions and aliases are named only where the policy manages them.
            patterns = tuple(pattern for pattern in patterns if not pattern.endswith(":*"))
        scoped = [a for a in service_actions if patterns and a not in UNSCOPABLE_ACTIONS]
        unscoped = [a for a in service_actions if a not in scoped]
        if scoped and patterns:
            in_vpc = [a for a in scoped if a in LAMBDA_VPC_ACTIONS and vpc_id]
            own = own_names(patterns, name, partition)
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
            # Actions on a version or alias only (IAM: function:NAME:VERSION or :ALIAS).
            qualified = [a for a in scoped if a in QUALIFIED_ACTIONS]
            if qualified:
                statements.append(statement(
                    f"{service.capitalize()}OwnVersionsAndAliases", qualified,
                    [arn for arn in own if arn.endswith(":*")],
                ))  # fmt: skip
            rest = [a for a in scoped if a not in in_vpc and a not in qualified]
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
    return {"Version": "2012-10-17", "Statement": merged(statements)}


SERVICE_SID_PREFIX = re.compile(r"^(Autoscaling|Ec2|Iam|Lambda|Logs|Ssm|Sts)(?=[A-Z])")


def merged(statements: list[Statement]) -> list[Statement]:
    """Statements of several services with the same resources and condition, as one: a
    managed policy holds 6,144 characters. The merged statement keeps the first one's place,
    and its Sid without the service's name (Ec2Any and LogsAny: Any)."""
    found: list[Statement] = []
    by_scope: dict[str, Statement] = {}
    for item in statements:
        scope = json.dumps([item["Resource"], item.get("Condition")], sort_keys=True)
        first = by_scope.get(scope)
        if first is None:
            by_scope[scope] = item
            found.append(item)
            continue
        first["Action"] = sorted({*first["Action"], *item["Action"]})  # type: ignore[misc]
        first["Sid"] = SERVICE_SID_PREFIX.sub("", str(first["Sid"]))
    return found


def ec2_statements(
    actions: list[str],
    name: str,
    partition: str,
    vpc_id: str | None,
    adopts_default_group: bool,
    tags_rules: bool = False,
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
    launches = [a for a in actions if a == "ec2:RunInstances"]
    # A security group rule resource is tagged by the call that creates it.
    tagged_rules = [a for a in actions if a == "ec2:AuthorizeSecurityGroupIngress" and tags_rules]
    rest = [
        a
        for a in actions
        if a not in created
        and a not in own
        and a not in in_vpc
        and a not in launches
        and a != "ec2:CreateTags"
    ]
    found: list[Statement] = []
    if launches:
        # Auto Scaling checks its caller may launch from the group's template: only with a
        # launch template (EC2 user guide, "Control the use of launch templates"). Not
        # ec2:IsLaunchTemplateResource: the group's subnet is no value of the template.
        found.append(
            statement(
                "Ec2LaunchOnlyFromTemplates",
                launches,
                "*",
                {"ArnLike": {"ec2:LaunchTemplate": f"arn:{partition}:ec2:*:*:launch-template/*"}},
            )
        )
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
        if created or tagged_rules:
            found.append(
                statement(
                    "Ec2TagWhileCreating",
                    ["ec2:CreateTags"],
                    "*",
                    # The API action's name without its prefix, as EC2 gives it.
                    {
                        "StringEquals": {
                            "ec2:CreateAction": [
                                a.split(":")[1] for a in [*created, *launches, *tagged_rules]
                            ]
                        }
                    },
                )
            )
        own = sorted({*own, "ec2:CreateTags"})
    if own:
        found.append(
            statement("Ec2ChangeProjectTagged", own, "*", {"StringEquals": project})
        )
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


def autoscaling_statements(actions: list[str], name: str) -> list[Statement]:
    """Groups created only with the Project tag, changed and deleted only while they carry
    it (Amazon EC2 Auto Scaling supports both keys); Describe calls take no resource."""
    create = [a for a in actions if a == "autoscaling:CreateAutoScalingGroup"]
    describe = [a for a in actions if a.split(":")[1].startswith("Describe")]
    change = [a for a in actions if a not in create and a not in describe]
    found: list[Statement] = []
    if create:
        found.append(
            statement(
                "AutoscalingCreateOnlyTagged",
                create,
                "*",
                {"StringEquals": {"aws:RequestTag/Project": name}},
            )
        )
    if change:
        found.append(
            statement(
                "AutoscalingChangeProjectTagged",
                change,
                "*",
                {"StringEquals": {"aws:ResourceTag/Project": name}},
            )
        )
    if describe:
        found.append(statement("AutoscalingAny", describe, "*"))
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
    # Every role of the project sits on its path (/vpc-lambda-new/NAME/): one ARN names them
    # all, and no other project's, in fewer of a managed policy's 6,144 characters. Each
    # role is passed only to its own service (the Pass statements name it alone).
    # A layer that declares no role of its own (a policy on the function's role) names them too.
    del roles
    own_roles = [f"arn:{partition}:iam::*:role/{ROLE_PATH.format(name=name)}*"]
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
    profiles = [a for a in actions if a.endswith("InstanceProfile")]
    if profiles:
        found.append(
            statement(
                "IamOwnInstanceProfiles",
                profiles,
                [INSTANCE_PROFILE_PATTERN.format(name=name, partition=partition)],
            )
        )
    if "iam:CreateServiceLinkedRole" in actions:
        found.append(
            statement(
                "IamAutoScalingServiceLinkedRole",
                ["iam:CreateServiceLinkedRole"],
                [AUTOSCALING_SERVICE_LINKED_ROLE.format(partition=partition)],
                {"StringEquals": {"iam:AWSServiceName": "autoscaling.amazonaws.com"}},
            )
        )
    special = {*BOUNDED_IAM_ACTIONS, *profiles, "iam:AttachRolePolicy", "iam:CreateServiceLinkedRole"}
    rest = [a for a in actions if a not in special]
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


def partition_of(region: str) -> str:
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"
