"""Render validated answers into a Terraform project, all or nothing.

The project is rendered in layers (cookiecutter templates, one after another
into one staging folder): `shared` for what every project has, a handler layer
for the runtime's language, then the topology's network layers. The staging
folder sits beside the target, so the finished project is moved into place
with a rename, and nothing half-written is ever left behind.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2.ext

from scaffold import __version__
from scaffold import answers as model
from scaffold.answers import Answers
from scaffold.costs import estimate
from scaffold.deployer import DECLARATION, render_policies
from scaffold.errors import ScaffoldError
from scaffold.hcl_text import hcl_value
from scaffold.network import plan_subnets
from scaffold.project import ANSWERS_FILE
from scaffold.repository import repository_context
from scaffold.templating import render_layers

# The network layers of each topology, applied in order after the shared and handler layers.
TOPOLOGY_LAYERS = {
    "private": ("vpc-new", "vpc-private"),
    "private-nat": ("vpc-new", "vpc-privatepublic"),
    "existing": ("vpc-existing",),
}
HANDLERS = {"python": "handler.handler", "node": "index.handler"}
# Rendered last, and only when the answers name a state bucket.
REMOTE_STATE_LAYER = "remote-state"


def templates_root() -> Path:
    installed = Path(__file__).parent / "templates"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "templates"


def language_of(runtime: str) -> str:
    return "python" if runtime.startswith("python") else "node"


def layers(answers: Answers) -> list[Path]:
    root = templates_root()
    names = [
        "shared",
        f"handler-{language_of(answers.runtime)}",
        *TOPOLOGY_LAYERS[answers.topology],
        *([REMOTE_STATE_LAYER] if answers.state_bucket else []),
    ]
    return [root / name for name in names]


class HclExtension(jinja2.ext.Extension):
    """The `hcl` filter: every value reaches the Terraform through one escaping function."""

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.filters["hcl"] = hcl_value


def template_context(answers: Answers) -> dict[str, Any]:
    plan = plan_subnets(answers)
    return {
        # Every answer is defined for the templates; one that does not apply is None.
        **{key: None for key in model.QUESTIONS_BY_KEY},
        **answers.to_record(),
        "language": language_of(answers.runtime),
        # What Lambda needs to create and release its interfaces; ordered around in every module.
        "network_interface_grant": (
            "aws_iam_role_policy.network_interfaces"
            if answers.iam == "inline"
            else "aws_iam_role_policy_attachment.vpc_access"
        ),
        "handler": HANDLERS[language_of(answers.runtime)],
        "private_subnets": {subnet.key: str(subnet.cidr) for subnet in plan.private},
        "subnet_nodes": diagram_subnet_nodes(answers),
        "subnet_count": answers.azs or len(answers.subnet_ids or ()),
        "public_subnets": {subnet.key: str(subnet.cidr) for subnet in plan.public},
        "gateway_endpoints": list(answers.gateway_endpoints),
        "interface_endpoints": list(answers.interface_endpoints),
        "runtimes": list(model.RUNTIMES),
        "architectures": list(model.ARCHITECTURES),
        "known_gateway_endpoints": list(model.GATEWAY_ENDPOINTS),
        "known_interface_endpoints": list(model.INTERFACE_ENDPOINTS),
        "memory_range": list(model.MEMORY_RANGE),
        "timeout_range": list(model.TIMEOUT_RANGE),
        "name_pattern": f"^{model.NAME_PATTERN.pattern}$",
        "id_patterns": {
            prefix: f"^{pattern.pattern}$" for prefix, pattern in model.ID_PATTERNS.items()
        },
        "version": __version__,
        "cost": estimate(answers),
        **repository_context(answers),
        "_extensions": [f"{__name__}.HclExtension"],
        "_jinja2_env_vars": {"trim_blocks": True, "lstrip_blocks": True},
    }


def diagram_subnet_nodes(answers: Answers) -> dict[str, str]:
    """Mermaid node id -> label of each subnet the function attaches to."""
    if answers.subnet_ids:
        return {f"subnet{index + 1}": f"subnet {id}" for index, id in enumerate(answers.subnet_ids)}
    return {s.key: f"private subnet {s.key}<br/>{s.cidr}" for s in plan_subnets(answers).private}


def render_tree(answers: Answers, parent: Path) -> Path:
    """Render the complete project into parent/NAME; returns that folder."""
    project = render_layers(layers(answers), {"cookiecutter": template_context(answers)}, parent)
    for file_name, text in render_policies(project, answers.name, answers.region).items():
        (project / file_name).write_text(text, encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(scan_exceptions_section(project))
    record = {"_generator": f"vpc-lambda-new {__version__}", **answers.to_record()}
    (project / ANSWERS_FILE).write_text(
        json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    # The project's own packaging script builds the zip, so a rebuild by the user matches.
    build_script = runpy.run_path(str(project / "scripts" / "build_package.py"))
    build_script["build_package"](project)
    return project


_CHECKOV_SKIP = re.compile(r"# checkov:skip=(?P<check>\w+): (?P<reason>.+)")


def scan_exceptions_section(project: Path) -> str:
    """A README section listing every checkov skip in the project's Terraform, with its reason."""
    rows = []
    for path in sorted(project.rglob("*.tf")):
        text = path.read_text(encoding="utf-8")
        for skip in _CHECKOV_SKIP.finditer(text):
            blocks = list(DECLARATION.finditer(text, 0, skip.start()))
            where = f"{blocks[-1]['type']}.{blocks[-1]['name']}" if blocks else "?"
            rows.append(
                f"| `{path.relative_to(project).as_posix()}` | `{where}` | {skip['check']} | {skip['reason']} |"
            )
    lines = [
        "",
        "## Security scan exceptions",
        "",
        "The Terraform passes [checkov](https://www.checkov.io/) with no failed check. Each check",
        "it skips is skipped at the resource, with the reason:",
        "",
        "| file | resource | check | why |",
        "|---|---|---|---|",
        *rows,
    ]
    return "\n".join(lines) + "\n"


def relative_files(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
    )


@dataclass(frozen=True)
class RenderResult:
    project_dir: Path
    files: list[str]
    written: bool


def render_project(answers: Answers, *, force: bool = False, dry_run: bool = False) -> RenderResult:
    """Check the target, render into staging beside it, and move the result into place."""
    target = answers.project_dir
    try:
        existing_user_folder = check_target(answers.output_dir, target, force=force)
    except OSError as problem:  # e.g. a path longer than the system allows
        raise ScaffoldError(f"--output-dir: {problem.strerror or problem}") from None
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="vpc-lambda-new-") as scratch:
            files = relative_files(render_tree(answers, Path(scratch)))
        return RenderResult(target, files, written=False)
    with staging_folder(nearest_existing(answers.output_dir)) as staging:
        staged = render_tree(answers, staging)
        files = relative_files(staged)
        with created_folders(target.parent):
            if existing_user_folder:
                replace_generated_files(staged, target, files, backup=staging / "replaced")
            else:
                # An empty target folder (checked above) is replaced by the rename itself
                # (POSIX), so a failed move leaves it where it was.
                os.rename(staged, target)
    return RenderResult(target, files, written=True)


@contextmanager
def created_folders(folder: Path) -> Iterator[None]:
    """Create folder and its missing parents; remove them again if the block fails."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for path in missing:  # deepest first; a folder something else wrote into stays
            with suppress(OSError):
                path.rmdir()
        raise


def check_target(output_dir: Path, target: Path, *, force: bool) -> bool:
    """Raise for a target we must not write; True when it is a non-empty folder (--force)."""
    if output_dir.exists() and not output_dir.is_dir():
        raise ScaffoldError(f"--output-dir: {output_dir} exists and is not a folder")
    if (target.exists() or target.is_symlink()) and not target.is_dir():
        raise ScaffoldError(f"--name: {target} exists and is not a folder")
    anchor = nearest_existing(output_dir)
    if not anchor.is_dir() or not os.access(anchor, os.W_OK | os.X_OK):
        raise ScaffoldError(f"--output-dir: {anchor} is not a writable folder")
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise ScaffoldError(f"--output-dir: {target} is not writable")
    non_empty = target.is_dir() and any(target.iterdir())
    if non_empty and not force:
        raise ScaffoldError(
            f"--output-dir: {target} already exists and is not empty;"
            " pass --force to replace the generated files in it (other files are kept)"
        )
    return non_empty


def nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


@contextmanager
def staging_folder(parent: Path) -> Iterator[Path]:
    try:
        staging = Path(tempfile.mkdtemp(prefix=".vpc-lambda-new-", dir=parent))
    except OSError as problem:  # os.access can say yes to root on a read-only mount
        raise ScaffoldError(f"--output-dir: cannot write in {parent}: {problem.strerror}") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_generated_files(staged: Path, target: Path, files: list[str], *, backup: Path) -> None:
    """--force into an existing folder: replace what we generate, keep everything else.

    Each file it replaces is first moved into `backup`; if anything fails half-way,
    every file is put back, so the folder is either fully updated or untouched.
    """
    for relative in files:
        destination = target / relative
        if destination.is_dir():
            raise ScaffoldError(f"--force: {destination} is a folder where a file is generated")
        # Checked before anything moves, so a clash never leaves the folder half-replaced.
        for folder in list(Path(relative).parents)[:-1]:
            if (target / folder).exists() and not (target / folder).is_dir():
                raise ScaffoldError(
                    f"--force: {target / folder} is a file where a folder is generated"
                )
    made: list[Path] = []  # folders created here, parents first
    done: list[tuple[Path, Path | None]] = []  # (destination, its backup, or None if it is new)
    try:
        for relative in files:
            destination = target / relative
            for folder in reversed(Path(relative).parents[:-1]):
                if not (target / folder).exists():
                    (target / folder).mkdir()
                    made.append(target / folder)
            saved = None
            if destination.exists():
                saved = backup / relative
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(destination, saved)
            done.append((destination, saved))
            os.replace(staged / relative, destination)
    except BaseException:
        for destination, saved in reversed(done):
            if saved is not None:
                os.replace(saved, destination)
            else:
                destination.unlink(missing_ok=True)
        for folder in reversed(made):
            with suppress(OSError):
                folder.rmdir()
        raise
