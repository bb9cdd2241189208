"""The emulator's Lambda rules for SnapStart (scaffold/emulator/snapstart_rules.py), provisioned
concurrency (scaffold/emulator/provisioned_rules.py) and the sharing of Hyperplane interfaces
(scaffold/emulator/lambda_rules.py): each proven active against the running emulator, where moto
alone answers otherwise, and the provider's aws_lambda_function (publish, snap_start),
aws_lambda_alias and aws_lambda_provisioned_concurrency_config applied, updated, planned clean
and destroyed against it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fixtures_terraform import DUMMY_CREDENTIALS, AwsEmulator, BindTerraform
from test_fidelity import (
    REGION,
    Network,
    build_network,
    error_of,
    execution_role,
    lambda_enis,
    package,
    terraform_folder,
    unique,
    user_allowed,
)

pytestmark = pytest.mark.emulator

PUBLISHED = {"ApplyOn": "PublishedVersions"}
OPTIMIZED = {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}  # a published version
UNPUBLISHED = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
NOT_ALIAS_OR_VERSION = "The function resource provided must be an alias or a published version."


@pytest.fixture
def ec2(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("ec2", REGION)


@pytest.fixture
def lam(aws_emulator: AwsEmulator) -> Any:
    return aws_emulator.client("lambda", REGION)


@pytest.fixture
def role(aws_emulator: AwsEmulator) -> str:
    return execution_role(aws_emulator.client("iam", REGION))


@pytest.fixture
def network(ec2: Any) -> Network:
    return build_network(ec2)


def function(lam: Any, role: str, runtime: str = "python3.12", **extra: Any) -> str:
    name = unique("fn")
    lam.create_function(
        FunctionName=name, Runtime=runtime, Role=role, Handler="handler.handler",
        Code={"ZipFile": package()}, **extra,
    )  # fmt: skip
    return name


def snap_start(lam: Any, name: str, qualifier: str | None = None) -> dict[str, str]:
    extra = {"Qualifier": qualifier} if qualifier else {}
    found: dict[str, str] = lam.get_function_configuration(FunctionName=name, **extra)["SnapStart"]
    return found


def refused(call: Any, **kwargs: Any) -> str:
    code, message = error_of(call, **kwargs)
    assert code == "InvalidParameterValueException", (code, message)
    return message


def arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:123456789012:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


# --- SnapStart: kept, published, answered as AWS ----------------------------------------------


def test_snap_start_is_kept_and_only_published_versions_are_optimized(lam: Any, role: str) -> None:
    # moto answered {"ApplyOn": "None", "OptimizationStatus": "Off"} whatever was sent.
    name = function(lam, role, SnapStart=PUBLISHED, Publish=True)
    assert snap_start(lam, name) == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    assert lam.get_function(FunctionName=name)["Configuration"]["SnapStart"]["ApplyOn"] == "PublishedVersions"  # fmt: skip
    assert snap_start(lam, name, "1") == OPTIMIZED
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert snap_start(lam, name, "live")["OptimizationStatus"] == "On"

    lam.update_function_configuration(FunctionName=name, SnapStart={"ApplyOn": "None"})
    published = lam.publish_version(FunctionName=name)
    assert published["Version"] == "2"
    assert published["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert snap_start(lam, name) == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert snap_start(lam, name, "1")["OptimizationStatus"] == "On", "a version keeps its own"
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [(v["Version"], v["SnapStart"]["OptimizationStatus"]) for v in versions] == [
        ("$LATEST", "Off"), ("1", "On"), ("2", "Off"),
    ]  # fmt: skip


def test_snap_start_apply_on_is_an_enum(lam: Any, role: str) -> None:
    code, message = error_of(function, lam, role, SnapStart={"ApplyOn": "Always"})
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value 'Always' at 'snapStart.applyOn' failed to satisfy"
        " constraint: Member must satisfy enum value set: [PublishedVersions, None]"
    )


@pytest.mark.parametrize(
    "runtime", ["nodejs22.x", "nodejs20.x", "python3.11", "python3.9", "provided.al2023", "java8.al2", "ruby3.3"]
)  # fmt: skip
def test_snap_start_is_refused_on_runtimes_that_do_not_support_it(
    lam: Any, role: str, runtime: str
) -> None:
    message = refused(function, lam=lam, role=role, runtime=runtime, SnapStart=PUBLISHED)
    assert message == f"{runtime} is not supported for SnapStart enabled functions."
    # Without SnapStart, or with it off, the runtime is fine.
    name = function(lam, role, runtime=runtime, SnapStart={"ApplyOn": "None"})
    message = refused(lam.update_function_configuration, FunctionName=name, SnapStart=PUBLISHED)
    assert message == f"{runtime} is not supported for SnapStart enabled functions."


@pytest.mark.parametrize(
    "runtime", ["java11", "java17", "java21", "python3.12", "python3.13", "dotnet8"]
)
def test_snap_start_is_taken_on_the_runtimes_that_support_it(
    lam: Any, role: str, runtime: str
) -> None:
    name = function(lam, role, runtime=runtime, SnapStart=PUBLISHED)
    assert snap_start(lam, name)["ApplyOn"] == "PublishedVersions"


def test_a_snap_start_function_cannot_move_to_a_runtime_without_it(lam: Any, role: str) -> None:
    name = function(lam, role, SnapStart=PUBLISHED)
    message = refused(lam.update_function_configuration, FunctionName=name, Runtime="python3.11")
    assert message == "python3.11 is not supported for SnapStart enabled functions."
    lam.update_function_configuration(
        FunctionName=name, Runtime="python3.11", SnapStart={"ApplyOn": "None"}
    )  # together with turning it off: taken
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == "python3.11"


def test_snap_start_is_refused_with_efs(lam: Any, role: str, network: Network) -> None:
    mounts = [{
        "Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0",
        "LocalMountPath": "/mnt/data",
    }]  # fmt: skip
    vpc = {"SubnetIds": [network.subnet_a], "SecurityGroupIds": [network.group]}
    message = refused(
        function, lam=lam, role=role, SnapStart=PUBLISHED, FileSystemConfigs=mounts, VpcConfig=vpc
    )
    assert message == "Amazon EFS is not supported for SnapStart enabled functions."

    name = function(lam, role, FileSystemConfigs=mounts, VpcConfig=vpc)
    assert lam.get_function_configuration(FunctionName=name)["FileSystemConfigs"] == mounts
    message = refused(lam.update_function_configuration, FunctionName=name, SnapStart=PUBLISHED)
    assert message == "Amazon EFS is not supported for SnapStart enabled functions."
    lam.update_function_configuration(FunctionName=name, FileSystemConfigs=[], SnapStart=PUBLISHED)
    assert "FileSystemConfigs" not in lam.get_function_configuration(FunctionName=name)
    message = refused(
        lam.update_function_configuration, FunctionName=name, FileSystemConfigs=mounts
    )
    assert message == "Amazon EFS is not supported for SnapStart enabled functions."


def test_snap_start_is_refused_with_ephemeral_storage_over_512_mb(lam: Any, role: str) -> None:
    too_much = "Ephemeral storage greater than 512 MB is not supported for SnapStart enabled functions."  # fmt: skip
    message = refused(
        function, lam=lam, role=role, SnapStart=PUBLISHED, EphemeralStorage={"Size": 513}
    )
    assert message == too_much
    name = function(lam, role, SnapStart=PUBLISHED, EphemeralStorage={"Size": 512})
    message = refused(
        lam.update_function_configuration, FunctionName=name, EphemeralStorage={"Size": 1024}
    )
    assert message == too_much

    large = function(lam, role, EphemeralStorage={"Size": 2048})
    lam.update_function_configuration(FunctionName=large, EphemeralStorage={"Size": 4096})
    config = lam.get_function_configuration(FunctionName=large)
    assert config["EphemeralStorage"] == {"Size": 4096}, "moto ignored the update"
    message = refused(lam.update_function_configuration, FunctionName=large, SnapStart=PUBLISHED)
    assert message == too_much


def test_provisioned_concurrency_is_refused_on_a_snap_start_version(lam: Any, role: str) -> None:
    name = function(lam, role, SnapStart=PUBLISHED, Publish=True)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for qualifier in ("1", "live"):
        message = refused(
            lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier=qualifier,
            ProvisionedConcurrentExecutions=1,
        )  # fmt: skip
        assert (
            message == "Provisioned Concurrency is not supported for SnapStart enabled functions."
        )
    # A version published after SnapStart is turned off takes it.
    lam.update_function_configuration(FunctionName=name, SnapStart={"ApplyOn": "None"})
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )


# --- provisioned concurrency -----------------------------------------------------------------------


def published_with_alias(lam: Any, role: str, alias: str = "live") -> str:
    name = function(lam, role, Publish=True)
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
    return name


def test_provisioned_concurrency_on_an_alias_gets_ready_and_goes(lam: Any, role: str) -> None:
    name = published_with_alias(lam, role)
    put = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (put["Status"], put["RequestedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 2)
    assert put["AllocatedProvisionedConcurrentExecutions"] == 0
    got = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert got["Status"] == "READY"  # what the provider's waiter waits for
    assert got["AllocatedProvisionedConcurrentExecutions"] == got["AvailableProvisionedConcurrentExecutions"] == 2  # fmt: skip
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=3
    )  # an update replaces it
    (listed,) = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]  # fmt: skip
    assert listed["FunctionArn"] == arn(name, "live")
    assert (listed["RequestedProvisionedConcurrentExecutions"], listed["Status"]) == (3, "READY")

    deleted = lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    code, message = error_of(lam.get_provisioned_concurrency_config, FunctionName=name, Qualifier="live")  # fmt: skip
    assert (code, message) == ("ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function")  # fmt: skip
    lam.delete_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live"
    )  # none: still 204
    assert lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []  # fmt: skip

    # It goes with its alias, as on AWS.
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)  # fmt: skip
    lam.delete_alias(FunctionName=name, Name="live")
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []  # fmt: skip


def test_provisioned_concurrency_only_on_a_published_version_or_alias_that_exists(
    lam: Any, role: str
) -> None:
    name = published_with_alias(lam, role)
    lam.create_alias(FunctionName=name, Name="head", FunctionVersion="$LATEST")
    put = lam.put_provisioned_concurrency_config
    assert refused(put, FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1) == UNPUBLISHED  # fmt: skip
    assert refused(put, FunctionName=name, Qualifier="head", ProvisionedConcurrentExecutions=1) == UNPUBLISHED  # fmt: skip
    for call in (lam.get_provisioned_concurrency_config, lam.delete_provisioned_concurrency_config):
        assert refused(call, FunctionName=name, Qualifier="$LATEST") == NOT_ALIAS_OR_VERSION

    missing = {
        (name, "7"): f"Function not found: {arn(name, '7')}",
        (name, "nope"): f"Cannot find alias arn: {arn(name, 'nope')}",
        ("doesnotexist", "1"): f"Function not found: {arn('doesnotexist', '1')}",
        ("doesnotexist", "live"): f"Cannot find alias arn: {arn('doesnotexist', 'live')}",
    }
    for (function_name, qualifier), expected in missing.items():
        for call, extra in (
            (put, {"ProvisionedConcurrentExecutions": 1}),
            (lam.get_provisioned_concurrency_config, {}),
            (lam.delete_provisioned_concurrency_config, {}),
        ):
            code, message = error_of(call, FunctionName=function_name, Qualifier=qualifier, **extra)
            assert (code, message) == ("ResourceNotFoundException", expected)
    code, message = error_of(lam.list_provisioned_concurrency_configs, FunctionName="doesnotexist")
    assert (code, message) == ("ResourceNotFoundException", f"Function not found: {arn('doesnotexist')}")  # fmt: skip


def test_a_version_takes_one_provisioned_configuration(lam: Any, role: str) -> None:
    name = published_with_alias(lam, role)
    put = lam.put_provisioned_concurrency_config
    put(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    code, message = error_of(put, FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)  # fmt: skip
    assert (code, message) == ("ResourceConflictException", "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")  # fmt: skip
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    put(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    code, message = error_of(put, FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)  # fmt: skip
    assert (code, message) == ("ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias")  # fmt: skip


def test_provisioned_concurrency_stays_within_the_concurrency_there_is(
    aws_emulator: AwsEmulator, lam: Any, role: str
) -> None:
    import boto3
    from botocore.config import Config

    unchecked = boto3.session.Session().client(
        "lambda", endpoint_url=aws_emulator.endpoint_url, region_name=REGION,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(parameter_validation=False),  # botocore checks the minimum itself
    )  # fmt: skip
    name = published_with_alias(lam, role)
    code, message = error_of(
        unchecked.put_provisioned_concurrency_config, FunctionName=name, Qualifier="live",
        ProvisionedConcurrentExecutions=0,
    )  # fmt: skip
    assert (code, message) == ("ValidationException", "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1")  # fmt: skip

    message = refused(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=100_000)  # fmt: skip
    found = re.fullmatch(r"Specified ConcurrentExecutions for function is greater than account's unreserved concurrency \[(\d+)\]\.", message)  # fmt: skip
    assert found, message
    unreserved = int(found.group(1))
    message = refused(lam.put_provisioned_concurrency_config, FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=unreserved - 50)  # fmt: skip
    assert message == "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."  # fmt: skip

    reserved = published_with_alias(lam, role)
    lam.put_function_concurrency(FunctionName=reserved, ReservedConcurrentExecutions=5)
    message = refused(lam.put_provisioned_concurrency_config, FunctionName=reserved, Qualifier="live", ProvisionedConcurrentExecutions=6)  # fmt: skip
    assert message == "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"  # fmt: skip
    lam.put_provisioned_concurrency_config(FunctionName=reserved, Qualifier="live", ProvisionedConcurrentExecutions=5)  # fmt: skip


def test_listing_provisioned_concurrency_is_its_own_action(
    aws_emulator: AwsEmulator, lam: Any, role: str
) -> None:
    # GET .../provisioned-concurrency?List=ALL; moto's matching by path took it for
    # GetProvisionedConcurrencyConfig, and the IAM check asked for that action.
    name = published_with_alias(lam, role)
    lister = aws_emulator.client("lambda", REGION, user_allowed(aws_emulator, "lambda:ListProvisionedConcurrencyConfigs"))  # fmt: skip
    assert lister.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []  # fmt: skip
    getter = aws_emulator.client("lambda", REGION, user_allowed(aws_emulator, "lambda:GetProvisionedConcurrencyConfig"))  # fmt: skip
    code, _ = error_of(getter.list_provisioned_concurrency_configs, FunctionName=name)
    assert code == "AccessDeniedException"


# --- Hyperplane interfaces: one per subnet and set of groups, shared ----------------------------


def test_functions_with_the_same_subnets_and_groups_share_their_interfaces(
    ec2: Any, lam: Any, role: str, network: Network
) -> None:
    subnets = [network.subnet_a, network.subnet_b]
    shared = {"SubnetIds": subnets, "SecurityGroupIds": [network.group]}
    function(lam, role, VpcConfig=shared)
    one = lambda_enis(ec2, vpc=network.vpc)
    assert sorted(eni["SubnetId"] for eni in one) == sorted(subnets)
    function(lam, role, VpcConfig=shared)
    function(lam, role, VpcConfig={"SubnetIds": list(reversed(subnets)), "SecurityGroupIds": [network.group]})  # fmt: skip
    three = lambda_enis(ec2, vpc=network.vpc)
    assert sorted(eni["NetworkInterfaceId"] for eni in three) == sorted(eni["NetworkInterfaceId"] for eni in one)  # fmt: skip

    own = ec2.create_security_group(GroupName=unique("own"), Description="own", VpcId=network.vpc)["GroupId"]  # fmt: skip
    function(lam, role, VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [own]})
    four = lambda_enis(ec2, vpc=network.vpc)
    assert len(four) == 2 * len(subnets)
    added = [eni for eni in four if eni["NetworkInterfaceId"] not in {e["NetworkInterfaceId"] for e in one}]  # fmt: skip
    assert sorted(eni["SubnetId"] for eni in added) == sorted(subnets)
    assert all([group["GroupId"] for group in eni["Groups"]] == [own] for eni in added)


# --- with the real Terraform ------------------------------------------------------------------------

TERRAFORM_LAMBDA = """
variable "description" {{
  type    = string
  default = "first"
}}

variable "warm" {{
  type    = number
  default = 1
}}

resource "aws_iam_role" "function" {{
  name = "{prefix}-role"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}

resource "aws_lambda_function" "snap" {{
  function_name    = "{prefix}-snap"
  role             = aws_iam_role.function.arn
  runtime          = "python3.12"
  handler          = "handler.handler"
  filename         = "${{path.module}}/handler.zip"
  source_code_hash = filebase64sha256("${{path.module}}/handler.zip")
  description      = var.description
  publish          = true

  snap_start {{
    apply_on = "PublishedVersions"
  }}
}}

resource "aws_lambda_alias" "snap" {{
  name             = "live"
  function_name    = aws_lambda_function.snap.function_name
  function_version = aws_lambda_function.snap.version
}}

resource "aws_lambda_function" "warm" {{
  function_name    = "{prefix}-warm"
  role             = aws_iam_role.function.arn
  runtime          = "python3.12"
  handler          = "handler.handler"
  filename         = "${{path.module}}/handler.zip"
  source_code_hash = filebase64sha256("${{path.module}}/handler.zip")
  publish          = true
}}

resource "aws_lambda_alias" "warm" {{
  name             = "live"
  function_name    = aws_lambda_function.warm.function_name
  function_version = aws_lambda_function.warm.version
}}

resource "aws_lambda_provisioned_concurrency_config" "warm" {{
  function_name                     = aws_lambda_alias.warm.function_name
  qualifier                         = aws_lambda_alias.warm.name
  provisioned_concurrent_executions = var.warm
}}

output "snap" {{
  value = {{
    version           = aws_lambda_function.snap.version
    apply_on          = aws_lambda_function.snap.snap_start[0].apply_on
    alias_version     = aws_lambda_alias.snap.function_version
  }}
}}
"""


@pytest.mark.terraform
def test_terraform_applies_snap_start_aliases_and_provisioned_concurrency_and_replans_clean(
    tmp_path: Path, terraform: BindTerraform, aws_emulator: AwsEmulator, lam: Any
) -> None:
    prefix = unique("tf")
    folder = terraform_folder(tmp_path, TERRAFORM_LAMBDA.format(prefix=prefix))
    (folder / "handler.zip").write_bytes(package())
    runner = terraform(folder, aws_emulator, REGION)
    runner.init()
    clean = ("plan", "-detailed-exitcode", "-input=false", "-no-color")  # exit 2 would be drift
    try:
        runner.apply()
        assert runner.outputs()["snap"] == {"version": "1", "apply_on": "PublishedVersions", "alias_version": "1"}  # fmt: skip
        assert snap_start(lam, f"{prefix}-snap", "live") == OPTIMIZED
        warm = lam.get_provisioned_concurrency_config(FunctionName=f"{prefix}-warm", Qualifier="live")  # fmt: skip
        assert (warm["Status"], warm["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 1)
        runner.run(*clean)

        # A change publishes version 2, the alias follows it, more is provisioned: still clean.
        changes = ("-var", "description=second", "-var", "warm=2")
        runner.apply(*changes)
        assert runner.outputs()["snap"] == {"version": "2", "apply_on": "PublishedVersions", "alias_version": "2"}  # fmt: skip
        warm = lam.get_provisioned_concurrency_config(FunctionName=f"{prefix}-warm", Qualifier="live")  # fmt: skip
        assert warm["AllocatedProvisionedConcurrentExecutions"] == 2
        runner.run(*clean, *changes)
    finally:
        runner.destroy()
    code, _ = error_of(lam.get_function, FunctionName=f"{prefix}-warm")
    assert code == "ResourceNotFoundException"
