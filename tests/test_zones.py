"""Availability zones and interface endpoint services, planned against the emulator.

An interface endpoint service is not offered in every zone of a region, and a zone's
name means a different zone in each account. The generated Terraform reads, at plan,
the zones each chosen service is offered in (data "aws_vpc_endpoint_service"): a subnet
in a zone one of them lacks fails the plan naming the zone and the service (the subnets
stay in the region's first zones, or the pinned ones: a subnet cannot change zone without
being replaced, so its zone never follows the services), and zones pinned by AZ ID resolve
to this account's names. The emulator offers a service in fewer zones for a test
(AwsEmulator.services_offered_in), and then refuses an endpoint elsewhere, as AWS does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from fixtures_terraform import AwsEmulator, BindTerraform, TerraformFailed

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

REGION = "us-east-1"
STS = f"com.amazonaws.{REGION}.sts"
# moto's us-east-1: us-east-1a is use1-az6, 1b use1-az1, 1c use1-az2, 1d use1-az4.


def planned_subnet_zones(
    terraform: BindTerraform, project: Path, emulator: AwsEmulator
) -> dict[str, Any]:
    runner = terraform(project, emulator, REGION)
    runner.init()
    runner.run("plan", "-out=tfplan", "-input=false", "-no-color", "-lock=false")
    plan = json.loads(runner.run("show", "-json", "tfplan").stdout)
    return {
        change["index"]: change["change"]["after"]["availability_zone"]
        for change in plan["resource_changes"]
        if change["address"].startswith("module.network.aws_subnet.private[")
    }


def plan_failure(terraform: BindTerraform, project: Path, emulator: AwsEmulator) -> str:
    runner = terraform(project, emulator, REGION)
    runner.init()
    with pytest.raises(TerraformFailed) as failed:
        runner.run("plan", "-input=false", "-no-color", "-lock=false")
    return " ".join(str(failed.value).replace("│", " ").split())  # Terraform wraps long messages


def test_unpinned_subnets_in_a_zone_a_chosen_service_lacks_fail_the_plan_and_never_move(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    project = generate("--endpoints", "s3,sts", "--azs", "2")
    with aws_emulator.services_offered_in({STS: ["us-east-1b", "us-east-1d", "us-east-1e"]}):
        message = plan_failure(terraform, project, aws_emulator)
    assert (
        f"The VPC endpoint service {STS} does not support the availability zone"
        " us-east-1a (use1-az6) of the function's subnets" in message
    ), message
    assert "vpc-lambda-new update --zones" in message
    # Offered everywhere, the subnets take the region's first zones, as without endpoints.
    assert planned_subnet_zones(terraform, project, aws_emulator) == {"az1": "us-east-1a", "az2": "us-east-1b"}


def test_without_interface_endpoints_the_region_s_first_zones(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    project = generate("--endpoints", "s3", "--azs", "2")
    with aws_emulator.services_offered_in({STS: ["us-east-1b", "us-east-1d"]}):
        zones = planned_subnet_zones(terraform, project, aws_emulator)
    assert zones == {"az1": "us-east-1a", "az2": "us-east-1b"}


def test_zones_pinned_by_az_id_resolve_to_the_account_s_names_in_the_order_given(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    project = generate("--endpoints", "s3,sts", "--zones", "use1-az4,use1-az1")
    assert planned_subnet_zones(terraform, project, aws_emulator) == {
        "az1": "us-east-1d",
        "az2": "us-east-1b",
    }


def test_a_pinned_zone_a_chosen_service_is_not_offered_in_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    project = generate("--endpoints", "s3,sts", "--zones", "use1-az1,use1-az2")
    with aws_emulator.services_offered_in({STS: ["us-east-1a", "us-east-1b"]}):
        message = plan_failure(terraform, project, aws_emulator)
    assert (
        f"The VPC endpoint service {STS} does not support the availability zone"
        " us-east-1c (use1-az2) of the function's subnets" in message
    ), message
    assert "Pin zones that every interface endpoint service offers" in message


def test_a_pinned_zone_the_region_lacks_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    project = generate("--zones", "use1-az1,use1-az9")
    message = plan_failure(terraform, project, aws_emulator)
    assert (
        f"availability_zones pins use1-az9, not a standard availability zone of {REGION}" in message
    )


def test_an_existing_subnet_in_a_zone_a_chosen_service_is_not_offered_in_fails_the_plan(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{index}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for index, zone in enumerate(["us-east-1a", "us-east-1c"])
    ]
    project = generate(
        "--topology", "existing", "--vpc-id", vpc, "--subnet-ids", ",".join(subnets), "--endpoints", "sts",
    )  # fmt: skip
    with aws_emulator.services_offered_in({STS: ["us-east-1a", "us-east-1b"]}):
        message = plan_failure(terraform, project, aws_emulator)
    assert (
        f"The VPC endpoint service {STS} does not support the availability zone"
        " us-east-1c (use1-az2) of the function's subnets" in message
    ), message
    assert (
        "Use subnets in zones it is offered in, or leave sts out of interface_endpoints" in message
    )
