"""EC2 instances and the interfaces around them as AWS handles them where moto does not:
what the NAT instances of `--nat instance` rely on (templates/nat-instance)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from scaffold.emulator.core import LOCK, Request, ec2_backend, moto_errors, rule


def terminate_as_aws(original: Callable[..., Any]) -> Callable[..., Any]:
    """Instance.terminate, then its interfaces as AWS leaves them.

    EC2 User Guide, "Elastic network interfaces" (Delete on termination): an interface
    created with the instance at launch is deleted when the instance terminates; one
    attached afterwards is detached and stays "available" with its addresses (the NAT
    interface a NAT instance took over). moto deletes an interface only when its
    DeleteOnTermination is the boolean true, which a launch template's "true" is not (it
    keeps the flag as False then, so an explicit false cannot be told apart: the primary
    interface created at launch is deleted, AWS's default), and leaves every other
    interface "in-use" by the terminated instance, so the subnet and security group it
    is in can never be deleted. The terminated instance keeps its record of the primary
    interface, which moto's DescribeInstances reads."""

    @functools.wraps(original)
    def terminate(instance: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            before = dict(instance.nics)
            launched = {index: eni.id for index, eni in before.items() if index == 0}
        result = original(instance, *args, **kwargs)
        with LOCK:
            backend = instance.ec2_backend
            for index, eni in before.items():
                if eni.id not in backend.enis:
                    continue  # moto deleted it already
                if launched.get(index) == eni.id:
                    eni.delete()
                elif eni.instance is instance:
                    instance.detach_eni(eni)
        return result

    return terminate


@rule("ec2", "CreateRoute", "ReplaceRoute")
def route_interface_in_the_vpc(request: Request) -> None:
    # A route's target network interface must be in the route table's VPC, and attached
    # to no more than one instance (EC2 API reference, CreateRoute: "You must specify one
    # of the following targets ... network interface"; AWS answers
    # InvalidParameterValue for an interface of another VPC; the message is ours).
    # moto accepts any interface ID, even one that does not exist.
    interface_id = request.params.get("NetworkInterfaceId")
    table_id = request.params.get("RouteTableId")
    if not interface_id or not table_id:
        return
    backend = ec2_backend(request.account, request.region)
    try:
        eni = backend.get_network_interface(interface_id)
        table = backend.get_route_table(table_id)
    except moto_errors():
        raise request.error(
            "InvalidNetworkInterfaceID.NotFound",
            f"The networkInterface ID '{interface_id}' does not exist",
        ) from None
    if eni.subnet.vpc_id != table.vpc_id:
        raise request.error(
            "InvalidParameterValue",
            f"The route table {table_id} and the network interface {interface_id} belong to"
            " different networks",
        )


def launch_template_data_as_aws(original: Callable[..., Any]) -> Callable[..., Any]:
    """LaunchTemplateBackend.create_launch_template, without the template's own tags in
    its data. CreateLaunchTemplate's TagSpecification of type launch-template tags the
    template (EC2 API reference); the template data's TagSpecifications are what
    instances launched from it get. moto copies the first into the second, and every
    plan after the first apply then wants to remove them."""

    @functools.wraps(original)
    def create(
        backend: Any, name: str, description: str, template_data: dict[str, Any], *args: Any
    ) -> Any:
        specs = template_data.get("TagSpecifications")
        if isinstance(specs, list):
            kept = [spec for spec in specs if spec.get("ResourceType") != "launch-template"]
            template_data = {**template_data, "TagSpecifications": kept}
        return original(backend, name, description, template_data, *args)

    return create
