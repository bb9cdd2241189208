"""The interactive wizard, driven through a real pseudo-terminal with real keys.

Prompt texts, their order and which of them apply come from
scaffold.answers.QUESTIONS, so these tests follow the questions rather than
copy them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import pytest
from fixtures_wizard import (
    CTRL_C,
    CTRL_D,
    CTRL_U,
    DOWN,
    ENTER,
    SPACE,
    SpawnWizard,
    Terminal,
    console_script,
)
from hcl_reader import load_project

from scaffold.answers import QUESTIONS, QUESTIONS_BY_KEY

CONFIRM = "Generate this project?"
INTERRUPTED = "vpc-lambda-new: interrupted; nothing was written"


def prompt(key: str) -> str:
    return QUESTIONS_BY_KEY[key].prompt


def asked(topology: str, skip: Collection[str] = ()) -> list[str]:
    """The keys the wizard asks, in order, for this topology."""
    known = {"topology": topology}
    return [q.key for q in QUESTIONS if q.key not in skip and q.asked and q.applies(known)]


def enter_through(
    terminal: Terminal, keys: list[str], special: dict[str, str] | None = None
) -> None:
    for key in keys:
        terminal.answer(prompt(key), (special or {}).get(key, ENTER))


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def generate_without_prompts(folder: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [console_script(), *flags],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.pty
def test_enter_through_every_question_matches_no_input(wizard: SpawnWizard, tmp_path: Path) -> None:
    terminal = wizard()
    for key in asked("private"):
        question = QUESTIONS_BY_KEY[key]
        terminal.expect_text(question.prompt)
        typed_in = not (question.choices or question.is_yes_no or key in {"azs", "endpoints"})
        if typed_in and question.default:
            terminal.expect_text(str(question.default))  # shown, pre-filled
        terminal.child.send(ENTER)
    terminal.answer(CONFIRM)
    terminal.expect_text("Created")
    assert terminal.finish() == 0
    assert "Traceback" not in terminal.transcript

    scripted = generate_without_prompts(tmp_path / "scripted", "--no-input")
    assert scripted.returncode == 0, scripted.stderr
    assert terminal.written() == ["vpc-lambda"]
    assert tree(terminal.cwd / "vpc-lambda") == tree(tmp_path / "scripted" / "vpc-lambda")


@pytest.mark.pty
def test_arrow_keys_and_space_choose_nat_azs_runtime_and_endpoints(
    wizard: SpawnWizard, tmp_path: Path
) -> None:
    terminal = wizard()
    choices = {
        "topology": DOWN + ENTER,  # private -> private-nat
        "azs": DOWN + ENTER,  # 2 -> 3
        "nat": DOWN + ENTER,  # single -> per-az
        "endpoints": DOWN + DOWN + SPACE + ENTER,  # s3, dynamodb, then tick sts
        "runtime": DOWN + ENTER,  # python3.12 -> nodejs22.x
    }
    keys = asked("private-nat")
    assert "nat" in keys
    enter_through(terminal, keys, choices)
    terminal.expect_text("This will generate:")
    # The fixed monthly cost of what was chosen: 3 NAT gateways and addresses, sts in 3 AZs.
    terminal.expect_text("Fixed cost: $131.40 a month in us-east-1")
    terminal.expect_text("3 x NAT gateway: $0.045 per gateway-hour = $98.55 a month")
    terminal.answer(CONFIRM)
    assert terminal.finish() == 0, terminal.transcript
    project = terminal.cwd / "vpc-lambda"

    parsed = load_project(project)
    assert parsed.tfvars["runtime"] == "nodejs22.x"
    assert list(parsed.tfvars["private_subnets"]) == ["az1", "az2", "az3"]
    assert list(parsed.tfvars["public_subnets"]) == ["az1", "az2", "az3"]  # one NAT per AZ
    assert parsed.tfvars["gateway_endpoints"] == ["s3", "dynamodb"]
    assert parsed.tfvars["interface_endpoints"] == ["sts"]
    function = next(block for block in parsed.root.of_kind("module") if block.name == "function")
    assert function.body["handler"] == "index.handler"
    assert parsed.network.has("aws_nat_gateway.this")
    assert parsed.network.has("aws_internet_gateway.this")
    assert (project / "src" / "index.mjs").is_file()
    recorded = json.loads((project / ".vpc-lambda-new.json").read_text())
    assert recorded["topology"] == "private-nat"
    assert recorded["nat"] == "per-az"
    assert recorded["azs"] == 3

    flags = ["--topology", "private-nat", "--azs", "3", "--nat", "per-az"]
    flags += ["--endpoints", "s3,dynamodb,sts", "--runtime", "nodejs22.x"]
    scripted = generate_without_prompts(tmp_path / "scripted", "--no-input", *flags)
    assert scripted.returncode == 0, scripted.stderr
    assert tree(project) == tree(tmp_path / "scripted" / "vpc-lambda")


@pytest.mark.pty
def test_existing_vpc_asks_for_ids_and_offers_only_endpoints_it_can_attach(
    wizard: SpawnWizard, tmp_path: Path
) -> None:
    vpc = "vpc-0123456789abcdef0"
    subnets = "subnet-0123456789abcdef0,subnet-0123456789abcdef1"
    terminal = wizard()
    keys = asked("existing")
    assert "vpc_id" in keys and "vpc_cidr" not in keys and "nat" not in keys
    typed = {
        "topology": DOWN + DOWN + ENTER,  # private -> private-nat -> existing
        "vpc_id": vpc + ENTER,
        "subnet_ids": subnets + ENTER,
        # Gateway endpoints need route tables, none given: s3 and dynamodb are
        # disabled, so the cursor starts on sts; tick it.
        "endpoints": SPACE + ENTER,
    }
    enter_through(terminal, keys[: keys.index("endpoints")], typed)
    terminal.expect_text(prompt("endpoints"))
    terminal.expect_text("gateway endpoints (s3) attach to route tables")
    terminal.child.send(typed["endpoints"])
    enter_through(terminal, keys[keys.index("endpoints") + 1 :])
    terminal.expect_text(f"VPC {vpc}")
    terminal.answer(CONFIRM)
    assert terminal.finish() == 0, terminal.transcript

    flags = ["--topology", "existing", "--vpc-id", vpc, "--subnet-ids", subnets]
    scripted = generate_without_prompts(
        tmp_path / "scripted", "--no-input", *flags, "--endpoints", "sts"
    )
    assert scripted.returncode == 0, scripted.stderr
    assert tree(terminal.cwd / "vpc-lambda") == tree(tmp_path / "scripted" / "vpc-lambda")


@pytest.mark.pty
def test_invalid_cidr_is_caught_inline_then_fixed(wizard: SpawnWizard) -> None:
    terminal = wizard()
    enter_through(terminal, ["name", "topology", "region"])
    terminal.answer(prompt("vpc_cidr"), CTRL_U + "10.0.0.0/33")
    terminal.expect_text("'10.0.0.0/33' is not an IPv4 CIDR")
    terminal.child.send(ENTER)  # refused while invalid: the question stays
    terminal.child.send(CTRL_U + "10.1.0.0/16" + ENTER)
    keys = asked("private")
    enter_through(terminal, keys[keys.index("vpc_cidr") + 1 :])
    terminal.answer(CONFIRM)
    assert terminal.finish() == 0, terminal.transcript
    recorded = json.loads((terminal.cwd / "vpc-lambda" / ".vpc-lambda-new.json").read_text())
    assert recorded["vpc_cidr"] == "10.1.0.0/16"
    assert "Traceback" not in terminal.transcript


@pytest.mark.pty
def test_name_with_a_space_is_caught_at_the_name_question(wizard: SpawnWizard) -> None:
    terminal = wizard()
    terminal.answer(prompt("name"), CTRL_U + "my app")
    terminal.expect_text("'my app' is not a valid name")
    terminal.child.send(CTRL_C)
    assert terminal.finish() == 130
    assert terminal.written() == []


@pytest.mark.pty
def test_az_counts_the_cidr_cannot_hold_are_disabled_with_the_reason(
    wizard: SpawnWizard,
) -> None:
    terminal = wizard()
    enter_through(terminal, ["name", "topology", "region"])
    terminal.answer(prompt("vpc_cidr"), CTRL_U + "10.0.0.0/24" + ENTER)
    terminal.answer(prompt("zones"))
    terminal.expect_text(prompt("azs"))
    terminal.expect_text("room for 4 of at least /27, not 5")
    terminal.child.send(CTRL_C)
    assert terminal.finish() == 130


@pytest.mark.pty
def test_zones_pinned_by_az_id_set_the_az_count(wizard: SpawnWizard, tmp_path: Path) -> None:
    terminal = wizard()
    keys = asked("private")
    enter_through(terminal, keys[: keys.index("zones")])
    terminal.answer(prompt("zones"), "use1-az1,use1-az2" + ENTER)
    terminal.expect_text(prompt("azs"))
    terminal.expect_text("3 AZs, but --zones pins 2")  # the counts that do not fit, disabled
    terminal.child.send(ENTER)  # 2, as many as pinned
    enter_through(terminal, keys[keys.index("azs") + 1 :])
    terminal.expect_text("use1-az1, use1-az2 (az1..az2)")
    terminal.answer(CONFIRM)
    assert terminal.finish() == 0, terminal.transcript
    parsed = load_project(terminal.cwd / "vpc-lambda")
    assert parsed.tfvars["availability_zones"] == ["use1-az1", "use1-az2"]

    scripted = generate_without_prompts(
        tmp_path / "scripted", "--no-input", "--zones", "use1-az1,use1-az2"
    )
    assert scripted.returncode == 0, scripted.stderr
    assert tree(terminal.cwd / "vpc-lambda") == tree(tmp_path / "scripted" / "vpc-lambda")


@pytest.mark.pty
def test_existing_project_folder_is_caught_at_the_output_question(wizard: SpawnWizard) -> None:
    terminal = wizard()
    (terminal.cwd / "vpc-lambda").mkdir()
    (terminal.cwd / "vpc-lambda" / "keep.txt").write_text("mine\n")
    keys = asked("private")
    enter_through(terminal, keys[:-1])
    terminal.answer(prompt("output_dir"), ENTER)
    terminal.expect_text("already exists and is not empty")
    terminal.child.send(CTRL_U + "elsewhere" + ENTER)
    terminal.answer(CONFIRM)
    assert terminal.finish() == 0, terminal.transcript
    assert (terminal.cwd / "elsewhere" / "vpc-lambda" / "main.tf").is_file()
    assert [path.name for path in (terminal.cwd / "vpc-lambda").iterdir()] == ["keep.txt"]


@pytest.mark.pty
@pytest.mark.parametrize(
    ("flags", "answers_file", "skipped"),
    [
        (["--topology", "private"], None, {"topology", "nat"}),
        (["--topology", "private-nat"], None, {"topology"}),
        ([], {"region": "eu-west-1", "vpc_cidr": "10.9.0.0/16"}, {"region", "vpc_cidr"}),
    ],
    ids=["private", "private-nat", "answers-file"],
)
def test_pre_answered_questions_are_not_asked(
    wizard: SpawnWizard,
    tmp_path: Path,
    flags: list[str],
    answers_file: dict[str, str] | None,
    skipped: set[str],
) -> None:
    if answers_file is not None:
        path = tmp_path / "answers.json"
        path.write_text(json.dumps(answers_file))
        flags = [*flags, "--answers", str(path)]
    terminal = wizard(*flags)
    topology = flags[flags.index("--topology") + 1] if "--topology" in flags else "private"
    keys = asked(topology, skip=skipped)
    enter_through(terminal, keys)
    terminal.answer(CONFIRM)
    assert terminal.finish() == 0, terminal.transcript
    for key in keys:
        assert f"? {prompt(key)}" in terminal.transcript
    for key in skipped:
        assert f"? {prompt(key)}" not in terminal.transcript
    recorded = json.loads((terminal.cwd / "vpc-lambda" / ".vpc-lambda-new.json").read_text())
    assert recorded["topology"] == topology
    for key, value in (answers_file or {}).items():
        assert recorded[key] == value


@pytest.mark.pty
@pytest.mark.parametrize("key", [CTRL_C, CTRL_D], ids=["ctrl-c", "ctrl-d"])
@pytest.mark.parametrize("question", ["vpc_cidr", "azs", "endpoints", "confirm"])
def test_interrupt_leaves_nothing_and_exits_130(
    wizard: SpawnWizard, key: str, question: str
) -> None:
    terminal = wizard()
    keys = asked("private")
    before = keys if question == "confirm" else keys[: keys.index(question)]
    enter_through(terminal, before)
    terminal.answer(CONFIRM if question == "confirm" else prompt(question), key)
    assert terminal.finish() == 130
    assert terminal.transcript.count(INTERRUPTED) == 1
    assert "Traceback" not in terminal.transcript
    assert terminal.written() == []


@pytest.mark.pty
def test_declining_at_the_summary_writes_nothing(wizard: SpawnWizard) -> None:
    terminal = wizard()
    enter_through(terminal, asked("private"))
    terminal.expect_text("This will generate:")
    for shown in ["private", "az1 10.0.0.0/20", "az2 10.0.16.0/20", "s3, dynamodb"]:
        terminal.expect_text(shown)
    terminal.expect_text(str(terminal.cwd / "vpc-lambda"))
    terminal.answer(CONFIRM, "n")
    terminal.expect_text("Nothing was written.")
    assert terminal.finish() == 0
    assert terminal.written() == []


@pytest.mark.pty
def test_no_input_in_a_terminal_never_prompts(wizard: SpawnWizard) -> None:
    terminal = wizard("--no-input", "--topology", "private-nat")
    assert terminal.finish() == 0, terminal.transcript
    assert "?" not in terminal.transcript.split("Created")[0]
    assert terminal.written() == ["vpc-lambda"]


@pytest.mark.pty
def test_a_bad_flag_fails_before_any_question(wizard: SpawnWizard) -> None:
    terminal = wizard("--vpc-cidr", "10.0.0.0/33")
    assert terminal.finish() == 2
    assert "--vpc-cidr: '10.0.0.0/33' is not an IPv4 CIDR" in terminal.transcript
    assert prompt("name") not in terminal.transcript
    assert terminal.written() == []


def test_stdin_that_is_not_a_terminal_never_prompts(tmp_path: Path) -> None:
    result = generate_without_prompts(tmp_path, "--name", "piped")
    assert result.returncode == 0, result.stderr
    assert prompt("name") not in result.stdout + result.stderr
    assert (tmp_path / "piped" / "main.tf").is_file()


IMPORT_PROBE = """
import sys
import scaffold.cli
code = scaffold.cli.main(["--no-input", "--output-dir", sys.argv[1]])
try:
    scaffold.cli.main(["--help"])
except SystemExit:
    pass
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"questionary", "prompt_toolkit"})
print("exit", code, "loaded", ",".join(loaded) or "none", file=sys.stderr)
"""


def test_no_input_and_help_do_not_import_the_prompt_libraries(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "exit 0 loaded none" in result.stderr, result.stderr
