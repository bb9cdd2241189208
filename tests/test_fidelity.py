"""Every emulator fidelity rule (scaffold/emulator) is active: what AWS refuses fails.

Each test sends a known-bad request (boto3, or the real Terraform where the
point is what the provider makes of the answer) and checks that the emulator
refuses it as AWS does, then that the good case passes. A rule that stopped
working would let these known-bad requests through.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import json
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fixtures_deployer import MakeDeployer, as_deployer
from fixtures_terraform import (
    AwsEmulator,
    BindTerraform,
    DeniedByPolicy,
    Terraform,
    TerraformFailed,
)

pytestmark = pytest.mark.emulator

REGION = "us-east-1"
_octets = itertools.count(100)
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ENI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the ClientError the call raises; fails if it succeeds."""
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    error = raised.value.response["Error"]
    return str(error["Code"]), str(error.get("Message", ""))


@pytest.fixture
def ec2(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("ec2", REGION)


@pytest.fixture
def lam(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("lambda", REGION)


@pytest.fixture
def iam(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("iam", REGION)


@pytest.fixture
def fast_release(aws_emulator: AwsEmulator) -> Iterator[float]:
    """Lambda releases interfaces after 1 s for the test (the server's settings restored after)."""
    before = aws_emulator.settings()
    aws_emulator.settings(lambda_eni_release_seconds=1)
    try:
        yield 1.0
    finally:
        aws_emulator.settings(**before)


@dataclass
class Network:
    vpc: str
    subnet_a: str  # zone a
    subnet_a2: str  # zone a, too
    subnet_b: str  # zone b
    group: str
    zones: list[str]


def build_network(ec2: Any, dns: bool = True) -> Network:
    octet = next(_octets)
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
    if dns:
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]

    def subnet(index: int, zone: str) -> str:
        created = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.{octet}.{index}.0/24", AvailabilityZone=zone
        )
        return str(created["Subnet"]["SubnetId"])

    group = ec2.create_security_group(GroupName=unique("fn"), Description="function", VpcId=vpc)[
        "GroupId"
    ]
    return Network(vpc, subnet(1, zones[0]), subnet(2, zones[0]), subnet(3, zones[1]), group, zones)


@pytest.fixture
def network(ec2: Any) -> Network:
    return build_network(ec2)


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def execution_role(
    iam: Any, eni_permissions: bool = True, trust: dict[str, Any] = LAMBDA_TRUST
) -> str:
    name = unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if eni_permissions:
        iam.attach_role_policy(RoleName=name, PolicyArn=ENI_POLICY_ARN)
    return str(arn)


def create_function(
    lam: Any, role: str, vpc_config: dict[str, Any] | None, name: str | None = None
) -> str:
    name = name or unique("fn")
    extra = {"VpcConfig": vpc_config} if vpc_config is not None else {}
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": package()}, **extra,
    )  # fmt: skip
    return name


def lambda_enis(ec2: Any, **filters: str) -> list[dict[str, Any]]:
    names = {"subnet": "subnet-id", "group": "group-id", "vpc": "vpc-id"}
    query = [{"Name": names[key], "Values": [value]} for key, value in filters.items()]
    query.append({"Name": "interface-type", "Values": ["lambda"]})
    return list(ec2.describe_network_interfaces(Filters=query)["NetworkInterfaces"])


def wait_for_release(seconds: float) -> None:
    """Lets the release delay pass; the emulator releases on the next EC2 request."""
    time.sleep(seconds + 0.5)


# --- IAM: keys the emulator issued are authorized, admin keys are not ------------------------


def user_allowed(aws_emulator: AwsEmulator, *actions: str) -> dict[str, str]:
    """Credentials of a new IAM user whose one policy allows `actions` on "*"."""
    iam = aws_emulator.client("iam", REGION)
    user = unique("user")
    iam.create_user(UserName=user)
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    iam.put_user_policy(UserName=user, PolicyName="only", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


def test_issued_keys_are_held_to_their_policy_in_each_protocols_error_shape(
    aws_emulator: AwsEmulator,
) -> None:
    user = user_allowed(aws_emulator, "ec2:DescribeVpcs", "lambda:ListFunctions")
    as_user = {
        s: aws_emulator.client(s, REGION, user) for s in ("ec2", "iam", "lambda", "logs", "sts")
    }
    as_user["ec2"].describe_vpcs()
    as_user["lambda"].list_functions()

    denied = {
        "ec2": error_of(as_user["ec2"].create_vpc, CidrBlock="10.1.0.0/16"),
        "iam": error_of(as_user["iam"].create_role, RoleName="x", AssumeRolePolicyDocument="{}"),
        "lambda": error_of(as_user["lambda"].delete_function, FunctionName="x"),
        "logs": error_of(as_user["logs"].describe_log_groups),
    }
    assert denied["ec2"][0] == "UnauthorizedOperation"  # EC2's code for a denial
    assert denied["iam"][0] == "AccessDenied"
    assert denied["lambda"][0] == "AccessDeniedException"
    assert denied["logs"][0] == "AccessDeniedException"
    for service, action in [("ec2", "ec2:CreateVpc"), ("iam", "iam:CreateRole"),
                            ("lambda", "lambda:DeleteFunction"), ("logs", "logs:DescribeLogGroups")]:  # fmt: skip
        assert f"is not authorized to perform: {action}" in denied[service][1]
    assert ":user/user-" in as_user["sts"].get_caller_identity()["Arn"]
    # The fixtures' dummy keys stay unrestricted.
    aws_emulator.client("ec2", REGION).create_vpc(CidrBlock="10.1.0.0/16")


def test_body_less_requests_of_issued_keys_pass_the_signature_check(
    aws_emulator: AwsEmulator, iam: Any, lam: Any
) -> None:
    name = create_function(lam, execution_role(iam), None)
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    user = user_allowed(aws_emulator, "lambda:GetFunction", "lambda:ListVersionsByFunction")
    as_user = aws_emulator.client("lambda", REGION, user)
    # GET without a body, an ARN in the path, a query string that needs escaping:
    # moto's own check fails all of these with SignatureDoesNotMatch.
    assert as_user.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    assert as_user.get_function(FunctionName=arn, Qualifier="$LATEST")["Configuration"][
        "FunctionArn"
    ]
    assert as_user.list_versions_by_function(FunctionName=name)["Versions"]
    wrong = {**user, "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    code, _ = error_of(aws_emulator.client("lambda", REGION, wrong).get_function, FunctionName=name)
    assert code == "InvalidSignatureException"


def test_implied_actions_are_authorized(
    aws_emulator: AwsEmulator, iam: Any, network: Network
) -> None:
    role = execution_role(iam)
    vpc_config = {"SubnetIds": [network.subnet_a], "SecurityGroupIds": [network.group]}

    def denial(actions: tuple[str, ...], service: str, call: str, **kwargs: Any) -> str:
        client = aws_emulator.client(service, REGION, user_allowed(aws_emulator, *actions))
        return error_of(getattr(client, call), **kwargs)[1]

    create = {
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "h.h",
        "Code": {"ZipFile": package()},
    }
    lambda_only = ("lambda:CreateFunction",)
    assert "iam:PassRole" in denial(
        lambda_only, "lambda", "create_function", FunctionName=unique("f"), **create
    )
    passing = ("lambda:CreateFunction", "iam:PassRole")
    assert "ec2:DescribeSecurityGroups" in denial(
        passing,
        "lambda",
        "create_function",
        FunctionName=unique("f"),
        VpcConfig=vpc_config,
        **create,
    )
    assert "lambda:TagResource" in denial(
        passing, "lambda", "create_function", FunctionName=unique("f"), Tags={"a": "b"}, **create
    )
    tags = [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}]
    assert "ec2:CreateTags" in denial(
        ("ec2:CreateVpc",), "ec2", "create_vpc", CidrBlock="10.2.0.0/16", TagSpecifications=tags
    )
    assert "iam:TagRole" in denial(
        ("iam:CreateRole",), "iam", "create_role", RoleName=unique("r"),
        AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST), Tags=[{"Key": "a", "Value": "b"}],
    )  # fmt: skip
    assert "route53:AssociateVPCWithHostedZone" in denial(
        ("ec2:CreateVpcEndpoint",), "ec2", "create_vpc_endpoint", VpcId=network.vpc,
        ServiceName=f"com.amazonaws.{REGION}.sts", VpcEndpointType="Interface",
        SubnetIds=[network.subnet_a], PrivateDnsEnabled=True,
    )  # fmt: skip
    assert "iam:PassRole" in denial(
        ("ec2:CreateFlowLogs",), "ec2", "create_flow_logs", ResourceIds=[network.vpc],
        ResourceType="VPC", TrafficType="ALL", LogGroupName="g", DeliverLogsPermissionArn=role,
    )  # fmt: skip
    # With every implied action granted, the same calls pass.
    full = (
        *passing,
        "lambda:TagResource",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    )
    client = aws_emulator.client("lambda", REGION, user_allowed(aws_emulator, *full))
    client.create_function(
        FunctionName=unique("f"), VpcConfig=vpc_config, Tags={"a": "b"}, **create
    )


TERRAFORM_PROVIDER = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "us-east-1"
}
"""


def terraform_folder(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(TERRAFORM_PROVIDER + body, encoding="utf-8")
    return folder


@pytest.mark.terraform
def test_terraform_names_every_denied_action_of_each_protocol(
    tmp_path: Path, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    folder = terraform_folder(tmp_path, """
resource "aws_vpc" "denied" {
  cidr_block = "10.3.0.0/16"
}

resource "aws_iam_role" "denied" {
  name               = "denied-role"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}

resource "aws_cloudwatch_log_group" "denied" {
  name = "/denied"
}

data "aws_lambda_functions" "all" {}
""")  # fmt: skip
    runner = terraform(folder, aws_emulator, REGION)
    runner.init()
    nothing = user_allowed(aws_emulator, "sts:GetCallerIdentity")
    as_user = dataclasses.replace(runner, extra_env=nothing)
    with pytest.raises(DeniedByPolicy) as planning:  # the data source fails the plan first
        as_user.run("plan", "-input=false", "-no-color")
    assert planning.value.actions == {"lambda:ListFunctions"}

    (folder / "main.tf").write_text(
        (folder / "main.tf").read_text().replace('data "aws_lambda_functions" "all" {}', ""),
        encoding="utf-8",
    )
    with pytest.raises(DeniedByPolicy) as applying:
        as_user.apply()
    assert applying.value.actions == {"ec2:CreateVpc", "iam:CreateRole", "logs:CreateLogGroup"}

    granted = user_allowed(aws_emulator, "lambda:ListFunctions")
    allowed = dataclasses.replace(runner, extra_env=granted)
    (folder / "main.tf").write_text(
        TERRAFORM_PROVIDER + 'data "aws_lambda_functions" "all" {}\n', encoding="utf-8"
    )
    allowed.run("plan", "-input=false", "-no-color")  # a body-less GET, signed by Go, verifies


# --- Lambda's Hyperplane interfaces -----------------------------------------------------------


def test_a_vpc_function_gets_interfaces_as_lambda_makes_them(
    ec2: Any, lam: Any, iam: Any, network: Network
) -> None:
    role = execution_role(iam)
    subnets = [network.subnet_a, network.subnet_b]
    name = create_function(lam, role, {"SubnetIds": subnets, "SecurityGroupIds": [network.group]})
    enis = lambda_enis(ec2, group=network.group)
    assert sorted(e["SubnetId"] for e in enis) == sorted(subnets)  # one per subnet and group set
    for eni in enis:
        assert eni["Description"].startswith(f"AWS Lambda VPC ENI-{name}-")
        assert eni["InterfaceType"] == "lambda" and eni["RequesterManaged"] is True
        assert eni["Status"] == "in-use"
        assert eni["Attachment"]["InstanceOwnerId"] == "amazon-aws"
        assert [g["GroupId"] for g in eni["Groups"]] == [network.group]
    # A second function with the same subnets and groups shares them.
    create_function(lam, role, {"SubnetIds": subnets, "SecurityGroupIds": [network.group]})
    assert len(lambda_enis(ec2, group=network.group)) == 2


def test_subnets_and_groups_stay_busy_until_the_interfaces_are_released(
    aws_emulator: AwsEmulator, ec2: Any, lam: Any, iam: Any, network: Network, fast_release: float
) -> None:
    name = create_function(
        lam,
        execution_role(iam),
        {"SubnetIds": [network.subnet_a], "SecurityGroupIds": [network.group]},
    )
    assert error_of(ec2.delete_subnet, SubnetId=network.subnet_a)[0] == "DependencyViolation"
    assert error_of(ec2.delete_security_group, GroupId=network.group)[0] == "DependencyViolation"
    (eni,) = lambda_enis(ec2, group=network.group)
    code, _ = error_of(ec2.delete_network_interface, NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert code == "InvalidNetworkInterface.InUse"
    code, _ = error_of(
        ec2.detach_network_interface, AttachmentId=eni["Attachment"]["AttachmentId"], Force=True
    )
    assert code == "OperationNotPermitted"
    code, _ = error_of(
        ec2.modify_network_interface_attribute, NetworkInterfaceId=eni["NetworkInterfaceId"],
        Groups=[network.group],
    )  # fmt: skip
    assert code == "OperationNotPermitted"

    lam.delete_function(FunctionName=name)
    assert lambda_enis(ec2, group=network.group), "released at once: AWS takes its time"
    assert error_of(ec2.delete_security_group, GroupId=network.group)[0] == "DependencyViolation"
    wait_for_release(fast_release)
    assert not lambda_enis(ec2, group=network.group)
    ec2.delete_security_group(GroupId=network.group)
    ec2.delete_subnet(SubnetId=network.subnet_a)


def test_detaching_or_moving_a_function_releases_only_the_unused_interfaces_later(
    aws_emulator: AwsEmulator, ec2: Any, lam: Any, iam: Any, network: Network, fast_release: float
) -> None:
    other = ec2.create_security_group(
        GroupName=unique("other"), Description="d", VpcId=network.vpc
    )["GroupId"]
    name = create_function(
        lam,
        execution_role(iam),
        {"SubnetIds": [network.subnet_a], "SecurityGroupIds": [network.group]},
    )
    lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [network.subnet_a], "SecurityGroupIds": [other]}
    )
    assert lambda_enis(ec2, group=other), "the new group's interface is made at once"
    assert lambda_enis(ec2, group=network.group), "the old group's lingers"
    wait_for_release(fast_release)
    assert not lambda_enis(ec2, group=network.group)

    lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    assert lambda_enis(ec2, group=other)
    wait_for_release(fast_release)
    assert not lambda_enis(ec2, group=other)


def test_released_interfaces_can_be_left_available_for_the_provider_to_delete(
    aws_emulator: AwsEmulator, ec2: Any, lam: Any, iam: Any, network: Network, fast_release: float
) -> None:
    before = aws_emulator.settings()
    aws_emulator.settings(lambda_eni_release="available")
    try:
        name = create_function(
            lam,
            execution_role(iam),
            {"SubnetIds": [network.subnet_a], "SecurityGroupIds": [network.group]},
        )
        lam.delete_function(FunctionName=name)
        wait_for_release(fast_release)
        (eni,) = lambda_enis(ec2, group=network.group)
        assert eni["Status"] == "available" and "Attachment" not in eni
        assert error_of(ec2.delete_subnet, SubnetId=network.subnet_a)[0] == "DependencyViolation"
        ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
        ec2.delete_subnet(SubnetId=network.subnet_a)
    finally:
        aws_emulator.settings(**before)


# --- Lambda's checks of VpcConfig and of the execution role -------------------------------------


def test_lambda_checks_the_vpc_config_and_reports_the_real_vpc(
    ec2: Any, lam: Any, iam: Any, network: Network
) -> None:
    role = execution_role(iam)
    group = [network.group]
    assert (
        "InvalidSubnetID.NotFound"
        in error_of(
            create_function,
            lam,
            role,
            {"SubnetIds": ["subnet-0000000000000000f"], "SecurityGroupIds": group},
        )[1]
    )
    assert (
        "InvalidGroup.NotFound"
        in error_of(
            create_function,
            lam,
            role,
            {"SubnetIds": [network.subnet_a], "SecurityGroupIds": ["sg-0000000000000000f"]},
        )[1]
    )
    elsewhere = build_network(ec2)
    code, _ = error_of(
        create_function, lam, role, {"SubnetIds": [elsewhere.subnet_a], "SecurityGroupIds": group}
    )
    assert code == "InvalidParameterValueException"

    name = create_function(lam, role, {"SubnetIds": [network.subnet_a], "SecurityGroupIds": group})
    config = lam.get_function_configuration(FunctionName=name)["VpcConfig"]
    assert config["VpcId"] == network.vpc  # moto says "vpc-123abc"
    assert config["Ipv6AllowedForDualStack"] is False


def test_dual_stack_needs_ipv6_subnets(ec2: Any, lam: Any, iam: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0][
        "Ipv6CidrBlock"
    ]
    dual = ec2.create_subnet(
        VpcId=vpc["VpcId"],
        CidrBlock="10.40.1.0/24",
        Ipv6CidrBlock=block.replace("00::/56", "01::/64"),
    )["Subnet"]
    # moto rendered this state as the string "{'State': 'associated'}".
    (association,) = dual["Ipv6CidrBlockAssociationSet"]
    assert association["Ipv6CidrBlockState"] == {"State": "associated"}
    described = ec2.describe_subnets(SubnetIds=[dual["SubnetId"]])["Subnets"][0]
    assert described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlockState"] == {
        "State": "associated"
    }
    v4_only = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.40.2.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=unique("g"), Description="d", VpcId=vpc["VpcId"])[
        "GroupId"
    ]
    role = execution_role(iam)

    config = {
        "SubnetIds": [dual["SubnetId"], v4_only],
        "SecurityGroupIds": [group],
        "Ipv6AllowedForDualStack": True,
    }
    code, message = error_of(create_function, lam, role, config)
    assert code == "InvalidParameterValueException" and v4_only in message
    name = create_function(lam, role, {**config, "SubnetIds": [dual["SubnetId"]]})
    assert (
        lam.get_function_configuration(FunctionName=name)["VpcConfig"]["Ipv6AllowedForDualStack"]
        is True
    )


def test_lambda_checks_the_execution_role(lam: Any, iam: Any, network: Network) -> None:
    config = {"SubnetIds": [network.subnet_a], "SecurityGroupIds": [network.group]}
    code, message = error_of(
        create_function, lam, execution_role(iam, eni_permissions=False), config
    )
    assert (code, message) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
    )
    create_function(
        lam, execution_role(iam, eni_permissions=False), None
    )  # outside a VPC it needs none
    ec2_trust = json.loads(
        json.dumps(LAMBDA_TRUST).replace("lambda.amazonaws.com", "ec2.amazonaws.com")
    )
    code, message = error_of(create_function, lam, execution_role(iam, trust=ec2_trust), None)
    assert message == "The role defined for the function cannot be assumed by Lambda."


# --- endpoints, routes, dependencies ---------------------------------------------------------


def test_an_interface_endpoint_takes_one_subnet_per_zone(ec2: Any, network: Network) -> None:
    sts = f"com.amazonaws.{REGION}.sts"
    code, message = error_of(
        ec2.create_vpc_endpoint, VpcId=network.vpc, ServiceName=sts, VpcEndpointType="Interface",
        SubnetIds=[network.subnet_a, network.subnet_a2], SecurityGroupIds=[network.group],
    )  # fmt: skip
    assert code == "DuplicateSubnetsInSameZone" and network.subnet_a2 in message
    endpoint = ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=sts, VpcEndpointType="Interface",
        SubnetIds=[network.subnet_a, network.subnet_b], SecurityGroupIds=[network.group],
    )["VpcEndpoint"]  # fmt: skip
    code, _ = error_of(
        ec2.modify_vpc_endpoint,
        VpcEndpointId=endpoint["VpcEndpointId"],
        AddSubnetIds=[network.subnet_a2],
    )
    assert code == "DuplicateSubnetsInSameZone"
    # Its interfaces hold the endpoint's group, which therefore cannot go before it.
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])
    assert {g["GroupId"] for e in enis["NetworkInterfaces"] for g in e["Groups"]} == {network.group}
    assert error_of(ec2.delete_security_group, GroupId=network.group)[0] == "DependencyViolation"
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], RemoveSubnetIds=[network.subnet_a],
        AddSubnetIds=[network.subnet_a2],
    )  # fmt: skip
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    ec2.delete_security_group(GroupId=network.group)


def test_an_interface_endpoint_only_in_zones_its_service_is_offered_in(
    ec2: Any, network: Network, aws_emulator: AwsEmulator
) -> None:
    sts = f"com.amazonaws.{REGION}.sts"
    # moto offers every service in every zone: what the provider reads there, unnarrowed.
    (listed,) = ec2.describe_vpc_endpoint_services(ServiceNames=[sts])["ServiceDetails"]
    assert network.zones[1] in listed["AvailabilityZones"]
    with aws_emulator.services_offered_in({sts: [network.zones[0]]}):
        # The data the plan reads and the rule that refuses at apply are one.
        (listed,) = ec2.describe_vpc_endpoint_services(ServiceNames=[sts])["ServiceDetails"]
        assert listed["AvailabilityZones"] == [network.zones[0]]
        code, message = error_of(
            ec2.create_vpc_endpoint, VpcId=network.vpc, ServiceName=sts, VpcEndpointType="Interface",
            SubnetIds=[network.subnet_a, network.subnet_b], SecurityGroupIds=[network.group],
        )  # fmt: skip
        assert code == "InvalidParameter"
        assert message == (
            f"The VPC endpoint service {sts} does not support the availability zone of the"
            f" subnet: {network.subnet_b}."
        )
        endpoint = ec2.create_vpc_endpoint(
            VpcId=network.vpc, ServiceName=sts, VpcEndpointType="Interface",
            SubnetIds=[network.subnet_a], SecurityGroupIds=[network.group],
        )["VpcEndpoint"]  # fmt: skip
        code, _ = error_of(
            ec2.modify_vpc_endpoint,
            VpcEndpointId=endpoint["VpcEndpointId"],
            AddSubnetIds=[network.subnet_b],
        )
        assert code == "InvalidParameter"
        # A gateway endpoint has no subnets: the rule leaves it alone.
        ec2.create_vpc_endpoint(VpcId=network.vpc, ServiceName=f"com.amazonaws.{REGION}.s3")
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], AddSubnetIds=[network.subnet_b])
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])


def test_a_vpc_takes_up_to_five_ipv6_blocks(ec2: Any) -> None:
    """Amazon VPC quotas: five IPv6 CIDR blocks per VPC (moto alone allows one)."""
    vpc = ec2.create_vpc(CidrBlock=f"10.{next(_octets)}.0.0/16")["Vpc"]["VpcId"]
    for _ in range(5):
        ec2.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
    (described,) = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    assert len({a["Ipv6CidrBlock"] for a in described["Ipv6CidrBlockAssociationSet"]}) == 5
    code, _message = error_of(ec2.associate_vpc_cidr_block, VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
    assert code == "CidrLimitExceeded"


def test_private_dns_needs_the_vpcs_dns(ec2: Any) -> None:
    network = build_network(ec2, dns=False)
    code, message = error_of(
        ec2.create_vpc_endpoint, VpcId=network.vpc, ServiceName=f"com.amazonaws.{REGION}.sts",
        VpcEndpointType="Interface", SubnetIds=[network.subnet_a], PrivateDnsEnabled=True,
    )  # fmt: skip
    assert code == "InvalidParameter" and "enableDnsHostnames" in message
    ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=f"com.amazonaws.{REGION}.sts",
        VpcEndpointType="Interface", SubnetIds=[network.subnet_a], PrivateDnsEnabled=False,
    )  # fmt: skip


def test_a_route_table_takes_one_route_per_destination(ec2: Any, network: Network) -> None:
    table = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    other = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    s3 = f"com.amazonaws.{REGION}.s3"
    ec2.create_vpc_endpoint(VpcId=network.vpc, ServiceName=s3, RouteTableIds=[table])
    code, message = error_of(
        ec2.create_vpc_endpoint, VpcId=network.vpc, ServiceName=s3, RouteTableIds=[table]
    )
    assert code == "RouteAlreadyExists" and table in message
    second = ec2.create_vpc_endpoint(VpcId=network.vpc, ServiceName=s3, RouteTableIds=[other])[
        "VpcEndpoint"
    ]
    code, _ = error_of(
        ec2.modify_vpc_endpoint, VpcEndpointId=second["VpcEndpointId"], AddRouteTableIds=[table]
    )
    assert code == "RouteAlreadyExists"
    ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=f"com.amazonaws.{REGION}.dynamodb", RouteTableIds=[table]
    )

    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=network.vpc)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    code, _ = error_of(
        ec2.create_route, RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
    )
    assert code == "RouteAlreadyExists"


def test_a_gateway_endpoints_routes_follow_its_route_tables(ec2: Any, network: Network) -> None:
    """ModifyVpcEndpoint adds the prefix-list route to the tables it gains and takes it from
    those it leaves, so DeleteVpcEndpoints later finds every route it removes."""
    kept, left, gained = (ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"] for _ in range(3))
    endpoint = ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
        RouteTableIds=[kept, left],
    )["VpcEndpoint"]  # fmt: skip
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], AddRouteTableIds=[gained], RemoveRouteTableIds=[left]
    )

    def prefix_list_routes(table: str) -> list[str]:
        routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        return [route["DestinationPrefixListId"] for route in routes if "DestinationPrefixListId" in route]

    assert [len(prefix_list_routes(table)) for table in (kept, left, gained)] == [1, 0, 1]
    assert not ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["Unsuccessful"]
    assert [prefix_list_routes(table) for table in (kept, gained)] == [[], []]


def test_revoking_a_rule_that_is_not_there_is_not_an_error(ec2: Any, network: Network) -> None:
    """As AWS answers a revoke by permission whose rule is gone (the provider revokes a new
    group's default egress rule; a retried revoke finds it gone): no error. By rule ID, an
    unknown ID still fails."""
    group = ec2.create_security_group(GroupName=unique("revoke"), Description="d", VpcId=network.vpc)["GroupId"]
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    for _ in range(2):
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=everything)
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissionsEgress"] == []
    code, _ = error_of(ec2.revoke_security_group_egress, GroupId=group, SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
    assert code != ""


def test_deleting_an_endpoint_again_is_not_an_error(ec2: Any, network: Network) -> None:
    """The SDK retries a DeleteVpcEndpoints that took effect but whose answer was lost; AWS
    answers the repeat without an error (moto failed it on the route it had removed)."""
    table = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=f"com.amazonaws.{REGION}.dynamodb", VpcEndpointType="Gateway",
        RouteTableIds=[table],
    )["VpcEndpoint"]["VpcEndpointId"]  # fmt: skip
    for _ in range(2):
        assert not ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])["Unsuccessful"]
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert not [route for route in routes if "DestinationPrefixListId" in route]


def test_what_is_still_in_use_cannot_be_deleted(ec2: Any, network: Network) -> None:
    referencing = ec2.create_security_group(
        GroupName=unique("ref"), Description="d", VpcId=network.vpc
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=referencing,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                        "UserIdGroupPairs": [{"GroupId": network.group}]}],
    )  # fmt: skip
    assert error_of(ec2.delete_security_group, GroupId=network.group)[0] == "DependencyViolation"
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=network.vpc)
    for subnet in (network.subnet_a, network.subnet_a2, network.subnet_b):
        ec2.delete_subnet(SubnetId=subnet)
    assert error_of(ec2.delete_vpc, VpcId=network.vpc)[0] == "DependencyViolation"
    ec2.delete_security_group(GroupId=referencing)
    ec2.delete_security_group(GroupId=network.group)
    ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=network.vpc)
    ec2.delete_vpc(VpcId=network.vpc)


def test_a_deleted_nat_gateway_lets_go_of_its_subnet_and_address(
    ec2: Any, network: Network
) -> None:
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=network.subnet_b, AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]
    assert error_of(ec2.delete_subnet, SubnetId=network.subnet_b)[0] == "DependencyViolation"
    ec2.delete_nat_gateway(NatGatewayId=nat)
    (address,) = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"]
    assert not address.get("AssociationId") and not address.get("NetworkInterfaceId")
    ec2.delete_subnet(SubnetId=network.subnet_b)
    ec2.release_address(AllocationId=allocation)


def test_a_log_group_takes_only_an_existing_key(aws_emulator: AwsEmulator) -> None:
    logs = aws_emulator.client("logs", REGION)
    missing = f"arn:aws:kms:{REGION}:123456789012:key/00000000-0000-0000-0000-000000000000"
    name = f"/{unique('group')}"
    code, _ = error_of(logs.create_log_group, logGroupName=name, kmsKeyId=missing)
    assert code == "InvalidParameterException"
    key = aws_emulator.client("kms", REGION).create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName=name)
    # moto lacks AssociateKmsKey and DisassociateKmsKey, which the provider calls on a key change.
    code, _ = error_of(logs.associate_kms_key, logGroupName=name, kmsKeyId=missing)
    assert code == "InvalidParameterException"
    logs.associate_kms_key(logGroupName=name, kmsKeyId=key)
    (group,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert group["kmsKeyId"] == key
    logs.disassociate_kms_key(logGroupName=name)
    (group,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert "kmsKeyId" not in group


# --- with the real Terraform ----------------------------------------------------------------------


@pytest.mark.terraform
def test_terraform_applies_dual_stack_subnets_and_replans_clean(
    tmp_path: Path, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    folder = terraform_folder(tmp_path, """
resource "aws_vpc" "dual" {
  cidr_block                       = "10.41.0.0/16"
  assign_generated_ipv6_cidr_block = true
}

resource "aws_subnet" "dual" {
  vpc_id                          = aws_vpc.dual.id
  cidr_block                      = "10.41.1.0/24"
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.dual.ipv6_cidr_block, 8, 1)
  assign_ipv6_address_on_creation = true
}
""")  # fmt: skip
    runner = terraform(folder, aws_emulator, REGION)
    runner.init()
    try:
        runner.apply()
        runner.run(
            "plan", "-detailed-exitcode", "-input=false", "-no-color"
        )  # exit 2 would be drift
    finally:
        runner.destroy()


@pytest.mark.terraform
def test_terraform_meets_duplicate_subnets_of_one_zone(
    tmp_path: Path, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    folder = terraform_folder(tmp_path, """
data "aws_availability_zones" "all" {}

resource "aws_vpc" "one" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_hostnames = true
}

resource "aws_subnet" "same_zone" {
  count             = 2
  vpc_id            = aws_vpc.one.id
  cidr_block        = cidrsubnet(aws_vpc.one.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.all.names[0]
}

resource "aws_vpc_endpoint" "sts" {
  vpc_id              = aws_vpc.one.id
  service_name        = "com.amazonaws.us-east-1.sts"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.same_zone[*].id
}
""")  # fmt: skip
    runner = terraform(folder, aws_emulator, REGION)
    runner.init()
    try:
        with pytest.raises(TerraformFailed) as failed:
            runner.apply()
        assert "DuplicateSubnetsInSameZone" in str(failed.value)
    finally:
        runner.destroy()


# --- the deployer fixture ------------------------------------------------------------------------


def test_the_deployer_holds_the_widened_policy_and_the_projects_boundary(
    tmp_path: Path, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Scoped",
                "Effect": "Allow",
                "Action": ["logs:DescribeLogGroups"],
                "Resource": ["arn:aws:logs:*:*:log-group:/aws/lambda/demo"],
                "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            },
            {
                # Lambda's statements keep their ARNs: the emulator judges Lambda by them.
                "Sid": "LambdaScoped",
                "Effect": "Allow",
                "Action": ["lambda:GetFunction"],
                "Resource": ["arn:aws:lambda:*:*:function:demo"],
            },
        ],
    }
    (project / "deployer-policy.json").write_text(json.dumps(policy), encoding="utf-8")
    plain = deployer(project)
    assert plain.boundary_arn is None
    iam = aws_emulator.client("iam", REGION)
    (attached,) = iam.list_attached_user_policies(UserName=plain.user_name)["AttachedPolicies"]
    version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)
    statement, lambda_statement = document["PolicyVersion"]["Document"]["Statement"]
    assert (
        statement["Resource"] == "*"
        and statement["Condition"] == policy["Statement"][0]["Condition"]
    )
    assert lambda_statement["Resource"] in (["arn:aws:lambda:*:*:function:demo"], "arn:aws:lambda:*:*:function:demo")
    code, _ = error_of(aws_emulator.client("lambda", REGION, plain.credentials).list_functions)
    assert code == "AccessDeniedException"

    boundary = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    (project / "permissions-boundary.json").write_text(json.dumps(boundary), encoding="utf-8")
    bounded = deployer(project)
    assert bounded.boundary_arn is not None
    assert iam.get_policy(PolicyArn=bounded.boundary_arn)["Policy"]["PolicyName"].endswith(
        "-boundary"
    )
    runner = Terraform(None, project, aws_emulator)  # type: ignore[arg-type]
    env = as_deployer(runner, bounded, reserved_concurrency=2).extra_env
    assert env["TF_VAR_permissions_boundary_arn"] == bounded.boundary_arn
    assert env["TF_VAR_reserved_concurrency"] == "2"
    assert env["AWS_ACCESS_KEY_ID"] == bounded.access_key_id


@pytest.mark.terraform
def test_destroy_waits_for_lambda_to_let_go_of_its_interfaces(
    generate: Any, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    """At the emulator's long delay (20 s, as a user's emulator has it; AWS takes up to
    45 minutes), `terraform destroy` of a generated project still finishes, and the
    emulator's record shows it waited: every subnet and the function's security group
    were deleted only after Lambda had released the interfaces in them. The rest of the
    suite runs at a delay of seconds (fixtures_terraform.SUITE_ENI_RELEASE_SECONDS)."""
    project = generate(name="waits")
    runner = terraform(project, aws_emulator, REGION)
    runner.init()
    before = aws_emulator.settings()
    destroyed = False
    try:
        runner.apply()
        outputs = runner.outputs()
        subnets = set(outputs["private_subnet_ids"])
        groups = set(outputs["security_group_ids"])
        aws_emulator.settings(lambda_eni_release_seconds=20)
        start = len(aws_emulator.events())
        runner.destroy()
        destroyed = True
    finally:
        aws_emulator.settings(**before)
        if not destroyed:
            with contextlib.suppress(TerraformFailed):
                runner.destroy()
    events = aws_emulator.events()[start:]
    released = [(i, e) for i, e in enumerate(events) if e["event"] == "released"]
    assert {e["subnet"] for _, e in released} == subnets, "Lambda held an interface in every subnet"
    for i, event in enumerate(events):
        if event["event"] != "allowed" or event["id"] not in subnets | groups:
            continue
        holders = [j for j, e in released if event["id"] in (e["subnet"], *e["groups"])]
        assert holders and max(holders) < i, (
            f"{event['action']} {event['id']} went through before Lambda let go of its interfaces"
        )
    deleted = {e["id"] for e in events if e["event"] == "allowed"}
    assert subnets | groups <= deleted


def test_a_retry_of_a_request_carried_out_gets_the_first_answer(
    iam: Any, aws_emulator: AwsEmulator
) -> None:
    """The SDK sends a request again when it missed the answer; the emulator had carried it out.

    The first attempt reaches the emulator, then the client is told the connection
    closed (as under load); botocore retries with the same invocation id. Without
    the kept answer the retry fails with EntityAlreadyExists, as in a CI run.
    """
    import urllib.request

    from botocore.exceptions import ConnectionClosedError

    attempts: list[str] = []

    def lose_the_first_answer(request: Any, **_: Any) -> None:
        attempts.append(request.headers["amz-sdk-request"].decode())
        if len(attempts) == 1:
            body = request.body.encode() if isinstance(request.body, str) else request.body
            sent = urllib.request.Request(
                request.url, data=body, headers=dict(request.headers), method="POST"
            )
            with urllib.request.urlopen(sent, timeout=30) as answer:
                assert answer.status == 200
            raise ConnectionClosedError(endpoint_url=request.url)

    name = unique("retried")
    iam.meta.events.register("before-send.iam.CreateRole", lose_the_first_answer)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }))
    assert role["Role"]["RoleName"] == name
    assert [a.split(";")[0] for a in attempts] == ["attempt=1", "attempt=2"]
    assert "answered with the first attempt's 200" in aws_emulator.log.read_text()
    # A new call with the same name is a new invocation, and AWS's answer stands.
    code, _ = error_of(iam.create_role, RoleName=name, AssumeRolePolicyDocument="{}")
    assert code == "EntityAlreadyExists"
