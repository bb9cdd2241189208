"""Names and tags can never inject: each hostile value is rejected (exit 2) or rendered inert.

Inert means the HCL still parses and the value reads back exactly as given (in
Unicode NFC, the form Terraform reads every string in, and so the form the
answers are validated and recorded in). The
escaping function itself is checked over arbitrary text with python-hcl2, and
against real Terraform, which is the parser that matters.
"""

from __future__ import annotations

import base64
import io
import json
import random
import re
import subprocess
import unicodedata
from pathlib import Path

import hcl2
import pytest
import yaml
from fixtures_terraform import COMMAND_TIMEOUT_SECONDS, TerraformToolchain, terraform_base_env
from hcl_reader import load_project, normalise
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from project_expectations import tfvars_mismatches

from scaffold.answers import RawAnswer, build_answers
from scaffold.answers_file import MAX_BYTES
from scaffold.check import check_project
from scaffold.cli import main
from scaffold.errors import quoted
from scaffold.hcl_literals import hcl_string, hcl_value
from scaffold.render import ANSWERS_FILE

REJECT, RENDER = "rejected", "rendered"

# (value, what becomes of it as the name, as a tag value, as a tag key).
HOSTILE: list[tuple[str, str, str, str]] = [
    ('say "hi"', REJECT, REJECT, REJECT),
    ("back\\slash", REJECT, REJECT, REJECT),
    ("${var.secret}", REJECT, REJECT, REJECT),
    ("$${escaped}", REJECT, REJECT, REJECT),
    ("%{ if true }x%{ endif }", REJECT, REJECT, REJECT),
    ("line\nbreak", REJECT, REJECT, REJECT),
    ("carriage\rreturn", REJECT, REJECT, REJECT),
    ("tab\there", REJECT, REJECT, REJECT),
    ("nul\x00byte", REJECT, REJECT, REJECT),
    ("bell\x07", REJECT, REJECT, REJECT),
    ("'single'", REJECT, REJECT, REJECT),
    ("<script>", REJECT, REJECT, REJECT),
    ("# comment", REJECT, REJECT, REJECT),
    ("/* block */", REJECT, REJECT, REJECT),
    ("`tick`", REJECT, REJECT, REJECT),
    ("brace}", REJECT, REJECT, REJECT),
    ("emoji \U0001f680", REJECT, REJECT, REJECT),
    ("rtl \u202e override", REJECT, REJECT, REJECT),
    ("combining e\u0301", REJECT, RENDER, RENDER),  # as Terraform reads it: NFC, é
    ("ohm \u2126", REJECT, RENDER, RENDER),  # NFC: Greek capital omega
    ("no\u00a0break", REJECT, REJECT, REJECT),
    ("x" * 257, REJECT, REJECT, REJECT),
    ("x" * 100_000, REJECT, REJECT, REJECT),
    ("x" * 129, REJECT, RENDER, REJECT),
    ("x" * 256, REJECT, RENDER, REJECT),
    ("k" * 128, REJECT, RENDER, RENDER),
    ("café", REJECT, RENDER, RENDER),
    ("日本語", REJECT, RENDER, RENDER),
    ("Ωmega Ⅻ", REJECT, RENDER, RENDER),
    ("two words", REJECT, RENDER, RENDER),
    ("user@example.com:/path+x-y_z.w", REJECT, RENDER, RENDER),
    ("a=b", REJECT, RENDER, RENDER),
    ("for", RENDER, RENDER, RENDER),  # a bare `for` key opens a for expression in HCL
    ("null", RENDER, RENDER, RENDER),
    ("true", RENDER, RENDER, RENDER),
    ("42", REJECT, RENDER, RENDER),
]
CHANNELS = ("flag", "yaml", "json")


def only_in_files(text: str) -> bool:
    """Values a flag cannot carry as one tag: argv has no NUL; , and = split --tags."""
    return "\x00" in text or "," in text or "=" in text


def run(capsys: pytest.CaptureFixture[str], folder: Path, channel: str, name: str, tags: dict[str, str]) -> tuple[int, str, str]:
    """One generation, answers given by flags or by a YAML or JSON answers file."""
    args = ["--no-input", "--output-dir", str(folder / "out")]
    if channel == "flag":
        args += ["--name", name] + (["--tags", ",".join(f"{k}={v}" for k, v in tags.items())] if tags else [])
        source = "--{key}"
    else:
        path = folder / f"answers.{channel}"
        data = {"name": name, "tags": tags}
        if channel == "json":
            path.write_text(json.dumps(data), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True, width=1 << 20), encoding="utf-8")
        args += ["--answers", str(path)]
        # A file over the size bound is refused whole, before any answer is read.
        oversized = path.stat().st_size > MAX_BYTES
        source = "--answers" if oversized else f"{{key}} in {quoted(path)}"
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err, source


def assert_rejected(code: int, err: str, source: str, folder: Path) -> None:
    assert code == 2, err
    assert err.startswith(f"vpc-lambda-new: error: {source}:"), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert not (folder / "out").exists()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def assert_rendered_inert(code: int, err: str, folder: Path, name: str, given: dict[str, str]) -> None:
    assert code == 0, err
    tags = {nfc(key): nfc(value) for key, value in given.items()}
    project_dir = folder / "out" / name
    project = load_project(project_dir)  # every .tf and the tfvars parse
    assert project.tfvars["name"] == name
    assert project.tfvars["tags"] == tags
    record = json.loads((project_dir / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert (record["name"], record["tags"]) == (name, tags)
    answers = build_answers({"name": RawAnswer(name, "--name"), "tags": RawAnswer(given, "--tags")})
    assert check_project(project_dir) == []
    assert tfvars_mismatches(project, answers) == []


CASES = [
    pytest.param(field, value, expected, id=f"{field}-{index}")
    for index, (value, as_name, as_value, as_key) in enumerate(HOSTILE)
    for field, expected in (("name", as_name), ("tag-value", as_value), ("tag-key", as_key))
]


def generated_files(project_dir: Path) -> dict[str, object]:
    """Every file's bytes; the record as data without _defaults (an empty tag map given in a
    file is an answer, where a flag left out is a default)."""
    files: dict[str, object] = {
        path.relative_to(project_dir).as_posix(): path.read_bytes() for path in sorted(project_dir.rglob("*")) if path.is_file()
    }
    record = json.loads(files.pop(ANSWERS_FILE))
    record.pop("_defaults", None)
    files[ANSWERS_FILE] = record
    return files


@pytest.mark.parametrize(("field", "value", "expected"), CASES)
def test_hostile_value_is_rejected_or_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: str, expected: str
) -> None:
    """Through every channel that can carry the value (a flag, a YAML and a JSON answers
    file): refused in one line, or rendered inert. The project the first channel renders is
    read back in full (every file parsed, the rules checked); the others must render the
    same project byte for byte, as the same validated answers do."""
    name, tags = "app", {}
    if field == "name":
        name = value
    elif field == "tag-value":
        tags = {"Team": value}
    else:
        tags = {value: "x"}
    key = "name" if field == "name" else "tags"
    first: dict[str, object] | None = None
    for channel in CHANNELS:
        if channel == "flag" and only_in_files(value):
            continue
        folder = tmp_path / channel
        folder.mkdir()
        code, err, source = run(capsys, folder, channel, name, tags)
        if expected == REJECT:
            assert_rejected(code, err, source.format(key=key), folder)
        elif first is None:
            assert_rendered_inert(code, err, folder, name, tags)
            first = generated_files(folder / "out" / name)
        else:
            assert code == 0, f"{channel}: {err}"
            assert generated_files(folder / "out" / name) == first, channel


@pytest.mark.parametrize("channel", CHANNELS)
def test_longest_name_and_many_tags_render_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str], channel: str) -> None:
    name = "A" + "b-9" * 13  # 40 characters, the most a name may have
    tags = {f"K{index}": "v" * 256 for index in range(40)}
    code, err, _ = run(capsys, tmp_path, channel, name, tags)
    assert_rendered_inert(code, err, tmp_path, name, tags)


def unbalanced(text: str) -> bool:
    """python-hcl2 cannot read an escaped $${ or %%{ with no } after it (Terraform can)."""
    return any("}" not in text[match.end() :] for match in re.finditer(r"[$%]\{", text))


TRICKY = st.sampled_from(list('$%{}"\\\n\r\t\x00\x1b\x7f\u2028é日\U0001f680 ')) | st.characters()


@settings(max_examples=300, deadline=None)
@given(st.text(TRICKY, max_size=40), st.text(TRICKY, min_size=1, max_size=20))
def test_escaping_round_trips_any_text_through_python_hcl2(text: str, key: str) -> None:
    assume(not unbalanced(text) and not unbalanced(key))
    source = f"x = {hcl_string(text)}\nm = {hcl_value({key: text, 'for': text})}\n"
    parsed = normalise(hcl2.load(io.StringIO(source)))
    assert parsed["x"] == text
    assert parsed["m"] == {key: text, "for": text}


def corpus() -> list[str]:
    """Hostile fragments and seeded random text over the characters that matter to HCL."""
    alphabet = list('$%{}"\\\n\r\t\x00\x01\x1b\x7f\u2028\u202eé日\U0001f680 #/*=<>`\'') + ["${", "%{", "$${", "%%{"]
    generator = random.Random(5)
    randoms = ["".join(generator.choice(alphabet) for _ in range(generator.randint(1, 12))) for _ in range(300)]
    fixed = [value for value, *_ in HOSTILE] + ["${", "%{", "$${", "$$${", "%%{", "${${}}", "$", "}", "\ufeff"]
    return sorted(set(fixed + randoms))


def terraform_reads(toolchain: TerraformToolchain, folder: Path, expression: str) -> object:
    """What Terraform itself evaluates `expression` to, in a folder of variables only."""
    result = subprocess.run(
        [str(toolchain.binary), "console"],
        input=f"base64encode(jsonencode({expression}))\n",
        cwd=folder, env=terraform_base_env(toolchain), capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(base64.b64decode(json.loads(result.stdout.strip())))


@pytest.mark.terraform
def test_terraform_reads_every_escaped_string_back_exactly(tmp_path: Path, terraform_toolchain: TerraformToolchain) -> None:
    values = corpus()
    (tmp_path / "main.tf").write_text(
        'variable "list" {\n  type = list(string)\n}\n\nvariable "map" {\n  type = map(string)\n}\n'
    )
    (tmp_path / "terraform.tfvars").write_text(
        f"list = {hcl_value(values)}\nmap = {hcl_value({value: value for value in values})}\n", encoding="utf-8"
    )
    # Terraform reads every string in Unicode NFC; otherwise exactly as written.
    assert terraform_reads(terraform_toolchain, tmp_path, "[var.list, var.map]") == [
        [nfc(value) for value in values], {nfc(value): nfc(value) for value in values}
    ]  # fmt: skip


@pytest.mark.terraform
def test_terraform_reads_the_accepted_hostile_tags_back_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], terraform_toolchain: TerraformToolchain
) -> None:
    keys = [value for value, _, _, as_key in HOSTILE if as_key == RENDER]
    values = [value for value, _, as_value, _ in HOSTILE if as_value == RENDER]
    tags = {key: values[index % len(values)] for index, key in enumerate(keys)}
    tags.update({f"Value{index}": value for index, value in enumerate(values)})
    code, err, _ = run(capsys, tmp_path, "yaml", "app", tags)
    assert code == 0, err
    project = tmp_path / "out" / "app"
    fmt = subprocess.run(
        [str(terraform_toolchain.binary), "fmt", "-check", "-recursive", "-no-color"],
        cwd=project, env=terraform_base_env(terraform_toolchain), capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr  # every file parses, and is fmt clean
    reader = tmp_path / "reader"
    reader.mkdir()
    (reader / "main.tf").write_text(
        'variable "name" {\n  type = string\n}\n\nvariable "tags" {\n  type = map(string)\n}\n'
    )
    tfvars = (project / "terraform.tfvars").read_text(encoding="utf-8")
    wanted = re.search(r"^name .*$", tfvars, re.MULTILINE)
    block = re.search(r"^tags = \{\n.*?^\}$", tfvars, re.MULTILINE | re.DOTALL)
    assert wanted and block
    (reader / "terraform.tfvars").write_text(f"{wanted.group()}\n{block.group()}\n", encoding="utf-8")
    assert terraform_reads(terraform_toolchain, reader, "[var.name, var.tags]") == [
        "app", {nfc(key): nfc(value) for key, value in tags.items()}
    ]  # fmt: skip
