"""Upgrades never destroy: a project of an earlier release, applied, then updated by this one.

For every release in RELEASES, the generator of that release is taken from this
repository's history (`git archive`), a project is generated with it and applied
against the emulator; then the current `vpc-lambda-new update` re-renders it (a
user's edits in one variant), and `terraform plan` of the result must neither
destroy nor replace anything: an address that moved must come with a `moved`
block. A release adds its row to RELEASES, and the row stays.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from fixtures_terraform import AwsEmulator, BindTerraform, TerraformFailed
from test_mutations import existing_flags

from scaffold import __version__
from scaffold.cli import main

pytestmark = [pytest.mark.terraform, pytest.mark.emulator]

# release -> the commit it was made from; each later release adds a row.
RELEASES = {
    "0.2.0": "1dd97844253c4bfab5450e3e0b48731496033fc7",
    "0.3.0": "c4084a3a7ddea9194b8d81a88da8750d252df4a4",
    "0.4.0": "9607f159fd6eee389a04bb67dc346c200eac3733",
    "0.5.0": "b800a091010ce7ac2af6fccbcec6af3538fa3419",
    "0.6.0": "02bd2834f1eede72abd4f9a4cd262614338bc9cf",
    "0.7.0": "f8c271c55e1ffed6785d28f0961371b4f51a1b41",
    "0.8.0": "531aeb4515126eee3c491bad6a86bb738ea06aa3",
    "0.9.0": "2e98508bea49285cd2d2c43af8c54c5741e5bf1e",
}
# The release whose projects also take the multi-function layout after the update: a
# function added on the shared group and one with its own, planned with nothing destroyed.
OLDEST = next(iter(RELEASES))
REGION = "us-east-1"
ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {
    "private-defaults-edited": (),
    "nat-per-az-ipv6-flow-logs-managed-node": (
        "--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--ipv6", "--flow-logs",
        "--iam", "managed", "--endpoints", "s3,dynamodb,sts", "--runtime", "nodejs22.x",
    ),
    "existing": ("{existing}",),
}  # fmt: skip


def release_generator(release: str, folder: Path) -> Path:
    """The package and templates of a release, as they were, unpacked into `folder`."""
    commit = RELEASES[release]
    archived = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "scaffold", "templates"],
        capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    if archived.returncode != 0:
        pytest.fail(
            f"release {release} ({commit[:12]}) is not in this repository's history"
            f" ({archived.stderr.decode(errors='replace').strip()}); the upgrade test needs a"
            " full clone, not a shallow one"
        )
    with tarfile.open(fileobj=BytesIO(archived.stdout)) as archive:
        archive.extractall(folder, filter="data")
    return folder


@pytest.fixture(scope="session")
def old_generator(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    made: dict[str, Path] = {}

    def get(release: str) -> Path:
        if release not in made:
            made[release] = release_generator(
                release, tmp_path_factory.mktemp(f"release-{release}")
            )
        return made[release]

    return get


def generate_with(generator: Path, output: Path, *flags: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    program = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); from scaffold.cli import main;"
        " sys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(generator), "--no-input", "--name", "up",
         "--output-dir", str(output), "--region", REGION, *flags],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def destroyed_or_replaced(plan: dict[str, object]) -> list[str]:
    changes = plan.get("resource_changes") or []
    assert isinstance(changes, list)
    return [
        f"{change['address']}: {' and '.join(change['change']['actions'])}"
        for change in changes
        if "delete" in change["change"]["actions"]
    ]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("release", RELEASES)
def test_an_applied_project_of_an_earlier_release_updates_without_destroying(
    release: str,
    variant: str,
    tmp_path: Path,
    old_generator: Callable[[str], Path],
    terraform: BindTerraform,
    aws_emulator: AwsEmulator,
) -> None:
    flags = [
        item
        for flag in VARIANTS[variant]
        for item in (existing_flags(aws_emulator)[0] if flag == "{existing}" else [flag])
    ]
    generate_with(old_generator(release), tmp_path / "out", *flags)
    project = tmp_path / "out" / "up"
    record = json.loads((project / ".vpc-lambda-new.json").read_text(encoding="utf-8"))
    assert record["_generator"] == f"vpc-lambda-new {release}"
    runner = terraform(project, aws_emulator, REGION)
    runner.init()
    applied = destroyed = False
    try:
        runner.apply()
        applied = True
        edited = variant.endswith("-edited")
        if edited:
            with (project / "main.tf").open("a", encoding="utf-8") as stream:
                stream.write("\n# ours: kept across updates\n")
            (project / "extra.tf").write_text('locals {\n  ours = "kept"\n}\n', encoding="utf-8")

        assert main(["update", str(project), "--no-input"]) == 0

        record = json.loads((project / ".vpc-lambda-new.json").read_text(encoding="utf-8"))
        assert record["_generator"] == f"vpc-lambda-new {__version__}"
        if edited:
            assert (
                (project / "main.tf")
                .read_text(encoding="utf-8")
                .endswith("# ours: kept across updates\n")
            )
            assert (project / "extra.tf").read_text(
                encoding="utf-8"
            ) == 'locals {\n  ours = "kept"\n}\n'
        runner.init()  # the update may add a module or a provider requirement
        runner.run("plan", "-out=upgrade.tfplan", "-input=false", "-no-color", "-lock=false")
        plan = json.loads(runner.run("show", "-json", "upgrade.tfplan").stdout)
        lost = destroyed_or_replaced(plan)
        assert not lost, (
            f"updating a {release} project ({variant}) would destroy or replace:\n"
            + "\n".join(lost)
        )
        if release == OLDEST:
            # The multi-function layout over the upgraded project: only additions.
            assert main(["add-function", "worker", str(project), "--no-input"]) == 0
            assert main(["add-function", "nightly", str(project), "--no-input", "--security-group", "own"]) == 0
            runner.init()
            runner.run("plan", "-out=functions.tfplan", "-input=false", "-no-color", "-lock=false")
            plan = json.loads(runner.run("show", "-json", "functions.tfplan").stdout)
            lost = destroyed_or_replaced(plan)
            assert not lost, f"adding functions to a {release} project ({variant}) would destroy:\n" + "\n".join(lost)
            created = {c["address"] for c in plan["resource_changes"] if c["change"]["actions"] == ["create"]}
            assert 'module.functions["worker"].aws_lambda_function.this' in created, sorted(created)
            assert 'module.functions["nightly"].aws_security_group.this[0]' in created, sorted(created)
        runner.destroy()  # what the update made destroys too
        destroyed = True
    finally:
        if applied and not destroyed:
            with contextlib.suppress(TerraformFailed):
                runner.destroy()
