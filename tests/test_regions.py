"""One project, two regions, one account: names global to the account must not clash.

IAM role names are global to an account: a second region used to fail with
EntityAlreadyExists. moto keeps IAM global per account as AWS does, so the
emulator refuses the clash too.
"""

from __future__ import annotations

import pytest
from conftest import Generate
from fixtures_terraform import AwsEmulator, BindTerraform

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]


def test_the_same_project_applies_in_two_regions(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    runners = []
    try:
        for region in ("us-east-1", "eu-west-1"):
            project = generate("--region", region, "--endpoints", "", "--flow-logs", name="twice")
            project = project.rename(project.with_name(f"twice-{region}"))
            runner = terraform(project, aws_emulator, region)
            runner.init()
            runner.apply()
            runners.append(runner)
        roles = {role["RoleName"] for role in aws_emulator.client("iam", "us-east-1").list_roles()["Roles"]}
        assert {"twice-lambda-us-east-1", "twice-lambda-eu-west-1"} <= roles
        assert {"twice-flowlogs-us-east-1", "twice-flowlogs-eu-west-1"} <= roles
    finally:
        for runner in reversed(runners):
            runner.destroy()
