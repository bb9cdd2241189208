"""The commands as a library: keyword arguments and plain answers, as copier's run_copy
and run_update are called; the same results as the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.check import run_check
from scaffold.errors import ScaffoldError
from scaffold.generate import run_generate
from scaffold.project import ANSWERS_FILE
from scaffold.update import run_update


def test_generate_update_and_check_are_callable_with_keyword_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_generate({"name": "lib", "memory": 512, "output_dir": str(tmp_path)}) == 0
    project = tmp_path / "lib"
    assert json.loads((project / ANSWERS_FILE).read_text())["memory"] == 512
    assert run_update(project, {"memory": "1024"}, dry_run=True) == 0
    assert json.loads((project / ANSWERS_FILE).read_text())["memory"] == 512
    assert run_update(project, {"memory": "1024"}) == 0
    assert json.loads((project / ANSWERS_FILE).read_text())["memory"] == 1024
    assert run_check(project) == 0
    assert "0 of" in capsys.readouterr().out
    # Bad input is the command line's error, raised for the caller to handle.
    with pytest.raises(ScaffoldError, match=r"^memory: "):
        run_generate({"memory": 5, "output_dir": str(tmp_path)})
