"""EC2 as AWS answers it where moto does not: what is in use, endpoints, routes, NAT."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from scaffold.emulator.core import (
    LOCK,
    SETTINGS,
    Request,
    ec2_backend,
    enis_in_use,
    moto_errors,
    record,
    rule,
    truthy,
)
from scaffold.emulator.principals import private_dns_requested


@rule("ec2", "DeleteSubnet")
def subnet_in_use(request: Request) -> None:
    # "You must terminate all running instances [and delete every network
    # interface] in the subnet before you can delete the subnet" (VPC User Guide,
    # "Delete a subnet"); the API answers DependencyViolation. moto deletes it
    # and leaves the interfaces pointing nowhere.
    subnet_id = request.params.get("SubnetId", "")
    if enis_in_use(ec2_backend(request.account, request.region), subnet=subnet_id):
        raise request.error(
            "DependencyViolation",
            f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
        )
    record(event="allowed", action="DeleteSubnet", id=subnet_id)


@rule("ec2", "DeleteSecurityGroup")
def security_group_in_use(request: Request) -> None:
    # "If you try to delete a security group that is associated with a resource
    # [a network interface] or referenced by another security group's rule, the
    # request fails with DependencyViolation" (VPC User Guide, "Delete a security
    # group"). moto deletes it anyway (its own TODO in responses/security_groups.py).
    backend = ec2_backend(request.account, request.region)
    group_id = request.params.get("GroupId")
    if group_id is None:
        group = backend.get_security_group_by_name_or_id(request.params.get("GroupName", ""))
        group_id = group.id if group else ""
    users = enis_in_use(backend, group=group_id)
    referencing = [
        group.id
        for groups in backend.groups.values()
        for group in list(groups.values())
        if group.id != group_id
        and any(
            (rule.source_group or {}).get("GroupId") == group_id
            for rule in [*group.ingress_rules, *group.egress_rules]
        )
    ]
    if users or referencing:
        raise request.error("DependencyViolation", f"resource {group_id} has a dependent object")
    record(event="allowed", action="DeleteSecurityGroup", id=group_id)


@rule("ec2", "DeleteVpc")
def vpc_in_use(request: Request) -> None:
    # "You must detach or delete all gateways and resources that are associated
    # with the VPC before you can delete it" (VPC User Guide, "Delete your VPC"):
    # subnets (moto checks those), attached internet gateways, non-default
    # security groups, live endpoints and NAT gateways, network interfaces.
    backend = ec2_backend(request.account, request.region)
    vpc_id = request.params.get("VpcId", "")
    dependents = [
        *(eni.id for eni in enis_in_use(backend, vpc=vpc_id)),
        *(igw.id for igw in backend.internet_gateways.values() if igw.vpc and igw.vpc.id == vpc_id),
        *(g.id for g in backend.groups.get(vpc_id, {}).values() if g.name != "default"),
        *(
            e.id
            for e in backend.vpc_end_points.values()
            if e.vpc_id == vpc_id and str(e.state).lower() != "deleted"
        ),
        *(
            n.id
            for n in backend.nat_gateways.values()
            if n.vpc_id == vpc_id and n.state not in ("deleting", "deleted")
        ),
    ]
    if dependents:
        raise request.error(
            "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
        )


@rule("ec2", "DeleteNetworkInterface")
def lambda_interface_in_use(request: Request) -> None:
    # An interface Lambda still holds is attached (owner amazon-aws): AWS refuses
    # to delete an attached interface (EC2 API reference, DeleteNetworkInterface:
    # "You must detach the network interface before you can delete it").
    eni = ec2_backend(request.account, request.region).enis.get(
        request.params.get("NetworkInterfaceId", "")
    )
    if eni is not None and eni.status == "in-use":
        raise request.error("InvalidNetworkInterface.InUse", f"Interface: [{eni.id}] in use.")


@rule("ec2", "DetachNetworkInterface")
def lambda_attachment_not_yours(request: Request) -> None:
    # Hyperplane attachments belong to Lambda: "You are not allowed to manage
    # 'ela-attach' attachments" (OperationNotPermitted, reported from AWS in
    # terraform-provider-aws issues); the provider never detaches them, it waits.
    attachment = request.params.get("AttachmentId", "")
    if attachment.startswith("ela-attach-"):
        raise request.error(
            "OperationNotPermitted", "You are not allowed to manage 'ela-attach' attachments."
        )


@rule("ec2", "ModifyNetworkInterfaceAttribute")
def lambda_interface_groups_fixed(request: Request) -> None:
    # Since 2023 AWS refuses to change the security groups of Lambda's interfaces
    # (AWS Support, quoted in terraform-provider-aws #31520: Client.OperationNotPermitted).
    eni = ec2_backend(request.account, request.region).enis.get(
        request.params.get("NetworkInterfaceId", "")
    )
    if eni is not None and getattr(eni, "interface_type", "") == "lambda":
        raise request.error(
            "OperationNotPermitted",
            f"You are not allowed to modify the security groups of {eni.id}, which Lambda manages.",
        )  # the code is AWS's; the message is ours


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def interface_endpoint_one_subnet_per_zone(request: Request) -> None:
    # "You can't select multiple subnets from the same Availability Zone" (AWS
    # PrivateLink guide, "Create an interface endpoint"); the error text is as
    # reported from AWS (terraform-aws-modules/terraform-aws-vpc #583).
    backend = ec2_backend(request.account, request.region)
    if request.action == "CreateVpcEndpoint":
        if request.params.get("VpcEndpointType", "Gateway").lower() != "interface":
            return
        subnets = request.listed("SubnetId")
    else:
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        if endpoint is None or str(endpoint.vpc_endpoint_type).lower() != "interface":
            return
        removed = set(request.listed("RemoveSubnetId"))
        subnets = [s for s in endpoint.subnet_ids or [] if s not in removed]
        subnets += [s for s in request.listed("AddSubnetId") if s not in subnets]
    seen: dict[str, str] = {}
    for subnet_id in subnets:
        try:
            zone = backend.get_subnet(subnet_id).availability_zone
        except moto_errors():
            continue  # moto answers InvalidSubnetID.NotFound itself
        if zone in seen and seen[zone] != subnet_id:
            raise request.error(
                "DuplicateSubnetsInSameZone",
                f"Found another VPC endpoint subnet in the availability zone of {subnet_id}."
                " VPC endpoint subnets should be in different availability zones supported"
                " by the VPC endpoint service.",
            )
        seen[zone] = subnet_id


def endpoint_services_as_offered(original: Callable[..., Any]) -> Callable[..., Any]:
    """VPCBackend.describe_vpc_endpoint_services, each service's AvailabilityZones narrowed
    to the zones SETTINGS.endpoint_service_zones offers it in (moto lists every zone of the
    region for every service; AWS lists "the Availability Zones in which the service is
    available", EC2 API Reference, ServiceDetail)."""

    @functools.wraps(original)
    def describe(backend: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(backend, *args, **kwargs)
        narrowed = SETTINGS.endpoint_service_zones
        if not narrowed:
            return result
        details = []
        for service in result["servicesDetails"]:
            offered = narrowed.get(service["ServiceName"])
            if offered is not None:  # a copy: moto keeps one list of services per region
                zones = [zone for zone in service["AvailabilityZones"] if zone in offered]
                service = {**service, "AvailabilityZones": zones}
            details.append(service)
        return {**result, "servicesDetails": details}

    return describe


def zones_offered(backend: Any, region: str, service_name: str) -> list[str] | None:
    """The zones DescribeVpcEndpointServices lists for a service: the same answer the
    provider's data "aws_vpc_endpoint_service" reads at plan. None: no such service."""
    try:
        found = backend.describe_vpc_endpoint_services([service_name], [], None, None, region)
    except moto_errors():
        return None
    details = [s for s in found["servicesDetails"] if s["ServiceName"] == service_name]
    return list(details[0]["AvailabilityZones"]) if details else None


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def interface_endpoint_zone_offered(request: Request) -> None:
    # An interface endpoint's subnets must lie in zones its service is offered in (AWS
    # Knowledge Center, "interface-endpoint-availability-zone": "Error: The VPC endpoint
    # service ... does not support the Availability Zone of the subnet"); the API answers
    # InvalidParameter with the text below, as reported from AWS in
    # terraform-aws-modules/terraform-aws-vpc #462 and #785. moto accepts any subnet.
    backend = ec2_backend(request.account, request.region)
    if request.action == "CreateVpcEndpoint":
        if request.params.get("VpcEndpointType", "Gateway").lower() != "interface":
            return
        service_name, subnets = request.params.get("ServiceName", ""), request.listed("SubnetId")
    else:
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        if endpoint is None or str(endpoint.vpc_endpoint_type).lower() != "interface":
            return
        service_name, subnets = endpoint.service_name, request.listed("AddSubnetId")
    offered = zones_offered(backend, request.region, service_name)
    if offered is None:
        return  # moto answers InvalidServiceName itself
    for subnet_id in subnets:
        try:
            zone = backend.get_subnet(subnet_id).availability_zone
        except moto_errors():
            continue  # moto answers InvalidSubnetID.NotFound itself
        if zone not in offered:
            raise request.error(
                "InvalidParameter",
                f"The VPC endpoint service {service_name} does not support the availability"
                f" zone of the subnet: {subnet_id}.",
            )


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def private_dns_needs_vpc_dns(request: Request) -> None:
    # "To use a private hosted zone, you must set the following VPC attributes to
    # true: enableDnsHostnames and enableDnsSupport" (EC2 API reference,
    # CreateVpcEndpoint, PrivateDnsEnabled).
    if not private_dns_requested(request):
        return
    backend = ec2_backend(request.account, request.region)
    vpc_id = request.params.get("VpcId")
    if request.action == "ModifyVpcEndpoint":
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        vpc_id = endpoint.vpc_id if endpoint else None
    try:
        vpc = backend.get_vpc(vpc_id)
    except moto_errors():
        return  # moto answers InvalidVpcID.NotFound itself
    if not (truthy(vpc.enable_dns_support) and truthy(vpc.enable_dns_hostnames)):
        raise request.error(
            "InvalidParameter",
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC"
            f" attributes set to true for {vpc.id}",
        )


@rule("ec2", "CreateVpcEndpoint", "ModifyVpcEndpoint")
def gateway_endpoint_one_per_route_table(request: Request) -> None:
    # "You can't have multiple endpoint routes to the same service (Amazon S3 or
    # DynamoDB) in a single route table" (VPC User Guide, gateway endpoints); the
    # error text is as reported from AWS.
    backend = ec2_backend(request.account, request.region)
    if request.action == "CreateVpcEndpoint":
        if request.params.get("VpcEndpointType", "Gateway").lower() != "gateway":
            return
        service, tables, own_id = (
            request.params.get("ServiceName", ""),
            request.listed("RouteTableId"),
            None,
        )
    else:
        endpoint = backend.vpc_end_points.get(request.params.get("VpcEndpointId", ""))
        if endpoint is None or str(endpoint.vpc_endpoint_type or "Gateway").lower() != "gateway":
            return
        service, tables, own_id = (
            endpoint.service_name,
            request.listed("AddRouteTableId"),
            endpoint.id,
        )
    for other in list(backend.vpc_end_points.values()):
        if other.id == own_id or other.service_name != service:
            continue
        if str(other.state).lower() == "deleted":
            continue
        for table in tables:
            if table in (other.route_table_ids or []):
                prefix_list = other.destination_prefix_list_id or "pl-unknown"
                raise request.error(
                    "RouteAlreadyExists",
                    f"route table {table} already has a route with destination-prefix-list-id"
                    f" {prefix_list}",
                )


@rule("ec2", "CreateRoute")
def route_destination_unique(request: Request) -> None:
    # A route table holds one route per destination; CreateRoute for a taken one
    # fails with RouteAlreadyExists (EC2 API reference, error codes). moto adds a
    # second one.
    backend = ec2_backend(request.account, request.region)
    table = backend.route_tables.get(request.params.get("RouteTableId", ""))
    if table is None:
        return
    wanted = {
        "destination_cidr_block": request.params.get("DestinationCidrBlock"),
        "destination_ipv6_cidr_block": request.params.get("DestinationIpv6CidrBlock"),
    }
    prefix_list = request.params.get("DestinationPrefixListId")
    for route in list(table.routes):
        for attribute, value in wanted.items():
            if value and getattr(route, attribute, None) == value:
                raise request.error(
                    "RouteAlreadyExists", f"The route identified by {value} already exists."
                )
        listed = getattr(route, "destination_prefix_list", None)
        if prefix_list and listed is not None and getattr(listed, "id", listed) == prefix_list:
            raise request.error(
                "RouteAlreadyExists", f"The route identified by {prefix_list} already exists."
            )


@rule("logs", "CreateLogGroup", "AssociateKmsKey")
def log_group_key_exists(request: Request) -> None:
    # "If you attempt to associate a KMS key with the log group but the KMS key
    # does not exist or the KMS key is disabled, you receive an
    # InvalidParameterException error" (CloudWatch Logs API reference,
    # CreateLogGroup, AssociateKmsKey). moto stores any string. Not modelled:
    # the key policy, which must let logs.<region>.amazonaws.com use the key.
    from moto.kms.models import kms_backends

    key_id = request.body.get("kmsKeyId")
    if not key_id:
        return
    keys = kms_backends[request.account][request.region].keys
    usable = [key for key in keys.values() if key_id in (key.arn, key.id) and key.enabled]
    if not usable:
        raise request.error(
            "InvalidParameterException",
            f"The specified KMS key {key_id} does not exist or is not enabled",
        )  # the code is AWS's; the message is ours


# --- interfaces of VPC endpoints and NAT gateways -----------------------------------------------


def endpoint_interfaces_as_aws(backend: Any, endpoint: Any) -> None:
    """One interface per subnet of an interface endpoint, holding the endpoint's groups.

    AWS: "We create an endpoint network interface in each subnet that you
    select", with the endpoint's security groups, requester-managed, type
    vpc_endpoint (PrivateLink guide). moto creates them on create only, with the
    VPC's default group, and never on ModifyVpcEndpoint; the groups matter,
    since a security group an endpoint still uses cannot be deleted.
    """
    if (
        str(endpoint.vpc_endpoint_type).lower() != "interface"
        or str(endpoint.state).lower() == "deleted"
    ):
        return
    by_subnet = {}
    for eni_id in list(endpoint.network_interface_ids):
        eni = backend.enis.get(eni_id)
        if eni is None or eni.subnet.id not in (endpoint.subnet_ids or []):
            backend.enis.pop(eni_id, None)
            continue
        by_subnet[eni.subnet.id] = eni
    for subnet_id in endpoint.subnet_ids or []:
        if subnet_id not in by_subnet:
            by_subnet[subnet_id] = backend.create_network_interface(subnet_id, None)
    groups = [backend.get_security_group_from_id(g) for g in endpoint.security_group_ids]
    for eni in by_subnet.values():
        eni._group_set = [g for g in groups if g is not None]
        eni.interface_type = "vpc_endpoint"
        eni.requester_managed = True
        eni.status = "in-use"
        eni.description = f"VPC Endpoint Interface {endpoint.id}"
    endpoint.network_interface_ids = [eni.id for eni in by_subnet.values()]


def sync_created_endpoint(backend: Any, endpoint: Any, *_: Any, **__: Any) -> None:
    with LOCK:
        endpoint_interfaces_as_aws(backend, endpoint)


def sync_modified_endpoint(backend: Any, _result: Any, *args: Any, **kwargs: Any) -> None:
    endpoint_id = kwargs.get("vpc_id", args[0] if args else "")  # moto's name for the endpoint id
    with LOCK:
        endpoint = backend.vpc_end_points.get(endpoint_id)
        if endpoint is not None:
            endpoint_interfaces_as_aws(backend, endpoint)
            gateway_routes_as_aws(backend, endpoint, kwargs)


def gateway_routes_as_aws(backend: Any, endpoint: Any, change: dict[str, Any]) -> None:
    """ModifyVpcEndpoint on a gateway endpoint adds its prefix-list route to the route tables
    it gains and removes it from those it leaves (VPC User Guide, gateway endpoints: "we add
    a route ... to each route table you choose"). moto only edits the endpoint's list, and a
    later DeleteVpcEndpoints then fails on a route that was never there."""
    prefix_list = getattr(endpoint, "destination_prefix_list_id", None)
    if not prefix_list:
        return
    for table_id in change.get("add_route_tables") or []:
        table = backend.route_tables.get(table_id)
        if table is not None and not any(
            route.destination_prefix_list_id == prefix_list for route in table.routes
        ):
            backend.create_route(
                table_id, None, gateway_id=endpoint.id, destination_prefix_list_id=prefix_list
            )
    for table_id in change.get("remove_route_tables") or []:
        with contextlib.suppress(*moto_errors()):
            backend.delete_route(table_id, prefix_list)


def delete_vpc_endpoints(backend: Any, vpce_ids: list[str] | None = None) -> None:
    """DeleteVpcEndpoints as AWS answers it: an endpoint already deleted (as the SDK's retry
    of a call that took effect asks again) is not an error, and removing a gateway
    endpoint removes whatever of its routes is left (EC2 API Reference,
    DeleteVpcEndpoints: failures are listed per endpoint in `Unsuccessful`, and
    "deleting a gateway endpoint also deletes the endpoint routes in the route tables
    for the endpoint"). moto fails the whole call on a route it removed the first time,
    seen as a flaky destroy under load."""
    with LOCK:
        for vpce_id in vpce_ids or []:
            endpoint = backend.vpc_end_points.get(vpce_id)
            if endpoint is None or endpoint.state == "deleted":
                continue
            if endpoint.vpc_endpoint_type.lower() == "interface":
                for eni_id in endpoint.network_interface_ids:
                    backend.enis.pop(eni_id, None)
            else:
                for table_id in endpoint.route_table_ids:
                    with contextlib.suppress(*moto_errors()):
                        backend.delete_route(table_id, endpoint.destination_prefix_list_id)
            endpoint.state = "deleted"


def route_table_filters_as_aws(original: Callable[..., Any]) -> Callable[..., Any]:
    """RouteTable.get_filter_value with DescribeRouteTables' `route.destination-prefix-list-id`
    filter (EC2 API reference, DescribeRouteTables), which moto lacks: the route tables that
    route a prefix list, e.g. an S3 or DynamoDB gateway endpoint's, as the provider's
    data "aws_route_tables" reads them at plan."""

    @functools.wraps(original)
    def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name == "route.destination-prefix-list-id":
            return [
                route.destination_prefix_list.id
                for route in self._routes.values()
                if getattr(route, "destination_prefix_list", None) is not None
            ]
        return original(self, filter_name, method_name)

    return get_filter_value


def release_nat_interface(backend: Any, nat_gateway: Any, *_: Any, **__: Any) -> None:
    # Deleting a NAT gateway releases its network interface and disassociates its
    # Elastic IP (VPC User Guide, "Delete a NAT gateway": "...disassociates its
    # Elastic IP address, but does not release the address"). moto keeps both.
    with LOCK:
        eni = getattr(nat_gateway, "_eni", None)
        if eni is None:
            return
        for address in list(backend.addresses):
            if address.eni is not None and address.eni.id == eni.id:
                backend.disassociate_address(address=address.public_ip)
        backend.enis.pop(eni.id, None)


def revoke_as_aws(original: Callable[..., Any]) -> Callable[..., Any]:
    """RevokeSecurityGroupEgress/Ingress by permission as AWS answers it: "If the values you
    specify do not match the existing rule's values, no error is returned, and the output
    describes the security group rules that were not revoked" (EC2 API Reference). moto fails
    with InvalidPermission.NotFound, which under load showed as a failed apply: the SDK's
    retry of a revoke that had taken effect. A revoke by rule ID still fails on an unknown
    ID, as on AWS."""

    @functools.wraps(original)
    def revoke(backend: Any, *args: Any, **kwargs: Any) -> Any:
        from moto.ec2.exceptions import InvalidPermissionNotFoundError

        try:
            return original(backend, *args, **kwargs)
        except InvalidPermissionNotFoundError:
            if kwargs.get("security_rule_ids"):
                raise
            record(event="refused-by-moto", action=original.__name__, answered="as AWS: no error")
            return None

    return revoke
