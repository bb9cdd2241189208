"""The fidelity rules, installed into moto (5.2) in the emulator's process.

Two hook points, both inside moto's own request handling:

- `authorize_then_check` replaces moto's authorization step, which every
  BaseResponse action passes before moto touches its backends. It authorizes
  the caller (only keys moto issued; see "Principals"), then runs the request
  rules (`REQUEST_RULES`), so a rule answers exactly as AWS would: after
  authorization, before the action, with the error shape of the service's
  protocol.
- A few backend methods are wrapped (`install`) where AWS does something after
  an action that moto does not: Lambda's network interfaces, the interfaces of
  endpoints, NAT gateways and terminated instances.

Every rule cites where the behaviour is documented. Error messages are AWS's
where the documentation or a public report quotes them; where none was found,
the code is AWS's and the message is ours (said at the rule).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from scaffold.emulator import (
    data_rules,
    group_rules,  # its request rules register on import
    provisioned_rules,  # likewise
    snapstart_rules,  # likewise
)
from scaffold.emulator.core import ORIGINAL, REQUEST_RULES
from scaffold.emulator.ec2_rules import (
    delete_vpc_endpoints,
    endpoint_services_as_offered,
    release_nat_interface,
    revoke_as_aws,
    route_table_filters_as_aws,
    sync_created_endpoint,
    sync_modified_endpoint,
)
from scaffold.emulator.instance_rules import launch_template_data_as_aws, terminate_as_aws
from scaffold.emulator.lambda_rules import lambda_vpc_config, reconcile_lambda
from scaffold.emulator.principals import (
    access_denied,
    authorize_then_check,
    aws_request_as_sent,
    signature_mismatch,
    unknown_key,
)

# --- what moto lacks -------------------------------------------------------------------------


def associate_kms_key(self: Any) -> str:
    """LogsResponse.associate_kms_key: AssociateKmsKey, which moto does not implement
    (the provider calls it when a log group's kms_key_id changes)."""
    group = log_group_of(self)
    group.kms_key_id = self._get_param("kmsKeyId")
    return ""


def disassociate_kms_key(self: Any) -> str:
    log_group_of(self).kms_key_id = None
    return ""


def log_group_of(response: Any) -> Any:
    from moto.logs.exceptions import ResourceNotFoundException

    group = response.logs_backend.groups.get(response._get_param("logGroupName"))
    if group is None:
        raise ResourceNotFoundException()
    return group


# --- moto state bugs the layer corrects ------------------------------------------------------


def subnet_ipv6_association_set(self: Any) -> list[dict[str, Any]]:
    """moto renders a subnet's IPv6 association state as the string "{'State': 'associated'}".

    (ec2/models/subnets.py wraps the state dict in another dict.) The provider
    then waits for 'associated' and fails every aws_subnet with an IPv6 block.
    """
    return [
        {
            "ipv6CidrBlock": association["ipv6CidrBlock"],
            "associationId": association["associationId"],
            "ipv6CidrBlockState": {"State": association["ipv6CidrBlockState"]["State"]},
        }
        for association in self.ipv6_cidr_block_associations.values()
        if association["ipv6CidrBlockState"]["State"] == "associated"
    ]


# Amazon VPC quotas, "IPv6 CIDR blocks per VPC": 5 (adjustable); moto allows one.
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
IPV6_BLOCKS_PER_VPC = 5


def associate_vpc_cidr_block(
    self: Any,
    cidr_block: str,
    amazon_provided_ipv6_cidr_block: bool = False,
    ipv6_cidr_block_network_border_group: str | None = None,
) -> dict[str, Any]:
    """VPC.associate_vpc_cidr_block: up to five Amazon-provided IPv6 blocks, as AWS allows."""
    if not amazon_provided_ipv6_cidr_block:
        answer: dict[str, Any] = ORIGINAL["associate_vpc_cidr_block"](
            self, cidr_block, False, ipv6_cidr_block_network_border_group
        )
        return answer
    from moto.ec2.exceptions import CidrLimitExceeded
    from moto.ec2.utils import random_ipv6_cidr, random_vpc_cidr_association_id

    held = [
        association
        for association in self.get_cidr_block_association_set(ipv6=True)
        if association["cidr_block_state"]["state"] != "disassociated"
    ]
    if len(held) >= IPV6_BLOCKS_PER_VPC:
        raise CidrLimitExceeded(self.id, IPV6_BLOCKS_PER_VPC)
    taken = {association["cidr_block"] for association in held}
    block = random_ipv6_cidr()
    while block in taken:
        block = random_ipv6_cidr()
    association_id = random_vpc_cidr_association_id()
    association = {
        "association_id": association_id,
        "cidr_block_state": {"state": "associated", "StatusMessage": None},
        "cidr_block": block,
        "ipv6_pool": "Amazon",
        "ipv6_cidr_block_network_border_group": ipv6_cidr_block_network_border_group,
    }
    self._cidr_block_association_set[association_id] = association
    return association


def after(original: Callable[..., Any], then: Callable[..., None]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(backend: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(backend, *args, **kwargs)
        then(backend, result, *args, **kwargs)
        return result

    return wrapper


def install() -> None:
    """Install every rule into moto, once per process."""
    if ORIGINAL:
        return
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.ec2.models.instances import Instance
    from moto.ec2.models.launch_templates import LaunchTemplateBackend
    from moto.ec2.models.nat_gateways import NatGatewayBackend
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.models.vpcs import VPC, VPCBackend
    from moto.iam import access_control
    from moto.logs.responses import LogsResponse

    ORIGINAL["create_aws_request"] = access_control.IAMRequestBase._create_aws_request
    ORIGINAL["associate_vpc_cidr_block"] = VPC.associate_vpc_cidr_block
    patches: list[tuple[Any, str, Any]] = [
        (ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize_then_check),
        (access_control.IAMRequestBase, "_create_aws_request", aws_request_as_sent),
        (access_control.IAMRequest, "_raise_access_denied", access_denied),
        (access_control.IAMRequest, "_raise_signature_does_not_match", signature_mismatch),
        (access_control.IAMRequest, "_raise_invalid_access_key", unknown_key),
        (LambdaFunction, "vpc_config", property(lambda_vpc_config)),
        (LogsResponse, "associate_kms_key", associate_kms_key),
        (LogsResponse, "disassociate_kms_key", disassociate_kms_key),
        (Subnet, "ipv6_cidr_block_association_set", property(subnet_ipv6_association_set)),
        (VPC, "associate_vpc_cidr_block", associate_vpc_cidr_block),
        (RouteTable, "get_filter_value", route_table_filters_as_aws(RouteTable.get_filter_value)),
        (
            VPCBackend,
            "create_vpc_endpoint",
            after(VPCBackend.create_vpc_endpoint, sync_created_endpoint),
        ),
        (
            VPCBackend,
            "modify_vpc_endpoint",
            after(VPCBackend.modify_vpc_endpoint, sync_modified_endpoint),
        ),
        (VPCBackend, "delete_vpc_endpoints", delete_vpc_endpoints),
        (Instance, "terminate", terminate_as_aws(Instance.terminate)),
        (
            LaunchTemplateBackend,
            "create_launch_template",
            launch_template_data_as_aws(LaunchTemplateBackend.create_launch_template),
        ),
        (
            VPCBackend,
            "describe_vpc_endpoint_services",
            endpoint_services_as_offered(VPCBackend.describe_vpc_endpoint_services),
        ),
        (
            NatGatewayBackend,
            "delete_nat_gateway",
            after(NatGatewayBackend.delete_nat_gateway, release_nat_interface),
        ),
    ]
    for name in ("revoke_security_group_egress", "revoke_security_group_ingress"):
        patches.append(
            (SecurityGroupBackend, name, revoke_as_aws(getattr(SecurityGroupBackend, name)))
        )
    for name in ("create_function", "update_function_configuration", "delete_function"):
        patches.append((LambdaBackend, name, after(getattr(LambdaBackend, name), reconcile_lambda)))
    patches.extend(data_rules.patches())
    patches.extend(group_rules.patches())
    patches.extend(snapstart_rules.patches())
    patches.extend(provisioned_rules.patches())
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)


def rule_names() -> Iterable[str]:
    """Every request rule, for the log's first line."""
    return sorted({check.__name__ for checks in REQUEST_RULES.values() for check in checks})
