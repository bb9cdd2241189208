"""`vpc-lambda-new bootstrap`: add bootstrap/ to a generated project.

bootstrap/ is a root module of its own (templates/bootstrap, rendered when the answers
name a GitHub repository): what the project needs in AWS before CI's first plan,
applied once by an administrator. This records the repository as an answer and updates
the project through `update` (the same merge, journal and lock), then says what to do.
"""

from __future__ import annotations

import os

from scaffold.answers import RawAnswer, parse_github_repository
from scaffold.answers_file import expand_path
from scaffold.console import EXIT_OK, say
from scaffold.errors import ScaffoldError, quoted
from scaffold.project import read_record
from scaffold.update import run_update

FLAG = "--github-repository"


def run_bootstrap(
    project: str | os.PathLike[str], repository: str | None, *, dry_run: bool = False
) -> int:
    """Update the project with bootstrap/ for `repository` (or the one it records)."""
    project_dir = expand_path(os.fspath(project))
    if repository is None:
        recorded = read_record(project_dir).answers.get("github_repository")
        if recorded is None or not parse_github_repository(recorded.value):
            raise ScaffoldError(
                f"{FLAG}: name the GitHub repository (OWNER/REPO) whose CI plans"
                f" {quoted(project_dir)}; its CI roles trust its pull requests and main branch"
            )
        answers = {}
    elif not repository.strip():
        raise ScaffoldError(
            f"{FLAG}: empty; to remove bootstrap/, destroy it first (README.md: CI from an"
            " empty account), then `vpc-lambda-new update --github-repository ''`"
        )
    else:
        answers = {"github_repository": RawAnswer(repository, FLAG)}
    code = run_update(project_dir, answers, dry_run=dry_run)
    if code == EXIT_OK and not dry_run:
        say(
            f"Next: cd {quoted(project_dir / 'bootstrap')} && terraform init && terraform apply"
            " (as an administrator, once, and again after each change to bootstrap/); then set"
            " the repository variable AWS_ROLE_ARN to its output plan_role_arn, and"
            " permissions_boundary_arn in terraform.tfvars to its output permissions_boundary_arn"
            " (README.md: CI from an empty account)"
        )
    return code
