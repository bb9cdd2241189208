"""`vpc-lambda-new update`: new answers or a newer generator, and not a byte of the user's work lost.

Every project is generated and updated through the real command line, in real
folders; the Terraform ones are validated by the real CLI.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import Generate
from fixtures_terraform import BindTerraform
from fixtures_wizard import CTRL_U, ENTER, SpawnWizard
from test_wizard import asked, enter_through
from tree_state import tree_state

from scaffold import render, update
from scaffold.baseline import BASELINE_FILE
from scaffold.cli import main
from scaffold.project import ANSWERS_FILE
from scaffold.storage import JOURNAL_FOLDER

EXISTING = (
    "--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
    "--subnet-ids", "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    "--route-table-ids", "rtb-01234567",
)  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def updated(capsys: pytest.CaptureFixture[str], project: Path, *flags: str) -> tuple[int, str, str]:
    return run(capsys, "update", str(project), "--no-input", *flags)


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".terraform" not in path.relative_to(folder).parts
    }


def fresh(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str, name: str = "demo") -> Path:
    """What this version generates from scratch for these answers."""
    out = tmp_path / "fresh" / hashlib.sha256(" ".join(flags).encode()).hexdigest()[:8]
    code, _, err = run(capsys, "--no-input", "--name", name, "--output-dir", str(out), *flags)
    assert code == 0, err
    return out / name


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)


def validate(terraform: BindTerraform, project: Path) -> None:
    runner = terraform(project)
    runner.init()
    report = json.loads(runner.run("validate", "-json", "-no-color", ok_codes=(0, 1)).stdout)
    problems = [item["summary"] + ": " + item.get("detail", "") for item in report["diagnostics"]]
    assert report["valid"] and not problems, "terraform validate:\n" + "\n".join(problems)


MAIN_EDIT = '''
# Our own additions to the root module.
locals {
  owner = "payments"
}
'''
OUTPUTS_EDIT = '''
output "owner" {
  description = "Who runs this function."
  value       = local.owner
}
'''
USER_FILE = '''resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.name}-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  dimensions = {
    FunctionName = module.function.function_name
  }
}
'''


@pytest.mark.terraform
def test_update_keeps_edits_and_user_files_and_validates(
    generate: Generate, capsys: pytest.CaptureFixture[str], terraform: BindTerraform, tmp_path: Path
) -> None:
    project = generate()
    append(project / "main.tf", MAIN_EDIT)
    append(project / "outputs.tf", OUTPUTS_EDIT)
    (project / "alarms.tf").write_text(USER_FILE)
    edited = {name: (project / name).read_text() for name in ("main.tf", "outputs.tf", "alarms.tf")}

    code, out, err = updated(capsys, project, "--azs", "3")
    assert code == 0, err
    assert "replaced  terraform.tfvars" in out
    for name, text in edited.items():
        assert (project / name).read_text() == text, name
    assert 'az3 = "10.0.' in (project / "terraform.tfvars").read_text()
    reference = fresh(tmp_path, capsys, "--azs", "3")
    for relative, data in files(reference).items():
        if relative not in edited:
            assert (project / relative).read_bytes() == data, relative
    assert not (project / JOURNAL_FOLDER).exists()
    validate(terraform, project)


@pytest.mark.terraform
def test_update_from_private_nat_to_existing_with_a_runtime_change_leaves_nothing_stale(
    generate: Generate, capsys: pytest.CaptureFixture[str], terraform: BindTerraform, tmp_path: Path
) -> None:
    project = generate("--topology", "private-nat", "--nat", "per-az", "--azs", "3")
    (project / "alarms.tf").write_text(USER_FILE)
    append(project / "main.tf", MAIN_EDIT)
    append(project / "outputs.tf", OUTPUTS_EDIT)

    code, out, err = updated(capsys, project, *EXISTING, "--runtime", "nodejs22.x")
    assert code == 0, err
    reference = fresh(tmp_path, capsys, *EXISTING, "--runtime", "nodejs22.x")
    # Exactly this version's files for the new answers, plus the user's: nothing stale.
    assert set(files(project)) == set(files(reference)) | {"alarms.tf"}
    for relative, data in files(reference).items():
        if relative not in ("main.tf", "outputs.tf"):
            assert (project / relative).read_bytes() == data, relative
    # main.tf changed on both sides: merged, the user's lines and the generator's.
    assert (project / "main.tf").read_text() == (reference / "main.tf").read_text() + MAIN_EDIT
    assert (project / "outputs.tf").read_text().endswith(OUTPUTS_EDIT)
    for gone in ("modules/network/routes.tf", "src/handler.py", "tests/test_handler.py"):
        assert f"removed   {gone}" in out
    assert "merged    main.tf" in out
    record = json.loads((project / ANSWERS_FILE).read_text())
    assert (record["topology"], record["runtime"]) == ("existing", "nodejs22.x")
    assert "nat" not in record and "vpc_cidr" not in record
    assert zipfile.ZipFile(project / "build" / "function.zip").namelist() == ["index.mjs"]
    validate(terraform, project)


def test_a_conflicting_edit_is_marked_and_reported(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    tfvars = project / "terraform.tfvars"
    tfvars.write_text(tfvars.read_text().replace("memory_size  = 256", "memory_size  = 384 # ours"))
    code, out, err = updated(capsys, project, "--memory", "512", "--azs", "3")
    assert code == 3, err
    text = tfvars.read_text()
    assert "<<<<<<< yours\nmemory_size  = 384 # ours\n=======\nmemory_size  = 512\n>>>>>>> vpc-lambda-new " in text
    assert 'az3 = "10.0.' in text  # the rest merged cleanly
    conflicts = [line for line in err.splitlines() if line.startswith("vpc-lambda-new: conflict: ")]
    assert conflicts == [
        (
            f"vpc-lambda-new: conflict: {str(tfvars)!r}: both you and vpc-lambda-new changed the same"
            f" lines: 1 conflict marked <<<<<<< yours ... >>>>>>> {render.GENERATOR}"
        )
    ]
    assert "broken rule" not in err  # conflicts first: the check waits until they are resolved
    assert "replaced  README.md" in out and "conflict  terraform.tfvars" in out
    code, out, _ = run(capsys, "check", str(project))
    assert (code, out) == (4, "conflict: terraform.tfvars still holds conflict markers; resolve them\n")
    # Resolved by hand, the project passes check; a second update finds nothing to do.
    tfvars.write_text(text.replace("<<<<<<< yours\nmemory_size  = 384 # ours\n=======\n", "").replace(
        f">>>>>>> {render.GENERATOR}\n", ""
    ))
    assert run(capsys, "check", str(project))[0] == 0
    code, out, _ = updated(capsys, project)
    assert code == 0 and out.startswith(f"{project}/ is up to date")


def test_dry_run_prints_the_diff_and_writes_nothing(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    append(project / "terraform.tfvars", "# ours\n")
    before = tree_state(project.parent, folder_mtimes=True)
    code, out, err = updated(capsys, project, "--azs", "3", "--dry-run")
    assert code == 0, err
    assert tree_state(project.parent, folder_mtimes=True) == before
    assert "--- a/terraform.tfvars\n+++ b/terraform.tfvars\n" in out
    assert '+  az3 = "10.0.32.0/20"' in out and "-# ours" not in out
    assert "--- a/README.md" in out and "--- a/.vpc-lambda-new.json" in out
    assert '-  "azs": 2,\n+  "azs": 3,' in out
    assert "a/.vpc-lambda-new.baseline.json" not in out  # the record of generated files: noise in a review


def test_dry_run_names_the_conflicts_it_would_leave(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    tfvars = project / "terraform.tfvars"
    tfvars.write_text(tfvars.read_text().replace("memory_size  = 256", "memory_size  = 384"))
    before = tree_state(project.parent, folder_mtimes=True)
    code, out, err = updated(capsys, project, "--memory", "512", "--dry-run")
    assert code == 3  # what the update itself would end with
    assert "+<<<<<<< yours" in out
    assert "vpc-lambda-new: would conflict: terraform.tfvars: both you and vpc-lambda-new changed" in err
    assert tree_state(project.parent, folder_mtimes=True) == before


def test_a_newer_generator_is_merged_into_edited_files(
    generate: Generate, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same answers, a newer vpc-lambda-new (its templates changed): fixes arrive, edits stay."""
    project = generate()
    append(project / "outputs.tf", OUTPUTS_EDIT)
    newer = tmp_path / "newer-templates"
    shutil.copytree(render.templates_root(), newer)
    outputs = newer / "shared" / "{{cookiecutter.name}}" / "outputs.tf"
    fix = 'output "region" {\n  description = "The region."\n  value       = var.region\n}\n\n'
    outputs.write_text(fix + outputs.read_text())
    (newer / "shared" / "{{cookiecutter.name}}" / "NOTICE.md").write_text("A file new in this version.\n")
    monkeypatch.setattr(render, "templates_root", lambda: newer)
    code, out, err = updated(capsys, project)
    assert code == 0, err
    text = (project / "outputs.tf").read_text()
    assert text.startswith(fix) and text.endswith(OUTPUTS_EDIT)
    assert "merged    outputs.tf" in out and "added     NOTICE.md" in out
    assert (project / "NOTICE.md").read_text() == "A file new in this version.\n"


def test_an_update_with_nothing_to_change_touches_nothing(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    append(project / "main.tf", MAIN_EDIT)
    before = tree_state(project.parent, folder_mtimes=True)
    code, out, err = updated(capsys, project)
    assert (code, err) == (0, "")
    assert out == f"{project}/ is up to date\n"
    assert tree_state(project.parent, folder_mtimes=True) == before


def test_files_no_longer_generated_are_removed_unless_edited(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    append(project / "tests" / "test_handler.py", "\n# our extra case\n")
    code, out, err = updated(capsys, project, "--runtime", "nodejs22.x")
    assert code == 3, err
    assert not (project / "src" / "handler.py").exists()
    assert "removed   src/handler.py" in out
    assert (project / "tests" / "test_handler.py").read_text().endswith("# our extra case\n")
    assert (project / "tests" / "handler.test.mjs").is_file()
    assert f"vpc-lambda-new: conflict: {str(project / 'tests' / 'test_handler.py')!r}: no longer generated" in err
    # Now the user's own file: the next update leaves it alone and reports nothing.
    code, out, err = updated(capsys, project)
    assert (code, err) == (0, "") and "test_handler.py" not in out


def test_a_deleted_file_stays_deleted_unless_the_generator_changes_it(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    (project / "tests" / "test_handler.py").unlink()  # the generator does not change it below
    (project / "terraform.tfvars").unlink()  # the generator changes it below
    code, _, err = updated(capsys, project, "--memory", "512")
    assert code == 3, err
    assert not (project / "tests" / "test_handler.py").exists()
    assert "memory_size  = 512" in (project / "terraform.tfvars").read_text()
    assert f"{str(project / 'terraform.tfvars')!r}: you deleted it and vpc-lambda-new changed it" in err


def test_a_file_of_the_users_where_a_new_file_is_generated_is_kept(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    (project / "src" / "index.mjs").write_text("// our own\n")
    code, out, err = updated(capsys, project, "--runtime", "nodejs22.x")
    assert code == 0, err
    assert (project / "src" / "index.mjs").read_text() == "// our own\n"
    assert "kept      src/index.mjs: yours; vpc-lambda-new generates this file too" in out
    baseline = json.loads((project / BASELINE_FILE).read_text())
    assert "src/index.mjs" not in baseline["files"]  # it stays the user's


def test_a_merge_that_breaks_a_rule_is_reported_with_exit_4(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    network = project / "modules" / "network" / "main.tf"
    network.write_text(network.read_text().replace('instance_tenancy = "default"', 'instance_tenancy = "dedicated"'))
    tfvars = project / "terraform.tfvars"
    tfvars.write_text(tfvars.read_text().replace("tags = {}", 'tags = { Team = "ours" }'))
    code, out, err = updated(capsys, project, "--memory", "512")
    assert code == 4, err
    assert "merged    terraform.tfvars" in out
    assert 'instance_tenancy = "dedicated"' in network.read_text()  # the edit is the user's
    assert "vpc-lambda-new: broken rule: tenancy: module.network.aws_vpc.this" in err


def test_the_zip_is_rebuilt_from_the_final_sources(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    append(project / "src" / "handler.py", "\n# our change, not yet built\n")
    (project / "src" / "helper.py").write_text("# ours\n")
    code, out, err = updated(capsys, project, "--memory", "512")
    assert code == 0, err
    assert "rebuilt   build/function.zip" in out
    archive = zipfile.ZipFile(project / "build" / "function.zip")
    assert sorted(archive.namelist()) == ["handler.py", "helper.py"]
    assert archive.read("handler.py") == (project / "src" / "handler.py").read_bytes()


def test_a_zip_the_user_built_is_kept(generate: Generate, capsys: pytest.CaptureFixture[str]) -> None:
    project = generate()
    with zipfile.ZipFile(project / "build" / "function.zip", "w") as archive:
        archive.writestr("handler.py", "# with vendored dependencies\n")
        archive.writestr("requests/__init__.py", "")
    theirs = (project / "build" / "function.zip").read_bytes()
    code, out, err = updated(capsys, project, "--runtime", "python3.13")
    assert code == 0, err
    assert (project / "build" / "function.zip").read_bytes() == theirs
    assert "kept      build/function.zip: yours: it is not what scripts/build_package.py makes of src/" in out


def test_merged_files_keep_their_mode_and_links_the_update_does_not_need_are_left(
    generate: Generate, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = generate()
    append(project / "terraform.tfvars", "# ours\n")
    (project / "terraform.tfvars").chmod(0o600)
    shared = tmp_path / "shared-tests.py"
    shutil.move(project / "tests" / "test_handler.py", shared)
    (project / "tests" / "test_handler.py").symlink_to(shared)
    code, _, err = updated(capsys, project, "--memory", "512")
    assert code == 0, err
    assert stat.S_IMODE((project / "terraform.tfvars").stat().st_mode) == 0o600
    assert os.readlink(project / "tests" / "test_handler.py") == str(shared)


def test_an_edited_file_too_large_to_merge_is_kept(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    append(project / "main.tf", "# " + "x" * 80 + "\n" * 1)
    append(project / "main.tf", ("# padding\n" * 120_000))  # 1.2 MB: no generated file is this big
    theirs = (project / "main.tf").read_bytes()
    code, _, err = updated(capsys, project, "--topology", "private-nat")
    assert code == 3
    assert (project / "main.tf").read_bytes() == theirs
    assert "too large or not text to merge: yours is kept" in err


def test_an_older_project_is_brought_in_with_a_baseline_folder(
    generate: Generate, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = generate("--memory", "512")
    append(project / "main.tf", MAIN_EDIT)
    # As an earlier version left it: answers, no baseline.
    record = json.loads((project / ANSWERS_FILE).read_text())
    del record["_baseline"]
    record["_generator"] = "vpc-lambda-new 0.1.0"
    (project / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n")
    (project / BASELINE_FILE).unlink()
    code, _, err = updated(capsys, project)
    assert code == 2 and "--baseline FOLDER" in err
    # What that version generated for the same answers (here: this version does it).
    code, _, err = run(
        capsys, "--no-input", "--answers", str(project / ANSWERS_FILE), "--output-dir", str(tmp_path / "old")
    )
    assert code == 0, err
    code, out, err = updated(capsys, project, "--baseline", str(tmp_path / "old"), "--topology", "private-nat")
    assert code == 0, err
    assert "merged    main.tf" in out
    assert (project / "main.tf").read_text().endswith(MAIN_EDIT)
    assert json.loads((project / ANSWERS_FILE).read_text())["_baseline"].startswith("sha256:")
    code, out, _ = updated(capsys, project)
    assert code == 0 and out.startswith(f"{project}/ is up to date")


def test_an_empty_baseline_folder_adopts_the_project_as_it_is(
    generate: Generate, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = generate()
    append(project / "main.tf", MAIN_EDIT)
    (project / "terraform.tfvars").write_text((project / "terraform.tfvars").read_text().replace("memory_size  = 256", "memory_size  = 384"))
    (project / BASELINE_FILE).unlink()
    (tmp_path / "empty").mkdir()
    # New answers with nothing to merge against would be recorded without being in the files.
    code, _, err = updated(capsys, project, "--baseline", str(tmp_path / "empty"), "--memory", "512")
    assert code == 2 and "an empty folder adopts the project as it is" in err, err
    code, out, err = updated(capsys, project, "--baseline", str(tmp_path / "empty"))
    assert code == 0, err
    assert (project / "main.tf").read_text().endswith(MAIN_EDIT)
    assert "kept      main.tf: yours, adopted" in out and "kept      terraform.tfvars: yours, adopted" in out
    assert (project / BASELINE_FILE).is_file()
    # Adopted: from now on an update merges against this version's output.
    code, out, err = updated(capsys, project, "--memory", "512")
    assert code == 3 and "conflict" in err, err  # the user's 384 against the answer 512
    assert (project / "main.tf").read_text().endswith(MAIN_EDIT)


def test_update_then_generate_agree_byte_for_byte(
    generate: Generate, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An unedited project updated to new answers is exactly a fresh project of those answers."""
    project = generate("--topology", "private-nat")
    flags = ("--runtime", "nodejs22.x", "--endpoints", "s3,sts,sqs", "--tags", "Team=payments", "--ipv6")
    code, _, err = updated(capsys, project, *flags)
    assert code == 0, err
    assert files(project) == files(fresh(tmp_path, capsys, "--topology", "private-nat", *flags))


def test_the_baseline_is_a_dot_file_no_terraform_tool_reads(generate: Generate) -> None:
    project = generate()
    metadata = sorted(path.name for path in project.iterdir() if path.name.startswith(".vpc-lambda-new"))
    assert metadata == sorted([ANSWERS_FILE, BASELINE_FILE])
    baseline = json.loads((project / BASELINE_FILE).read_text())
    assert set(baseline["files"]) == set(files(project)) - {ANSWERS_FILE, BASELINE_FILE}
    assert baseline["files"]["build/function.zip"] == {
        "sha256": hashlib.sha256((project / "build" / "function.zip").read_bytes()).hexdigest()
    }
    assert baseline["files"]["main.tf"] == {"text": (project / "main.tf").read_text()}


def test_the_recorded_answers_change_only_where_flags_say(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate("--topology", "private-nat", "--nat", "per-az", "--memory", "1024", "--tags", "Team=a")
    code, _, err = updated(capsys, project, "--timeout", "60")
    assert code == 0, err
    record = json.loads((project / ANSWERS_FILE).read_text())
    assert (record["nat"], record["memory"], record["tags"], record["timeout"]) == ("per-az", 1024, {"Team": "a"}, 60)


@pytest.mark.parametrize("endpoints", ["defaulted", "chosen"])
def test_a_recorded_default_follows_the_new_default_and_a_choice_is_kept(
    endpoints: str, generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    # Gateway endpoints are the default of new VPCs; in `existing` without route tables
    # there is nothing to attach them to, so their default there is none. A project that
    # took the default follows it; one whose user chose them is told why they cannot stay.
    chosen = ("--endpoints", "s3,dynamodb") if endpoints == "chosen" else ()
    project = generate("--topology", "private-nat", *chosen)
    record = json.loads((project / ANSWERS_FILE).read_text())
    assert ("endpoints" in record["_defaults"]) == (endpoints == "defaulted")
    network = ("--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
               "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1")  # fmt: skip
    code, _, err = updated(capsys, project, *network)
    if endpoints == "chosen":
        assert code == 2 and err.count("\n") == 1, err
        assert "endpoints in" in err and "with --topology existing give --route-table-ids" in err
        return
    assert code == 0, err
    record = json.loads((project / ANSWERS_FILE).read_text())
    assert (record["topology"], record["endpoints"]) == ("existing", "")
    assert {"endpoints", "memory", "runtime"} <= set(record["_defaults"])


@pytest.mark.pty
def test_update_in_a_terminal_asks_with_the_recorded_answers_as_defaults(
    generate: Generate, wizard: SpawnWizard
) -> None:
    project = generate("--topology", "private-nat", "--azs", "3", "--memory", "512", "--tags", "Team=a")
    append(project / "main.tf", MAIN_EDIT)
    terminal = wizard("update", str(project))
    # Enter keeps each recorded answer; only the timeout is changed. The folder is not asked.
    keys = asked("private-nat", skip={"output_dir"})
    enter_through(terminal, keys, {"timeout": CTRL_U + "60" + ENTER})
    terminal.answer("Update this project?")
    assert terminal.finish() == 0, terminal.transcript
    record = json.loads((project / ANSWERS_FILE).read_text())
    assert (record["azs"], record["memory"], record["tags"], record["timeout"]) == (3, 512, {"Team": "a"}, 60)
    assert record["topology"] == "private-nat"
    assert (project / "main.tf").read_text().endswith(MAIN_EDIT)
    assert "replaced  terraform.tfvars" in terminal.transcript


def test_sources_nested_deeper_than_python_recurses_are_bad_input(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    here = os.getcwd()
    os.chdir(project / "src")
    try:
        for _ in range(1100):  # deeper than the interpreter's recursion limit
            os.mkdir("d")
            os.chdir("d")
    finally:
        os.chdir(here)
    code, _, err = updated(capsys, project, "--memory", "512")
    assert code == 2
    assert err == f"vpc-lambda-new: error: project: {str(project / 'src')!r} nests folders too deep to package\n"
    assert "memory_size  = 256" in (project / "terraform.tfvars").read_text()
    os.chdir(project / "src")
    try:  # remove it without recursion, for pytest's cleanup
        depth = 1100
        for _ in range(depth):
            os.chdir("d")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_closed_standard_streams(generate: Generate, tmp_path: Path) -> None:
    """A closed stdin means no terminal (no prompt); a closed stdout is not an error."""
    project = generate()
    script = shutil.which("vpc-lambda-new")
    assert script
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" update "$1" --memory 512 <&- >&-', script, str(project)],
        capture_output=False, stderr=subprocess.PIPE, text=True, env=env, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert "memory_size  = 512" in (project / "terraform.tfvars").read_text()
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" update "$1" --memory 1024 --dry-run <&- | head -c 10', script, str(project)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "--- a/READ")  # the README names the memory too
    assert "memory_size  = 512" in (project / "terraform.tfvars").read_text()


def test_readers_share_the_project_and_writers_exclude_them(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    reader = os.open(project, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(reader, fcntl.LOCK_SH)  # as a concurrent `check` holds it
        assert run(capsys, "check", str(project))[0] == 0
        assert updated(capsys, project, "--memory", "512", "--dry-run")[0] == 0
        code, _, err = updated(capsys, project, "--memory", "512")
        assert code == 2 and "another vpc-lambda-new run is writing" in err
    finally:
        os.close(reader)
    assert updated(capsys, project, "--memory", "512")[0] == 0


# --- the merge itself ----------------------------------------------------------------


def test_merge_takes_both_sides_changes_when_they_do_not_overlap() -> None:
    base = b"a\nb\nc\nd\ne\n"
    yours = b"a\nB\nc\nd\ne\n"
    theirs = b"a\nb\nc\nd\nE\n"
    assert update.merge(base, yours, theirs) == (b"a\nB\nc\nd\nE\n", 0)


def test_merge_takes_the_same_change_once() -> None:
    assert update.merge(b"a\nb\n", b"a\nX\n", b"a\nX\n") == (b"a\nX\n", 0)


def test_merge_marks_overlapping_changes_with_standard_markers() -> None:
    merged, conflicts = update.merge(b"a\nb\nc\n", b"a\nyours\nc\n", b"a\ntheirs\nc\n")
    assert conflicts == 1
    assert merged == (
        b"a\n<<<<<<< yours\nyours\n=======\ntheirs\n>>>>>>> " + render.GENERATOR.encode() + b"\nc\n"
    )


def test_merge_never_glues_a_marker_to_a_last_line_without_newline() -> None:
    merged, conflicts = update.merge(b"a\nb", b"a\nyours", b"a\ntheirs")
    assert conflicts == 1
    assert merged.splitlines() == [
        b"a", b"<<<<<<< yours", b"yours", b"=======", b"theirs", b">>>>>>> " + render.GENERATOR.encode()
    ]


EXISTING_WITH_EXECUTE_API = (
    "--topology", "existing", "--vpc-id", "vpc-0abc1234def567890",
    "--subnet-ids", "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "--endpoints", "sts,execute-api",
)  # fmt: skip


def test_execute_api_private_dns_is_off_in_existing_unless_asked_and_kept_where_it_was_on(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    # In an existing VPC, private DNS on execute-api breaks every public API call of other
    # teams' workloads (403): off unless asked. A project from a release that had it on
    # (every release before the question) keeps it on through an update.
    project = generate(*EXISTING_WITH_EXECUTE_API)
    assert "execute_api_private_dns = false" in (project / "terraform.tfvars").read_text()
    asked = generate(*EXISTING_WITH_EXECUTE_API, "--execute-api-private-dns", name="asked")
    assert "execute_api_private_dns = true" in (asked / "terraform.tfvars").read_text()
    record = json.loads((project / ANSWERS_FILE).read_text())
    del record["execute_api_private_dns"]
    record["_defaults"].remove("execute_api_private_dns")
    record["_generator"] = "vpc-lambda-new 0.4.0"
    (project / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n")
    code, _, err = updated(capsys, project)
    assert code == 0, err
    assert "execute_api_private_dns = true" in (project / "terraform.tfvars").read_text()
    assert json.loads((project / ANSWERS_FILE).read_text())["execute_api_private_dns"] is True
    # A project of that release without execute-api that adds it now is asked as a new one.
    plain = generate(*EXISTING_WITH_EXECUTE_API[:-1], "sts", name="plain")
    record = json.loads((plain / ANSWERS_FILE).read_text())
    record["_generator"] = "vpc-lambda-new 0.4.0"
    (plain / ANSWERS_FILE).write_text(json.dumps(record, indent=2) + "\n")
    code, _, err = updated(capsys, plain, "--endpoints", "sts,execute-api")
    assert code == 0, err
    assert "execute_api_private_dns = false" in (plain / "terraform.tfvars").read_text()


def test_execute_api_private_dns_applies_only_with_that_endpoint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--no-input", "--output-dir", str(tmp_path), "--execute-api-private-dns")
    assert code == 2 and err.count("\n") == 1, err
    assert "--execute-api-private-dns: does not apply" in err


def test_execute_api_private_dns_is_on_by_default_only_where_nothing_reaches_public_apis(
    generate: Generate,
) -> None:
    private = generate("--endpoints", "execute-api", name="closed")
    assert "execute_api_private_dns = true" in (private / "terraform.tfvars").read_text()
    with_nat = generate("--topology", "private-nat", "--endpoints", "execute-api", name="open")
    assert "execute_api_private_dns = false" in (with_nat / "terraform.tfvars").read_text()
