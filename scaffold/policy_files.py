"""The policy files of a rendered project: the deployer's (`scaffold.deployer`), split in
two with NAT instances, and the roles' permissions boundary (`scaffold.boundary`)."""

from __future__ import annotations

import json
from pathlib import Path

from scaffold.boundary import permissions_boundary
from scaffold.deployer import declared_types, deployer_policy, partition_of

# Folders of a project that are not its configuration: bootstrap/ is a root module of its
# own that an administrator applies (with more than this policy), the others are copies.
NOT_THE_CONFIGURATION = frozenset({"bootstrap", ".terraform", ".local-try"})


def configuration_files(project_dir: Path) -> list[Path]:
    """The .tf files of the project's configuration: the root module and its modules."""
    return [
        path
        for path in sorted(project_dir.rglob("*.tf"))
        if not NOT_THE_CONFIGURATION & set(path.relative_to(project_dir).parts[:-1])
    ]


# The NAT instances' rights (templates/nat-instance, files nat_instance*.tf), in a policy
# of their own: with them, one managed policy's 6,144 characters would not hold it all.
NAT_INSTANCE_POLICY_FILE = "deployer-policy-nat-instances.json"
NAT_INSTANCE_FILES = "nat_instance"


def render_policies(
    project_dir: Path, name: str, region: str, vpc_id: str | None = None, private_dns: bool = False
) -> dict[str, str]:
    """deployer-policy.json, with NAT instances deployer-policy-nat-instances.json too (the
    deployer holds both), and permissions-boundary.json, for the rendered project."""
    files = configuration_files(project_dir)
    nat_files = [path for path in files if path.name.startswith(NAT_INSTANCE_FILES)]
    types = declared_types(files)
    partition = partition_of(region)
    base = declared_types([path for path in files if path not in nat_files])
    found = {
        "deployer-policy.json": deployer_policy(base, name, partition, vpc_id, private_dns),
        "permissions-boundary.json": permissions_boundary(types, name, partition),
    }
    if nat_files:
        nat = declared_types(nat_files)
        found[NAT_INSTANCE_POLICY_FILE] = deployer_policy(nat, name, partition, vpc_id)
    return {file: json.dumps(document, indent=2) + "\n" for file, document in found.items()}
