"""A change that replaces the function's security group, against the emulator's model of
Lambda's network interfaces: the new group is made first and the old one deleted once
Lambda lets go of it.

With a fixed name and destroy-before-create, Terraform would delete the old group while
the function's interfaces still use it: AWS (and the fidelity layer) answer
DependencyViolation until the provider's delete timeout runs out.
"""

from __future__ import annotations

from contextlib import suppress

import pytest
from conftest import Generate
from fixtures_deployer import MakeDeployer, as_deployer
from fixtures_terraform import AwsEmulator, BindTerraform, TerraformFailed

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]


def test_replacing_the_function_security_group_waits_for_nothing_and_loses_nothing(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator, deployer: MakeDeployer
) -> None:
    project = generate("--endpoints", "s3", name="swap-groups")
    admin = terraform(project, aws_emulator, "us-east-1")
    admin.init()
    runner = as_deployer(admin, deployer(project))
    ec2 = aws_emulator.client("ec2", "us-east-1")
    destroyed = False
    try:
        runner.apply()
        (old_group,) = runner.outputs()["security_group_ids"]
        in_use = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [old_group]}])
        assert in_use["NetworkInterfaces"], "the emulator gave the function its interfaces"
        # A new description replaces a security group (AWS cannot change it in place).
        groups_file = project / "modules" / "function" / "security_groups.tf"
        text = groups_file.read_text(encoding="utf-8")
        edited = text.replace('no inbound; outbound only where it needs to go"', 'no inbound; outbound only where needed"', 1)
        assert edited != text
        groups_file.write_text(edited, encoding="utf-8")
        applied = runner.apply()
        assert "1 added, 1 changed, 1 destroyed" in applied, applied
        (new_group,) = runner.outputs()["security_group_ids"]
        assert new_group != old_group
        function = aws_emulator.client("lambda", "us-east-1").get_function_configuration(FunctionName="swap-groups")
        assert function["VpcConfig"]["SecurityGroupIds"] == [new_group]
        groups = ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [old_group]}])
        assert groups["SecurityGroups"] == [], "the old group is gone, after Lambda released it"
        runner.destroy()
        destroyed = True
    finally:
        if not destroyed:
            with suppress(TerraformFailed):
                admin.destroy()
