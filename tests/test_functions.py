"""Several functions on one network, against the emulator as the deployer: the first
function, one added on its security group and one with a group of its own (different
runtimes; SnapStart on one, provisioned concurrency on another). Lambda's interfaces are
exactly the budget the tool announced; the project re-plans clean; remove-function takes
one function away with nothing else of the project touched; destroy finishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from fixtures_deployer import MakeDeployer
from fixtures_terraform import AwsEmulator, BindTerraform, project_answers
from test_apply import state_of
from test_connect import admitted
from test_existing_vpc import REGION, build_network, deployed, existing_project

from scaffold.check.command import model_of
from scaffold.check.explain import explain_project
from scaffold.cli import main
from scaffold.interfaces import interface_budget

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]


def lambda_interfaces(ec2: Any, subnets: list[str]) -> list[dict[str, Any]]:
    found = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": subnets}])
    return [
        item for item in found["NetworkInterfaces"]
        if item.get("InterfaceType") == "lambda" and item.get("Status") == "in-use"
    ]  # fmt: skip


def planned(runner: Any, name: str) -> list[dict[str, Any]]:
    runner.run("plan", f"-out={name}", "-input=false", "-no-color", "-lock=false")
    changes = json.loads(runner.run("show", "-json", name).stdout).get("resource_changes") or []
    return [change for change in changes if change["change"]["actions"] != ["no-op"]]


def tree(project: Path) -> dict[str, bytes]:
    """The project's files, Terraform's own folders and state left out."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
        and not {".terraform", "__pycache__"} & set(path.relative_to(project).parts)
        and not path.name.startswith(("terraform.tfstate", ".terraform"))
        and not path.name.endswith(".tfplan")
    }


def test_three_functions_create_the_announced_interfaces_and_one_is_removed_alone(
    generate: Generate,
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
    deployer: MakeDeployer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ec2 = aws_emulator.client("ec2", REGION)
    lambda_client = aws_emulator.client("lambda", REGION)
    network = build_network(ec2)
    project = existing_project(
        generate, network.vpc_id, network.private_subnets, "--runtime", "python3.13", "--snapstart"
    )
    capsys.readouterr()
    assert main(["add-function", "api", str(project), "--no-input", "--runtime", "nodejs22.x",
                 "--provisioned-concurrency", "1"]) == 0  # fmt: skip
    # What the job is in the VPC for: a database's security group, in the VPC.
    target = ec2.create_security_group(GroupName="reports-db", Description="reports database", VpcId=network.vpc_id)["GroupId"]
    assert main(["add-function", "job", str(project), "--no-input", "--runtime", "python3.12",
                 "--security-group", "own", "--memory", "512", "--connect", f"{target}:5432"]) == 0  # fmt: skip
    said = capsys.readouterr().out
    budget = interface_budget(project_answers(project))
    assert budget.lambda_interfaces == 4 and budget.subnets == 2, budget
    assert "Network interfaces: 4 for Lambda (2 subnets x 2 security group combinations)" in said, said
    assert (project / "functions" / "api" / "src" / "index.mjs").is_file()
    assert (project / "build" / "functions" / "job.zip").is_file()
    # The user's edit of the first function's handler, kept through remove-function below.
    handler = project / "src" / "handler.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# ours\n", encoding="utf-8")
    assert main(["update", str(project), "--no-input"]) == 0

    with deployed(terraform, project, aws_emulator, deployer) as (runner, _applied):
        outputs = runner.outputs()
        functions = outputs["functions"]
        shared = outputs["security_group_ids"]
        assert functions["api"]["security_group_ids"] == shared
        assert functions["job"]["security_group_ids"] != shared
        # Exactly the budget: the first function and api share one combination per subnet.
        interfaces = lambda_interfaces(ec2, network.private_subnets)
        assert len(interfaces) == budget.lambda_interfaces, interfaces
        combinations = {(i["SubnetId"], tuple(sorted(g["GroupId"] for g in i["Groups"]))) for i in interfaces}
        assert len(combinations) == budget.lambda_interfaces

        first = lambda_client.get_function_configuration(FunctionName="demo", Qualifier="live")
        assert first["SnapStart"]["ApplyOn"] == "PublishedVersions", first
        warm = lambda_client.get_provisioned_concurrency_config(FunctionName="demo_api", Qualifier="live")
        assert warm["RequestedProvisionedConcurrentExecutions"] == 1, warm
        job = lambda_client.get_function_configuration(FunctionName="demo_job")
        assert job["Runtime"] == "python3.12" and job["MemorySize"] == 512
        assert job["Role"].split("/")[-1] == f"demo_job-{REGION}"
        # Its target admits its own group (and no other function's), and it may send there.
        (job_group,) = functions["job"]["security_group_ids"]
        assert ("tcp", 5432, 5432, job_group) in admitted(ec2, target, "ingress")
        assert not [rule for rule in admitted(ec2, target, "ingress") if rule[3] in shared]
        assert ("tcp", 5432, 5432, target) in admitted(ec2, job_group, "egress")
        assert json.loads(job["Environment"]["Variables"]["CONNECT_TARGETS"]) == {f"{target}:5432": ""}
        judged = {d.name: d.state for d in explain_project(project, state_of(runner))}
        assert judged[f"job: {target}:5432"] == "ok", judged

        assert planned(runner, "replan.tfplan") == []
        # The check's evaluator, from the configuration alone, against Terraform's own plan:
        # the same instances of every function and role module (module for_each expanded).
        plan = json.loads(runner.run("show", "-json", "replan.tfplan").stdout)
        in_plan = {c["address"] for c in plan["resource_changes"] if c["mode"] == "managed"}
        model = model_of(project, None)
        evaluated = {address for address, _type, mode in model.instances if mode == "managed"}
        functions = {a for a in in_plan if a.startswith(("module.functions[", "module.function_roles["))}
        assert functions and functions <= evaluated, sorted(functions - evaluated)
        assert {f.address for f in model.functions} == {
            "module.function.aws_lambda_function.this",
            'module.functions["api"].aws_lambda_function.this',
            'module.functions["job"].aws_lambda_function.this',
        }

        # A change to a function that publishes: a new version, waited on by its qualified
        # ARN (the cold starts' policy must name it), and the alias moved to it.
        assert main(["update", str(project), "--no-input", "--memory", "512"]) == 0
        runner.apply()
        live = lambda_client.get_alias(FunctionName="demo", Name="live")
        assert live["FunctionVersion"] == "2", live
        assert lambda_client.get_function_configuration(FunctionName="demo", Qualifier="live")["MemorySize"] == 512

        before = tree(project)
        assert main(["remove-function", "api", str(project)]) == 0
        after = tree(project)
        gone = sorted(set(before) - set(after))
        assert gone and all(p.startswith(("functions/api/", "build/functions/api.zip")) for p in gone), gone
        assert after["src/handler.py"].endswith(b"\n# ours\n")
        changed = sorted(p for p in set(before) & set(after) if before[p] != after[p])
        # The files naming the functions: tfvars, the README, the policies, the Makefile, the records.
        assert set(changed) <= {
            "terraform.tfvars", "Makefile", ".github/workflows/ci.yml", "README.md", "deployer-policy.json",
            "permissions-boundary.json", ".vpc-lambda-new.json", ".vpc-lambda-new.baseline.json",
        }, changed  # fmt: skip
        changes = planned(runner, "remove.tfplan")
        touched = {c["address"]: c["change"]["actions"] for c in changes}
        for address, actions in touched.items():
            removed = address.startswith(('module.functions["api"]', 'module.function_roles["api"]'))
            # The grants the shared group waits on name one role fewer: a value, nothing in AWS.
            grant = address.endswith("terraform_data.network_interface_grant") and actions == ["update"]
            assert (removed and actions == ["delete"]) or grant, (address, actions)
        assert any(a.startswith('module.functions["api"]') for a in touched), touched
        runner.apply()
        assert planned(runner, "after.tfplan") == []
        assert len(lambda_interfaces(ec2, network.private_subnets)) == budget.lambda_interfaces
