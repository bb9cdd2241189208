"""A function the evaluator does not implement is named as not judged, never passed silently."""

from __future__ import annotations

import pytest
from conftest import Generate

from scaffold.check import judge_project
from scaffold.cli import main


def test_an_unsupported_function_is_reported_as_not_judged(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate()
    main_tf = project / "modules" / "network" / "main.tf"
    text = main_tf.read_text()
    assert 'instance_tenancy = "default"' in text
    main_tf.write_text(
        text.replace('instance_tenancy = "default"', 'instance_tenancy = substr("defaults", 0, 7)')
    )
    capsys.readouterr()
    code = main(["check", str(project)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert "evaluator: not judged: the evaluator does not support the function substr" in lines
    assert any(line.startswith("tenancy: not judged: ") for line in lines)
    report = judge_project(project)
    assert "tenancy" not in report.judged
