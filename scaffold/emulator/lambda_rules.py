"""Lambda as AWS answers it where moto does not: VpcConfig checks and the Hyperplane interfaces."""

from __future__ import annotations

import datetime
import json
import time
import uuid
from typing import Any
from urllib.parse import unquote

from scaffold.emulator.core import (
    BEFORE_EC2_AND_LAMBDA,
    LOCK,
    SETTINGS,
    Request,
    as_list,
    ec2_backend,
    moto_errors,
    record,
    rule,
    subnet_ipv6_blocks,
)

# --- Lambda: VpcConfig as Lambda checks it ---------------------------------------------------


def lambda_function(request: Request) -> Any | None:
    from moto.awslambda.models import lambda_backends

    name = request.path.rstrip("/").split("/functions/", 1)[-1].split("/", 1)[0]
    try:
        return lambda_backends[request.account][request.region].get_function(name, None)
    except moto_errors():
        return None


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def lambda_vpc_config_valid(request: Request) -> None:
    # Lambda resolves the subnets and security groups with EC2 and fails the call
    # when one does not exist ("Error occurred while DescribeSubnets. EC2 Error
    # Code: InvalidSubnetID.NotFound", as reported from AWS); they must share one
    # VPC (Lambda API reference, VpcConfig: "These must belong to the same VPC");
    # Ipv6AllowedForDualStack needs "all selected subnets [to] have an IPv4 CIDR
    # block and an IPv6 CIDR block" (Lambda Developer Guide, configuration-vpc;
    # the error text for that one is ours). moto stores any VpcConfig verbatim.
    config = request.body.get("VpcConfig") or {}
    subnet_ids = config.get("SubnetIds") or []
    group_ids = config.get("SecurityGroupIds") or []
    backend = ec2_backend(request.account, request.region)
    vpcs: dict[str, str] = {}
    subnets = []
    for subnet_id in subnet_ids:
        try:
            subnet = backend.get_subnet(subnet_id)
        except moto_errors():
            raise request.error(
                "InvalidParameterValueException",
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound."
                f" EC2 Error Message: The subnet ID '{subnet_id}' does not exist",
            ) from None
        subnets.append(subnet)
        vpcs[subnet_id] = subnet.vpc_id
    for group_id in group_ids:
        group = backend.get_security_group_from_id(group_id)
        if group is None:
            raise request.error(
                "InvalidParameterValueException",
                "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound."
                f" EC2 Error Message: The security group '{group_id}' does not exist",
            )
        vpcs[group_id] = group.vpc_id
    if len(set(vpcs.values())) > 1:
        raise request.error(
            "InvalidParameterValueException",
            f"Security groups and subnets must belong to the same VPC: {vpcs}",
        )  # the message is ours
    if config.get("Ipv6AllowedForDualStack"):
        for subnet in subnets:
            if not subnet_ipv6_blocks(subnet):
                raise request.error(
                    "InvalidParameterValueException",
                    f"Ipv6AllowedForDualStack needs every subnet to have an IPv6 CIDR block;"
                    f" {subnet.id} has none.",
                )  # the message is ours


# What Lambda is known to refuse a VPC function for: its errors name these three ("does
# not have permissions to call CreateNetworkInterface on EC2"). The emulator refuses no
# more than that; the guide's other three (ec2:DescribeSubnets,
# ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses) are held statically:
# `check`'s eni-permissions rule requires all six.
LAMBDA_ROLE_ENI_ACTIONS = (
    "CreateNetworkInterface",
    "DescribeNetworkInterfaces",
    "DeleteNetworkInterface",
)


@rule("awslambda", "CreateFunction", "UpdateFunctionConfiguration")
def lambda_role_usable(request: Request) -> None:
    # Lambda checks the execution role when the function is created or changed:
    # "The role defined for the function cannot be assumed by Lambda", and, for a
    # VPC function, "The provided execution role does not have permissions to call
    # CreateNetworkInterface on EC2" (InvalidParameterValueException; both
    # messages are matched, and retried for IAM propagation, by
    # terraform-provider-aws function.go). The ENI actions are those of the
    # Lambda Developer Guide's "Execution role and user permissions" for VPCs.
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    function = lambda_function(request) if request.action != "CreateFunction" else None
    role_arn = request.body.get("Role") or (function.role if function else None)
    config = request.body.get("VpcConfig")
    if config is None and function is not None:
        config = function._vpc_config
    if not role_arn:
        return
    iam = iam_backends[request.account][get_partition(request.region)]
    try:
        role = iam.get_role_by_arn(role_arn)
    except moto_errors():
        return  # an unknown role: out of this rule's scope
    try:
        trust = json.loads(role.assume_role_policy_document)
    except ValueError:
        trust = json.loads(unquote(role.assume_role_policy_document))
    if not any(
        statement.get("Effect") == "Allow"
        and "sts:AssumeRole" in as_list(statement.get("Action"))
        and "lambda.amazonaws.com" in as_list((statement.get("Principal") or {}).get("Service"))
        for statement in as_list(trust.get("Statement"))
    ):
        raise request.error(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        )
    if not (config or {}).get("SubnetIds"):
        return
    policies: list[Any] = [
        iam.get_role_policy(role.name, name)[1] for name in iam.list_role_policies(role.name)
    ]
    policies += iam.list_attached_role_policies(role.name)[0]
    for operation in LAMBDA_ROLE_ENI_ACTIONS:
        results = [IAMPolicy(p).is_action_permitted(f"ec2:{operation}", "*") for p in policies]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            raise request.error(
                "InvalidParameterValueException",
                f"The provided execution role does not have permissions to call {operation} on EC2",
            )


# --- Lambda's Hyperplane interfaces ------------------------------------------------------------


class HyperplaneInterfaces:
    """The network interfaces Lambda keeps in a VPC function's subnets.

    AWS (Lambda Developer Guide, "Connecting outbound networking to resources in
    a VPC"): Lambda creates a Hyperplane ENI for each unique combination of
    subnet and security groups of the account's VPC functions, shares it between
    the functions that use that combination, and releases it only when no
    function uses it: "When you update a function to remove its VPC
    configuration, Lambda requires up to 20 minutes to delete the attached
    Hyperplane ENI." While it exists, the subnet and the security groups cannot
    be deleted. Lambda describes them as "AWS Lambda VPC ENI-<function>-<uuid>",
    InterfaceType lambda, requester-managed, in-use, attached with owner
    amazon-aws (terraform-provider-aws deleteLingeringLambdaENI recognises them
    by that description and attachment owner).

    Modelled: one interface per (subnet, set of security groups) in use by any
    function of the region, created when a function is created or updated, and
    released `Settings.lambda_eni_release_seconds` after the last function using
    it is deleted, detached or moved to other groups. Not modelled: function
    states (Pending while interfaces are made), IP exhaustion, idle reclaim.
    """

    MARK = "fidelity_lambda_combination"

    def __init__(self) -> None:
        self.due: dict[
            tuple[str, str, str], float
        ] = {}  # (account, region, eni id) -> release time

    def wanted(self, account: str, region: str) -> dict[tuple[str, tuple[str, ...]], str]:
        """(subnet, groups) -> the first function using it."""
        from moto.awslambda.models import lambda_backends

        combinations: dict[tuple[str, tuple[str, ...]], str] = {}
        for function in lambda_backends[account][region].list_functions():
            config = function._vpc_config or {}
            groups = tuple(sorted(config.get("SecurityGroupIds") or []))
            for subnet_id in config.get("SubnetIds") or []:
                if groups:
                    combinations.setdefault((subnet_id, groups), function.function_name)
        return combinations

    def held(self, account: str, region: str) -> dict[tuple[str, tuple[str, ...]], Any]:
        backend = ec2_backend(account, region)
        return {
            getattr(eni, self.MARK): eni
            for eni in list(backend.enis.values())
            if getattr(eni, self.MARK, None) is not None and eni.status == "in-use"
        }

    def reconcile(self, account: str, region: str) -> None:
        with LOCK:
            wanted, held = self.wanted(account, region), self.held(account, region)
            for combination, function_name in wanted.items():
                if combination in held:
                    self.due.pop((account, region, held[combination].id), None)
                else:
                    self.create(account, region, combination, function_name)
            release_at = time.monotonic() + SETTINGS.lambda_eni_release_seconds
            for combination, eni in held.items():
                if combination not in wanted:
                    self.due.setdefault((account, region, eni.id), release_at)
        self.release_due()

    def create(
        self,
        account: str,
        region: str,
        combination: tuple[str, tuple[str, ...]],
        function_name: str,
    ) -> None:
        backend = ec2_backend(account, region)
        subnet_id, groups = combination
        try:
            subnet = backend.get_subnet(subnet_id)
        except moto_errors():
            return  # validated at the request; a subnet deleted since has no room for one
        eni = backend.create_network_interface(
            subnet, None, group_ids=list(groups),
            description=f"AWS Lambda VPC ENI-{function_name}-{uuid.uuid4()}",
        )  # fmt: skip
        setattr(eni, self.MARK, combination)
        eni.interface_type = "lambda"
        eni.requester_managed = True
        eni.requester_id = "AROAFIDELITYLAMBDAHYPERPLANE:AWSLambda"  # AWS's value: not documented
        eni.status = "in-use"
        # The serializer takes a PascalCase attribute first; moto's own
        # `attachment` property needs an EC2 instance.
        eni.Attachment = {
            "AttachmentId": f"ela-attach-{uuid.uuid4().hex[:17]}",
            "InstanceOwnerId": "amazon-aws",
            "Status": "attached",
            "DeviceIndex": 1,
            "NetworkCardIndex": 0,
            "DeleteOnTermination": False,
            "AttachTime": datetime.datetime.now(datetime.timezone.utc),
        }

    def release_due(self) -> None:
        now = time.monotonic()
        with LOCK:
            for key, when in list(self.due.items()):
                if when > now:
                    continue
                del self.due[key]
                account, region, eni_id = key
                backend = ec2_backend(account, region)
                eni = backend.enis.get(eni_id)
                if eni is None:
                    continue
                record(
                    event="released",
                    eni=eni_id,
                    subnet=eni.subnet.id,
                    groups=sorted(group.id for group in eni._group_set),
                )
                if SETTINGS.lambda_eni_release == "available":
                    del eni.Attachment
                    eni.status = "available"
                else:
                    backend.enis.pop(eni_id, None)

    def forget_all(self) -> None:
        with LOCK:
            self.due.clear()


HYPERPLANE = HyperplaneInterfaces()


def lambda_vpc_config(self: Any) -> dict[str, Any] | None:
    """VpcConfig as Lambda returns it: the subnets' real VPC and the dual-stack flag.

    moto returns the hard-coded VpcId "vpc-123abc" and omits
    Ipv6AllowedForDualStack unless it was sent (Lambda API reference,
    VpcConfigResponse: SubnetIds, SecurityGroupIds, Ipv6AllowedForDualStack, VpcId).
    """
    if not self._vpc_config:
        return None
    config = dict(self._vpc_config)
    config.setdefault("SubnetIds", [])
    config.setdefault("SecurityGroupIds", [])
    config.setdefault("Ipv6AllowedForDualStack", False)
    vpc_id = ""
    if config["SubnetIds"]:
        try:
            vpc_id = (
                ec2_backend(self.account_id, self.region).get_subnet(config["SubnetIds"][0]).vpc_id
            )
        except moto_errors():
            vpc_id = ""
    config["VpcId"] = vpc_id
    return config


def reconcile_lambda(backend: Any, *_: Any, **__: Any) -> None:
    HYPERPLANE.reconcile(backend.account_id, backend.region_name)


BEFORE_EC2_AND_LAMBDA.append(HYPERPLANE.release_due)


@rule("iam", "DeleteRolePolicy", "DetachRolePolicy")
def role_permissions_removed(request: Request) -> None:
    # Not a refusal: AWS lets a role lose its network-interface permissions while Lambda still
    # holds interfaces it must release with them, and they are then left behind ("Lambda
    # uses the permissions of the function's execution role to create and manage network
    # interfaces", Lambda developer guide, VPC). Recorded, so a test can see that destroy
    # removes them only after Lambda has let go of every interface.
    record(
        event="allowed",
        action=request.action,
        id=request.params.get("RoleName", ""),
        policy=request.params.get("PolicyName") or request.params.get("PolicyArn", ""),
    )
