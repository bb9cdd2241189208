"""hashicorp/aws 5.x and 6.x both: nothing removed or deprecated is used, the constraint admits both.

Two sources, neither of them ours: the provider 6.0 upgrade guide's removals and
deprecations for the types we declare (listed below, quoted), and the schema of
the provider installed here, which flags every argument it deprecates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Generate
from fixtures_terraform import PROVIDER, BindTerraform, TerraformToolchain
from hcl_reader import Block, load_project
from test_terraform import MATRIX

# website/docs/guides/version-6-upgrade.html.markdown and CHANGELOG 6.0.0 (June 18, 2025).
UPGRADE_GUIDE_6 = {
    ("data.aws_region", "name"): "deprecated in 6.0: use region",
    ("aws_eip", "vpc"): "removed in 6.0: use domain",
    ("aws_flow_log", "log_group_name"): "removed in 6.0: use log_destination",
    ("aws_iam_role", "inline_policy"): "deprecated: use aws_iam_role_policy",
    ("aws_iam_role", "managed_policy_arns"): "deprecated: use aws_iam_role_policy_attachment",
    ("data.aws_iam_policy_document", "override_json"): "deprecated: use override_policy_documents",
    ("data.aws_iam_policy_document", "source_json"): "deprecated: use source_policy_documents",
}


def keys_used(body: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Every argument and nested block a block sets, as dotted paths."""
    for key, value in body.items():
        yield prefix + key
        nested = value if isinstance(value, list) else [value]
        for item in nested:
            if isinstance(item, dict):
                yield from keys_used(item, f"{prefix}{key}.")


def address_type(block: Block) -> str:
    return f"data.{block.type}" if block.kind == "data" else block.type


def uses(project_dir: Path) -> list[tuple[str, str, str]]:
    """(type, attribute, where) for every argument set and every attribute referenced."""
    found = []
    project = load_project(project_dir)
    for module in project.modules:
        for block in module.blocks:
            if block.kind in ("resource", "data"):
                for key in keys_used(block.body):
                    found.append((address_type(block), key, f"{block.path.name}: {block.address}"))
    reference = re.compile(r"\b(data\.)?(aws_[a-z0-9_]+)\.[a-z0-9_]+(?:\[[^\]]*\])?\.([a-z0-9_]+)")
    for path in project_dir.rglob("*.tf"):
        for match in reference.finditer(path.read_text(encoding="utf-8")):
            kind = f"data.{match[2]}" if match[1] else match[2]
            found.append((kind, match[3], f"{path.name}: {match[0]}"))
    return found


@pytest.mark.parametrize("config", MATRIX)
def test_no_argument_the_6_0_upgrade_guide_removes_or_deprecates(config: str, generate: Generate) -> None:
    project_dir = generate(*MATRIX[config])
    broken = [
        f"{where}: {kind}.{attribute} ({UPGRADE_GUIDE_6[(kind, attribute)]})"
        for kind, attribute, where in uses(project_dir)
        if (kind, attribute) in UPGRADE_GUIDE_6
    ]
    assert not broken, "\n".join(broken)


def test_a_listed_removal_is_caught(generate: Generate) -> None:
    """The scan itself works: put back the 5.x way of naming the region, and it fails."""
    project_dir = generate("--endpoints", "s3,sts")
    endpoints = project_dir / "modules" / "network" / "endpoints.tf"
    text = endpoints.read_text(encoding="utf-8").replace("${var.region}", "${data.aws_region.current.name}", 1)
    endpoints.write_text('data "aws_region" "current" {}\n\n' + text, encoding="utf-8")
    assert ("data.aws_region", "name") in {(kind, attribute) for kind, attribute, _ in uses(project_dir)}


def deprecated_in_schema(block: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for name, attribute in block.get("attributes", {}).items():
        if attribute.get("deprecated"):
            yield prefix + name
    for name, nested in block.get("block_types", {}).items():
        if nested["block"].get("deprecated"):
            yield prefix + name
        yield from deprecated_in_schema(nested["block"], f"{prefix}{name}.")


@pytest.mark.terraform
@pytest.mark.parametrize(
    "flags",
    [
        ("--topology", "private-nat", "--nat", "per-az", "--azs", "3", "--endpoints", "s3,sts", "--flow-logs", "--ipv6"),
        ("--topology", "private", "--iam", "managed", "--runtime", "nodejs22.x"),
        ("--topology", "existing", "--vpc-id", "vpc-0abc1234def567890", "--subnet-ids",
         "subnet-0123456789abcdef0,subnet-0123456789abcdef1", "--route-table-ids", "rtb-01234567", "--endpoints", "s3,sts"),
    ],
    ids=["private-nat", "private-managed", "existing"],
)  # fmt: skip
def test_nothing_the_installed_provider_deprecates(
    flags: tuple[str, ...], generate: Generate, terraform: BindTerraform
) -> None:
    project_dir = generate(*flags)
    runner = terraform(project_dir)
    runner.init()
    schema = json.loads(runner.run("providers", "schema", "-json").stdout)
    aws = schema["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    deprecated = {
        (kind, attribute)
        for section, prefix in (("resource_schemas", ""), ("data_source_schemas", "data."))
        for type_name, entry in aws[section].items()
        for attribute in deprecated_in_schema(entry["block"])
        for kind in [prefix + type_name]
    }
    assert ("aws_eip", "vpc") in deprecated, "the schema scan finds the provider's own deprecations"
    broken = [f"{where}: {kind}.{attribute}" for kind, attribute, where in uses(project_dir) if (kind, attribute) in deprecated]
    assert not broken, "\n".join(broken)


def mirrored_provider_versions(toolchain: TerraformToolchain) -> list[tuple[int, ...]]:
    """The hashicorp/aws versions the suite plans and applies with (the local mirror)."""
    names = [path.name for path in (toolchain.mirror / PROVIDER).iterdir()]
    found = [re.fullmatch(r"(?:terraform-provider-aws_)?(\d+)\.(\d+)\.\d+(?:_.*\.zip)?", name) for name in names]
    return sorted((int(match[1]), int(match[2])) for match in found if match)


def test_the_constraint_starts_at_the_provider_the_suite_proves_and_admits_6(
    terraform_toolchain: TerraformToolchain,
) -> None:
    versions = (Path(__file__).resolve().parent.parent / "templates" / "shared" / "{{cookiecutter.name}}" / "versions.tf").read_text()
    constraint = re.search(r'\n\s+version\s*=\s*"([^"]+)"', versions)
    assert constraint is not None
    bounds = dict(re.findall(r"(>=|<)\s*([0-9.]+)", constraint[1]))
    low = tuple(int(part) for part in bounds[">="].split("."))
    high = tuple(int(part) for part in bounds["<"].split("."))
    # Older releases refuse what the project relies on: python3.13 and nodejs22.x (the
    # provider validates runtime against its SDK's list), replace_security_groups_on_destroy
    # (a no-op from 5.3 to mid-2024, PR 31904, re-implemented in PR 37624). The oldest
    # version admitted is the oldest one this suite plans and applies with.
    assert low == mirrored_provider_versions(terraform_toolchain)[0], constraint[1]
    assert high == (7, 0), constraint[1]
