"""What makes a generated project a repository a team can adopt as is.

The CI workflow, the pre-commit hooks and the Makefile are templates in the shared
layer; this module gives them the versions they pin and the everyday commands, so
the workflow, the Makefile's `make help` and the README's table agree.

Actions and hooks are pinned to full commit SHAs (a tag can be moved; a commit
cannot), each with the tag it was released as. Every SHA below was read from the
tag in the project's own repository: bump them together, with the tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffold.answers import Answers
from scaffold.deployer import partition_of


@dataclass(frozen=True)
class Pin:
    """An action or hook pinned to a commit."""

    repository: str  # owner/name on GitHub
    sha: str  # the full commit SHA the tag points at
    tag: str
    path: str = ""  # an action in a folder of the repository

    @property
    def uses(self) -> str:
        """A workflow step's `uses:` value with its version comment."""
        action = f"{self.repository}/{self.path}" if self.path else self.repository
        return f"{action}@{self.sha} # {self.tag}"


ACTIONS = {
    "checkout": Pin("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": Pin(
        "actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"
    ),
    "setup-node": Pin("actions/setup-node", "820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "upload-sarif": Pin(
        "github/codeql-action", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2", "upload-sarif"
    ),
    "setup-terraform": Pin(
        "hashicorp/setup-terraform", "dfe3c3f87815947d99a8997f908cb6525fc44e9e", "v4.0.1"
    ),
    "configure-aws-credentials": Pin(
        "aws-actions/configure-aws-credentials",
        "e6de054238d6b7531b4efff3b6587d9aade6a06c",
        "v6.2.3",
    ),
}
PRE_COMMIT_HOOKS = {
    "pre-commit-hooks": Pin(
        "pre-commit/pre-commit-hooks", "3e8a8703264a2f4a69428a0aa4dcb512790b2c8c", "v6.0.0"
    ),
    "pre-commit-terraform": Pin(
        "antonbabenko/pre-commit-terraform", "581213484f4262600d17c71e272176d4eb6724a5", "v1.109.0"
    ),
}
# The Terraform CI installs: the version vpc-lambda-new's own tests run the projects with.
CI_TERRAFORM_VERSION = "1.11.4"
# The checkov CI installs: the version scripts/checkov.sh proves the projects pass.
CHECKOV_VERSION = "3.3.30"
# The interpreter CI installs checkov with (checkov does not follow every new Python at once).
CHECKOV_PYTHON = "3.12"
# Terraform 1.11: the project's tests/guide.tftest.hcl supply mocked values at plan
# (override_during), and the S3 backend's use_lockfile is generally available.
REQUIRED_TERRAFORM = ">= 1.11.0"


def make_targets(answers: Answers) -> dict[str, str]:
    """The Makefile's targets, in `make help` order, with the line each gets in the README."""
    targets = {
        "test": "run the handler's unit tests, then the Terraform tests (offline, mocked AWS)",
        "package": "rebuild build/function.zip from src/ (the same bytes for the same code)"
        + (", and build/functions/NAME.zip from functions/NAME/src/" if answers.functions else ""),
        "fmt": "format every Terraform file",
        "validate": "check formatting and validate the configuration (offline, no credentials)",
        "plan": "rebuild the package, then show what apply would change in AWS",
        "apply": "rebuild the package, then create or update the resources (asks first)",
        "destroy": "delete every resource of this project (asks first; takes many minutes)",
    }
    if answers.topology != "existing":  # the emulator has none of your VPCs to look up
        targets["local"] = "apply, then destroy, in moto's AWS emulator (see Try it locally)"
    return targets


def ci_toolchain_version(runtime: str) -> str:
    """The setup-python or setup-node version of a Lambda runtime: 3.12, 22."""
    if runtime.startswith("python"):
        return runtime.removeprefix("python")
    return runtime.removeprefix("nodejs").removesuffix(".x")


def repository_context(answers: Answers) -> dict[str, Any]:
    """What the CI workflow, the pre-commit config and the Makefile need beyond the answers."""
    return {
        "actions": {key: pin.uses for key, pin in ACTIONS.items()},
        "pre_commit_hooks": {
            key: {"repo": f"https://github.com/{pin.repository}", "rev": pin.sha, "tag": pin.tag}
            for key, pin in PRE_COMMIT_HOOKS.items()
        },
        "ci_terraform_version": CI_TERRAFORM_VERSION,
        "ci_toolchain_version": ci_toolchain_version(answers.runtime),
        # Each language's, for a project whose added functions use another (the first
        # function of each language decides).
        "ci_toolchain_versions": {
            ("python" if runtime.startswith("python") else "node"): ci_toolchain_version(runtime)
            for runtime in reversed((answers.runtime, *(f.runtime for f in answers.functions)))
        },
        "checkov_version": CHECKOV_VERSION,
        "checkov_python": CHECKOV_PYTHON,
        "required_terraform": REQUIRED_TERRAFORM,
        "make_targets": make_targets(answers),
        "partition": partition_of(answers.region),
    }
