"""Render validated answers into a Terraform project.

The project is rendered in layers (cookiecutter templates, one after another
into one folder): `shared` for what every project has, a handler layer for
the runtime's language, then the topology's network layers. Writing the
result into place (a new project, or an update of an existing one) is
scaffold/update.py's and scaffold/storage's.
"""

from __future__ import annotations

import runpy
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2.ext

from scaffold import __version__
from scaffold import answers as model
from scaffold.answers import Answers
from scaffold.answers.functions import aws_name, every_function
from scaffold.answers.targets import Target
from scaffold.baseline import baseline_of_folder, packages
from scaffold.checkov_skip import CHECKOV_SKIP
from scaffold.costs import estimate, unit_money
from scaffold.deployer import DECLARATION
from scaffold.egress import compare
from scaffold.hcl_literals import hcl_value
from scaffold.interfaces import interface_budget
from scaffold.policy_files import render_policies
from scaffold.project import ANSWERS_FILE, encode_record
from scaffold.repository import repository_context
from scaffold.templating import render_layers

# The network layers of each topology, applied in order after the shared and handler layers.
TOPOLOGY_LAYERS = {
    "private": ("vpc-new", "vpc-private"),
    "private-nat": ("vpc-new", "vpc-privatepublic"),
    "existing": ("vpc-existing",),
}
HANDLERS = {"python": "handler.handler", "node": "index.handler"}
# Where each added function's handler lives: functions/NAME/ (src/, tests/).
FUNCTIONS_FOLDER = "functions"
# Rendered after the topology's layers when NAT is instances (--nat instance, instance-per-az).
NAT_INSTANCE_LAYER = "nat-instance"
# The functions added to the first (add-function): their modules, variable and outputs.
FUNCTIONS_LAYER = "functions"
# What the function connects to (--connect), wired on both sides.
CONNECT_LAYER = "connect"
# A function with SnapStart or provisioned concurrency: the alias live and its settings.
COLD_START_LAYER = "cold-start"
# Rendered last, and only when the answers name a state bucket.
REMOTE_STATE_LAYER = "remote-state"
# bootstrap/, when the answers name the GitHub repository whose CI plans the project,
# with the state bucket when there is one.
BOOTSTRAP_LAYERS = ("bootstrap", "bootstrap-state")


def templates_root() -> Path:
    installed = Path(__file__).parent / "templates"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "templates"


def language_of(runtime: str) -> str:
    return "python" if runtime.startswith("python") else "node"


def all_targets(answers: Answers) -> tuple[Target, ...]:
    """The connect targets of every function: the first's, then each added one's."""
    return (*answers.connect, *(t for f in answers.functions for t in f.connect))


def cold_starts(answers: Answers) -> bool:
    """Whether a function of the project publishes versions (SnapStart, provisioned concurrency)."""
    return any(
        f.get("snapstart") or f.get("provisioned_concurrency")
        for f in every_function({**answers.to_record(), "functions": answers.functions})
    )


def layers(answers: Answers) -> list[Path]:
    root = templates_root()
    names = [
        "shared",
        f"handler-{language_of(answers.runtime)}",
        *TOPOLOGY_LAYERS[answers.topology],
        *([NAT_INSTANCE_LAYER] if answers.nat_instance_count else []),
        *([FUNCTIONS_LAYER] if answers.functions else []),
        *([CONNECT_LAYER] if all_targets(answers) else []),
        *([COLD_START_LAYER] if cold_starts(answers) else []),
        *([REMOTE_STATE_LAYER] if answers.state_bucket else []),
        *(BOOTSTRAP_LAYERS[: 2 if answers.state_bucket else 1] if answers.github_repository else []),
    ]
    return [root / name for name in names]


class HclExtension(jinja2.ext.Extension):
    """The `hcl` filter: every value reaches the Terraform through one escaping function;
    `unit_price`: a price as the cost lines of the CLI write it."""

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.filters["hcl"] = hcl_value
        environment.filters["unit_price"] = unit_money


def template_context(answers: Answers) -> dict[str, Any]:
    plan = answers.subnet_plan
    return {
        # Every answer is defined for the templates; one that does not apply is None.
        **{key: None for key in model.QUESTIONS_BY_KEY},
        **answers.to_record(),
        "language": language_of(answers.runtime),
        "nat_type": answers.nat_type,  # gateway or instance, with private-nat
        "handler": HANDLERS[language_of(answers.runtime)],
        "private_subnets": {subnet.key: str(subnet.cidr) for subnet in plan.private},
        "subnet_nodes": diagram_subnet_nodes(answers),
        "subnet_count": answers.azs or len(answers.subnet_ids or ()),
        "zones_are_ids": any(map(model.ZONE_ID_PATTERN.fullmatch, answers.zones or ())),
        "public_subnets": {subnet.key: str(subnet.cidr) for subnet in plan.public},
        "gateway_endpoints": list(answers.gateway_endpoints),
        "gateway_routes_adopted": list(answers.gateway_routes_adopted),
        "interface_endpoints": list(answers.interface_endpoints),
        # The connect layer is there for any function's targets; its lookups, for their kinds.
        "connect_layer": bool(all_targets(answers)),
        "connect_kinds": sorted({target.kind for target in all_targets(answers)}),
        "connect_targets": [
            {"text": t.text, "kind": t.kind, "value": t.value, "port": t.port}
            for t in answers.connect
        ],
        # How the function reaches an AWS service's API: its interface endpoint, NAT, what
        # the existing network has (judged at plan time), or nothing.
        "api_paths": {
            service: api_path(answers, service) for service in ("sts", "secretsmanager")
        },
        "execute_api_private_dns": bool(answers.execute_api_private_dns),
        "private_dns_endpoints": private_dns_endpoints(answers),
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
        "added_functions": [
            {
                **function.to_record(),
                "function_name": aws_name(answers.name, function.name),
                "language": language_of(function.runtime),
                "handler": HANDLERS[language_of(function.runtime)],
            }
            for function in answers.functions
        ],
        "cold_starts": cold_starts(answers),
        "languages": sorted(
            {language_of(runtime) for runtime in (answers.runtime, *(f.runtime for f in answers.functions))}
        ),
        "budget": interface_budget(answers),
        "mock_zones": mock_zones(answers),
        "version": __version__,
        "cost": estimate(answers),
        "egress": compare(answers),
        **repository_context(answers),
        "_extensions": [f"{__name__}.HclExtension"],
        "_jinja2_env_vars": {"trim_blocks": True, "lstrip_blocks": True},
    }


def api_path(answers: Answers, service: str) -> str:
    if service in answers.interface_endpoints:
        return "endpoint"
    return {"private-nat": "nat", "existing": "existing"}.get(answers.topology, "none")


def mock_zones(answers: Answers) -> dict[str, list[str]]:
    """Placeholder availability zones for the project's mocked `terraform test`: the zones
    the answers pin (names or AZ IDs) in order, then made-up ones, six at least."""
    pinned = list(answers.zones or ())
    count = max(6, answers.azs or 0, len(answers.subnet_ids or ()), len(pinned))
    letters = (chr(ord("a") + index) for index in range(26))
    numbers = iter(range(1, 27))
    names, ids = [], []
    for index in range(count):
        zone = pinned[index] if index < len(pinned) else None
        is_id = zone is not None and model.ZONE_ID_PATTERN.fullmatch(zone) is not None
        names.append(
            zone if zone and not is_id
            else next(f"{answers.region}{letter}" for letter in letters if f"{answers.region}{letter}" not in pinned)
        )
        ids.append(
            zone if zone and is_id
            else next(f"mock-az{number}" for number in numbers if f"mock-az{number}" not in pinned)
        )
    return {"names": names, "ids": ids}


def diagram_subnet_nodes(answers: Answers) -> dict[str, str]:
    """Mermaid node id -> label of each subnet the function attaches to."""
    if answers.subnet_ids:
        return {f"subnet{index + 1}": f"subnet {id}" for index, id in enumerate(answers.subnet_ids)}
    zones = dict(zip((s.key for s in answers.subnet_plan.private), answers.zones or ()))
    return {
        s.key: f"private subnet {s.key}<br/>{zones[s.key] + '<br/>' if s.key in zones else ''}{s.cidr}"
        for s in answers.subnet_plan.private
    }


def render_tree(answers: Answers, parent: Path) -> Path:
    """Render the complete project into parent/NAME; returns that folder."""
    context = template_context(answers)
    project = render_layers(layers(answers), {"cookiecutter": context}, parent)
    for function in answers.functions:
        # Each added function's handler and tests, in functions/NAME/: the handler layer
        # of its language, rendered as a project of its own name and moved there.
        own = {**context, "name": aws_name(answers.name, function.name), "runtime": function.runtime,
               "language": language_of(function.runtime), "snapstart": function.snapstart}  # fmt: skip
        scratch = Path(tempfile.mkdtemp(dir=parent))
        handler = templates_root() / f"handler-{language_of(function.runtime)}"
        rendered = render_layers([handler], {"cookiecutter": own}, scratch)
        (project / FUNCTIONS_FOLDER).mkdir(exist_ok=True)
        rendered.rename(project / FUNCTIONS_FOLDER / function.name)
    secrets = sorted({target.value for target in all_targets(answers) if target.kind == "secret"})
    for file_name, text in render_policies(
        project, answers.name, answers.region, answers.vpc_id, private_dns_endpoints(answers), secrets
    ).items():
        (project / file_name).write_text(text, encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(scan_exceptions_section(project))
    (project / ANSWERS_FILE).write_bytes(encode_record(answers))
    # The project's own packaging script builds the zip, so a rebuild by the user matches.
    build_script = runpy.run_path(str(project / "scripts" / "build_package.py"))
    build_script["build_package"](project)
    return project


_CHECKOV_SKIP = CHECKOV_SKIP


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


GENERATOR = f"vpc-lambda-new {__version__}"
BUILD_SCRIPT = "scripts/build_package.py"


# --- the generated project, rendered off to the side --------------------------------


@dataclass(frozen=True)
class Rendered:
    """A project rendered off to the side, before it is written."""

    folder: Path
    files: dict[str, bytes]  # every generated file but the derived ones and the metadata
    modes: dict[str, int]
    build: Callable[[Path], object]  # the rendered scripts/build_package.py: build_package
    packages: dict[str, str]  # each deployment zip -> the source folder it is built from
    derived: dict[str, str]  # each deployment zip as rendered -> its digest


def render_off_to_the_side(answers: Answers, scratch: Path) -> Rendered:

    folder = render_tree(answers, scratch)
    found = baseline_of_folder(folder, GENERATOR, "render")
    modes = {path: stat.S_IMODE((folder / path).stat().st_mode) for path in found.files}
    script = runpy.run_path(str(folder / BUILD_SCRIPT))
    zips = packages(function.name for function in answers.functions)
    return Rendered(folder, dict(found.files), modes, script["build_package"], zips, dict(found.derived))


def build_zip(rendered: Rendered, package: str, sources: Mapping[str, bytes], scratch: Path) -> bytes:
    """What the rendered build script makes of these files of the package's source folder
    (paths relative to it)."""
    project = Path(tempfile.mkdtemp(dir=scratch))
    source = project / rendered.packages[package]
    for relative, data in sources.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_bytes(data)
    source.mkdir(parents=True, exist_ok=True)
    (project / "src").mkdir(exist_ok=True)
    rendered.build(project)
    return (project / package).read_bytes()


def private_dns_endpoints(answers: Answers) -> bool:
    """Whether an interface endpoint has private DNS on (all do but execute-api, by choice)."""
    return any(
        service != "execute-api" or bool(answers.execute_api_private_dns)
        for service in answers.interface_endpoints
    )
