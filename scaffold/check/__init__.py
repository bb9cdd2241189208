"""`vpc-lambda-new check`: the rules of the guide judged on a project's Terraform.

The layers, bottom up: `config` (the configuration read), `values` and `functions` (what
the evaluator computes with), `evaluator`, `graph` (dependencies), `model` (entities built
domain by domain), `rules` (one module per family), `command` (run_check, check_project,
judge_project, the report).
"""

from __future__ import annotations

from scaffold.check.command import check_project, checked_lines, judge_project, run_check

__all__ = ["check_project", "checked_lines", "judge_project", "run_check"]
