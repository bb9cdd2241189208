"""The policy files of a rendered project: the deployer's (`scaffold.deployer`), split in
with a policy of its own for each layer that needs one, and the roles' permissions boundary (`scaffold.boundary`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
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


# The rights of a layer's files, each in a policy of its own: with them, one managed
# policy's 6,144 characters would not hold it all. The NAT instances' (templates/nat-instance,
# files nat_instance*.tf), the connect targets' (templates/connect, files connect*.tf) and
# the cold starts' (templates/cold-start, files cold_start*.tf).
NAT_INSTANCE_POLICY_FILE = "deployer-policy-nat-instances.json"
CONNECT_POLICY_FILE = "deployer-policy-connect.json"
COLD_START_POLICY_FILE = "deployer-policy-cold-starts.json"  # (templates/cold-start, cold_start*.tf)
LAYER_POLICY_FILES = {
    "nat_instance": NAT_INSTANCE_POLICY_FILE,
    "connect": CONNECT_POLICY_FILE,
    "cold_start": COLD_START_POLICY_FILE,
}


def render_policies(
    project_dir: Path,
    name: str,
    region: str,
    vpc_id: str | None = None,
    private_dns: bool = False,
    secrets: Sequence[str] = (),
) -> dict[str, str]:
    """deployer-policy.json, the policies of the layers it has (LAYER_POLICY_FILES; the
    deployer holds them all), and permissions-boundary.json, for the rendered project."""
    files = configuration_files(project_dir)
    layered = {
        policy: [path for path in files if path.name.startswith(prefix)]
        for prefix, policy in LAYER_POLICY_FILES.items()
    }
    in_layers = {path for paths in layered.values() for path in paths}
    types = declared_types(files)
    partition = partition_of(region)
    base = declared_types([path for path in files if path not in in_layers])
    found = {
        "deployer-policy.json": deployer_policy(base, name, partition, vpc_id, private_dns),
        "permissions-boundary.json": permissions_boundary(types, name, partition, secrets, region),
    }
    for policy, paths in layered.items():
        if paths:
            found[policy] = deployer_policy(declared_types(paths), name, partition, vpc_id)
    return {file: json.dumps(document, indent=2) + "\n" for file, document in found.items()}
