"""The templates are cookiecutter templates: rendering them ourselves gives cookiecutter's bytes.

scaffold/templating.py renders the layers without importing cookiecutter (its imports
cost a run more than the rendering itself); cookiecutter's own generate_files is the
reference it must match, file for file, byte for byte, mode for mode.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cookiecutter.generate import generate_files

from scaffold import render, templating
from scaffold.answers import RawAnswer, build_answers

VARIANTS = {
    "private": {},
    "private-nat-per-az-ipv6": {
        "topology": "private-nat", "nat": "per-az", "azs": 3, "ipv6": True,
        "endpoints": "s3,dynamodb,sts", "flow_logs": True, "tags": "Team=a,Cost Center=42",
    },
    "private-nat-single-managed-node": {
        "topology": "private-nat", "iam": "managed", "runtime": "nodejs22.x", "state_bucket": "team-state",
    },
    "existing": {
        "topology": "existing", "vpc_id": "vpc-0abc1234def567890",
        "subnet_ids": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "route_table_ids": "rtb-01234567", "endpoints": "s3,sts", "security_group_ids": "sg-01234567",
    },
}  # fmt: skip


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_rendering_matches_cookiecutter_byte_for_byte(variant: str, tmp_path: Path) -> None:
    raw = {key: RawAnswer(value, key) for key, value in VARIANTS[variant].items()}
    answers = build_answers({**raw, "name": RawAnswer("demo", "name")})
    context = {"cookiecutter": render.template_context(answers)}
    ours = templating.render_layers(render.layers(answers), context, tmp_path / "ours")
    for layer in render.layers(answers):
        generate_files(
            repo_dir=str(layer), context=context, output_dir=str(tmp_path / "reference"),
            overwrite_if_exists=True, accept_hooks=False,
        )  # fmt: skip
    reference = tree(tmp_path / "reference" / "demo")
    assert reference, "cookiecutter rendered nothing"
    assert tree(ours) == reference


def test_templates_compile_once_and_a_broken_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    answers = build_answers({"name": RawAnswer("demo", "name")})
    context = {"cookiecutter": render.template_context(answers)}
    first = templating.render_layers(render.layers(answers), context, tmp_path / "first")
    cached = list((tmp_path / "cache" / "vpc-lambda-new").rglob("*.cache"))
    assert len(cached) >= len(tree(first)) - 1, "every template's bytecode is kept"
    for path in cached:  # a cache damaged behind our back must not break a run
        path.write_bytes(b"not bytecode")
    second = templating.render_layers(render.layers(answers), context, tmp_path / "second")
    assert tree(second) == tree(first)


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert templating.cache_folder() is None
    answers = build_answers({"name": RawAnswer("demo", "name")})
    project = templating.render_layers(render.layers(answers), {"cookiecutter": render.template_context(answers)}, tmp_path / "out")
    assert (project / "main.tf").is_file()
