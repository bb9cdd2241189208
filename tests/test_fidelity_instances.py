"""The emulator's rules for what NAT instances rely on (scaffold/emulator/instance_rules.py):
each proven active against the running emulator, where moto alone does otherwise."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fixtures_terraform import AwsEmulator
from test_fidelity import REGION, Network, build_network, error_of, unique

pytestmark = pytest.mark.emulator


@pytest.fixture
def ec2(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("ec2", REGION)


@pytest.fixture
def network(ec2: Any) -> Network:
    return build_network(ec2)


def an_image(ec2: Any) -> str:
    return str(ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])


def test_a_route_to_an_interface_of_another_vpc_is_refused(ec2: Any, network: Network) -> None:
    other = build_network(ec2)
    foreign = ec2.create_network_interface(SubnetId=other.subnet_a)["NetworkInterface"]
    table = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    code, message = error_of(
        ec2.create_route, RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
        NetworkInterfaceId=foreign["NetworkInterfaceId"],
    )  # fmt: skip
    assert code == "InvalidParameterValue" and "different networks" in message
    code, _ = error_of(
        ec2.create_route, RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
        NetworkInterfaceId="eni-0123456789abcdef0",
    )  # fmt: skip
    assert code == "InvalidNetworkInterfaceID.NotFound"
    own = ec2.create_network_interface(SubnetId=network.subnet_a)["NetworkInterface"]
    ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
        NetworkInterfaceId=own["NetworkInterfaceId"],
    )  # fmt: skip


def test_terminating_an_instance_deletes_its_own_interface_and_frees_a_taken_over_one(
    ec2: Any, network: Network
) -> None:
    template = ec2.create_launch_template(
        LaunchTemplateName=unique("nat"),
        LaunchTemplateData={
            "ImageId": an_image(ec2),
            "InstanceType": "t4g.nano",
            "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True, "DeleteOnTermination": True, "SubnetId": network.subnet_a}],
        },
    )["LaunchTemplate"]["LaunchTemplateId"]  # fmt: skip
    (instance,) = ec2.run_instances(
        LaunchTemplate={"LaunchTemplateId": template}, MinCount=1, MaxCount=1
    )["Instances"]
    own = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    taken = ec2.create_network_interface(SubnetId=network.subnet_a)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=taken, InstanceId=instance["InstanceId"], DeviceIndex=1)
    # Busy while the instance runs: the subnet keeps its interfaces.
    assert error_of(ec2.delete_subnet, SubnetId=network.subnet_a)[0] == "DependencyViolation"
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    left = {i["NetworkInterfaceId"]: i for i in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    assert own not in left  # created at launch: deleted with the instance
    assert left[taken]["Status"] == "available" and not left[taken].get("Attachment")
    ec2.delete_network_interface(NetworkInterfaceId=taken)
    ec2.delete_subnet(SubnetId=network.subnet_a)


def test_a_launch_templates_own_tags_stay_out_of_its_data(ec2: Any) -> None:
    created = ec2.create_launch_template(
        LaunchTemplateName=unique("tagged"),
        LaunchTemplateData={
            "ImageId": an_image(ec2),
            "UserData": base64.b64encode(b"#!/bin/bash\n").decode(),
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "nat"}]}],
        },
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Project", "Value": "p"}]}],
    )["LaunchTemplate"]  # fmt: skip
    (version,) = ec2.describe_launch_template_versions(
        LaunchTemplateId=created["LaunchTemplateId"], Versions=["$Latest"]
    )["LaunchTemplateVersions"]
    specs = version["LaunchTemplateData"]["TagSpecifications"]
    assert [spec["ResourceType"] for spec in specs] == ["instance"]
    (template,) = ec2.describe_launch_templates(LaunchTemplateIds=[created["LaunchTemplateId"]])["LaunchTemplates"]
    assert {"Key": "Project", "Value": "p"} in template.get("Tags", [])
