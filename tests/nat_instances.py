"""The NAT instances of a deployed project (`--nat instance`, `instance-per-az`), as the AWS
APIs report them, and what they must be: read back and judged by test_apply.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fixtures_terraform import AwsEmulator


@dataclass
class NatInstances:
    """What the NAT-instance layer created in one VPC."""

    interfaces: dict[str, dict[str, Any]]  # the interfaces the private routes point at, by ID
    groups: list[dict[str, Any]]  # the auto scaling groups of one
    templates: dict[str, dict[str, Any]]  # each group's launch template data, by template ID
    instances: dict[str, dict[str, Any]]  # the groups' running instances, by ID

    def ids(self) -> dict[str, set[str]]:
        return {
            "network_interfaces": set(self.interfaces),
            "launch_templates": set(self.templates),
            "auto_scaling_groups": {group["AutoScalingGroupName"] for group in self.groups},
        }


def read_nat_instances(emulator: AwsEmulator, region: str, vpc_id: str, name: str) -> NatInstances:
    ec2 = emulator.client("ec2", region)
    interfaces = {
        eni["NetworkInterfaceId"]: eni
        for eni in ec2.describe_network_interfaces(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "tag:NatFor", "Values": [name]},
            ]
        )["NetworkInterfaces"]
        if not eni.get("Attachment")  # the instances' own interfaces are attached at launch
    }
    for eni_id, eni in interfaces.items():
        answer = ec2.describe_network_interface_attribute(
            NetworkInterfaceId=eni_id, Attribute="sourceDestCheck"
        )
        eni["SourceDestCheck"] = answer["SourceDestCheck"]["Value"]
    groups = [
        group
        for group in emulator.client("autoscaling", region).describe_auto_scaling_groups()[
            "AutoScalingGroups"
        ]
        if {"Key": "Project", "Value": name}
        in [{"Key": tag["Key"], "Value": tag["Value"]} for tag in group.get("Tags", [])]
    ]
    templates = {}
    for group in groups:
        template_id = group["LaunchTemplate"]["LaunchTemplateId"]
        versions = ec2.describe_launch_template_versions(
            LaunchTemplateId=template_id, Versions=["$Latest"]
        )["LaunchTemplateVersions"]
        templates[template_id] = versions[0]["LaunchTemplateData"]
    instance_ids = [i["InstanceId"] for group in groups for i in group.get("Instances", [])]
    instances = {}
    if instance_ids:
        for reservation in ec2.describe_instances(InstanceIds=instance_ids)["Reservations"]:
            for instance in reservation["Instances"]:
                instances[instance["InstanceId"]] = instance
    return NatInstances(interfaces, groups, templates, instances)


def nat_instance_problems(
    nat: NatInstances,
    expected: int,
    public_subnets: dict[str, dict[str, Any]],
    private_zones_by_route: dict[str, str],
) -> Iterator[str]:
    """`private_zones_by_route`: for each private subnet's AZ, the interface its 0.0.0.0/0
    route targets (the caller reads the routes)."""
    if len(nat.interfaces) != expected:
        yield f"nat-instance-count: {len(nat.interfaces)} NAT interfaces, expected {expected}"
    if len(nat.groups) != expected:
        yield f"nat-instance-count: {len(nat.groups)} auto scaling groups, expected {expected}"
    for eni_id, eni in sorted(nat.interfaces.items()):
        if eni["SubnetId"] not in public_subnets:
            yield f"nat-instance-public: the NAT interface {eni_id} sits in {eni['SubnetId']}, not a public subnet"
        if eni["SourceDestCheck"] is not False:
            yield f"nat-instance-forwarding: the NAT interface {eni_id} has its source/destination check on"
    subnets = {eni["SubnetId"] for eni in nat.interfaces.values()}
    for group in nat.groups:
        sizes = (group["MinSize"], group["MaxSize"], group["DesiredCapacity"])
        if sizes != (1, 1, 1):
            yield f"nat-instance-group: {group['AutoScalingGroupName']} has min, max, desired {sizes}, not one instance"
        zone_subnets = set(filter(None, group.get("VPCZoneIdentifier", "").split(",")))
        if len(zone_subnets) != 1 or not zone_subnets <= subnets:
            yield f"nat-instance-group: {group['AutoScalingGroupName']} launches in {sorted(zone_subnets)}, not in one NAT interface's subnet"
        running = [i for i in group.get("Instances", []) if i.get("LifecycleState") == "InService"]
        if len(running) != 1:
            yield f"nat-instance-group: {group['AutoScalingGroupName']} has {len(running)} instances in service"
    for template_id, data in sorted(nat.templates.items()):
        if (data.get("MetadataOptions") or {}).get("HttpTokens") != "required":
            yield f"nat-instance-imdsv2: launch template {template_id} does not require IMDSv2"
        if data.get("KeyName"):
            yield f"nat-instance-no-ssh: launch template {template_id} names key pair {data['KeyName']}"
        interfaces = data.get("NetworkInterfaces") or []
        if not any(str(i.get("AssociatePublicIpAddress")).lower() == "true" for i in interfaces):
            yield f"nat-instance-public-ip: launch template {template_id} gives its instances no public IPv4 address"
    for zone, target in sorted(private_zones_by_route.items()):
        if target not in nat.interfaces:
            yield f"nat-instance-routes: a private subnet in {zone} sends 0.0.0.0/0 to {target}, not a NAT interface"
