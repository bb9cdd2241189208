"""Terraform as the deployer: an IAM user holding exactly a project's deployer policy.

(Loaded by conftest.py.) The emulator authorizes requests signed with keys it
issued to an IAM user against that user's policies (scaffold/emulator),
while the fixtures' dummy keys stay unrestricted for setting up and reading
back. So a test binds Terraform to a deployer's keys, and a call the generated
`deployer-policy.json` does not allow fails the apply or destroy naming the
action (`fixtures_terraform.DeniedByPolicy`).

What that proves, and what it does not: moto checks EC2, Logs... calls against
the resource "*" and ignores conditions; Lambda's, the fidelity layer checks
against the function's ARN, qualified by a version or alias where the call
carries one (scaffold/emulator/principals.py). The deployer therefore gets its
policy with every Resource widened to "*" but in the statements of Lambda actions
alone (conditions kept, and ignored): a passing apply and destroy prove that every
*action* Terraform needs, and each documented implied action, is granted, and
that Lambda's resources admit the calls; not the other ARNs or conditions.
tests/test_deployer_policy.py checks those against AWS's own data instead.

- `deployer`: deployer(project) -> Deployer (the user's keys; with
  `permissions-boundary.json` in the project, that file becomes a
  customer-managed policy and the deployer passes its ARN as
  `permissions_boundary_arn`).
- `as_deployer(runner, deployer, **variables)`: the Terraform runner bound to
  the deployer's keys, with Terraform variables set for every command.
- `create_managed_policy`, `create_log_kms_key`: admin helpers.
- `bootstrapped(admin, project)`: the project's bootstrap/ applied by an administrator
  (the deployer policy widened first, as above), and the deploy role's credentials, got
  as a GitHub token of the main branch gets them; destroyed afterwards.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError
from fixtures_terraform import AwsEmulator, Terraform, project_answers

DEPLOYER_POLICY_FILE = "deployer-policy.json"
# With NAT instances or connect targets, their part of the deployer's rights is a policy
# of its own.
NAT_INSTANCE_POLICY_FILE = "deployer-policy-nat-instances.json"
CONNECT_POLICY_FILE = "deployer-policy-connect.json"
COLD_START_POLICY_FILE = "deployer-policy-cold-starts.json"


def deployer_policy_files(project: Path) -> list[Path]:
    """The project's deployer policies: deployer-policy.json, and its layers' ones."""
    return [project / DEPLOYER_POLICY_FILE] + [
        path
        for path in [project / NAT_INSTANCE_POLICY_FILE, project / CONNECT_POLICY_FILE, project / COLD_START_POLICY_FILE]
        if path.is_file()
    ]
BOUNDARY_POLICY_FILE = "permissions-boundary.json"
BOUNDARY_VARIABLE = "permissions_boundary_arn"
_users = itertools.count(1)


@dataclass(frozen=True)
class Deployer:
    user_name: str
    access_key_id: str
    secret_access_key: str
    policy_arn: str
    boundary_arn: str | None  # the project's permissions boundary, when it ships one
    session_token: str | None = None  # an assumed role's

    @property
    def credentials(self) -> dict[str, str]:
        keys = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        return keys | ({"AWS_SESSION_TOKEN": self.session_token} if self.session_token else {})


def widened(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The policy with every statement's Resource set to "*" but those of Lambda actions
    alone, which the emulator judges by ARN (see the module docstring)."""
    statements = policy["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    wide = []
    for statement in statements:
        if "NotResource" in statement:
            raise ValueError(
                f"statement {statement.get('Sid')!r} uses NotResource, which cannot be widened"
            )
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if actions and all(str(action).startswith("lambda:") for action in actions):
            wide.append(dict(statement))
            continue
        wide.append({**statement, "Resource": "*"})
    return {**policy, "Statement": wide}


def iam_document(value: Any) -> Any:
    """A policy document as IAM's API returns it (URL-encoded JSON, or parsed by boto3), parsed."""
    return json.loads(unquote(value)) if isinstance(value, str) else value


def managed_policy_document(iam: Any, arn: str) -> Any:
    """The default version's document of a managed policy."""
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam_document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def create_managed_policy(emulator: AwsEmulator, name: str, document: Mapping[str, Any]) -> str:
    """Creates a customer-managed policy as admin; returns its ARN."""
    iam = emulator.client("iam", "us-east-1")
    created = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
    return str(created["Policy"]["Arn"])


def boundary_policy(emulator: AwsEmulator, name: str, document: Mapping[str, Any]) -> str:
    """The project's boundary as the policy NAME-boundary, as an administrator creates it
    once per account (a second project of the same name, another region, shares it), and
    updates it when an update of the project changes it."""
    iam = emulator.client("iam", "us-east-1")
    try:
        return create_managed_policy(emulator, name, document)
    except ClientError as problem:
        if problem.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        account = emulator.client("sts", "us-east-1").get_caller_identity()["Account"]
        arn = f"arn:aws:iam::{account}:policy/{name}"
        if managed_policy_document(iam, arn) != document:
            # The project changed what its roles may do (an update): the administrator
            # updates the boundary, as the README asks, to a new default version.
            versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            if len(versions) >= 5:  # IAM keeps five
                oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
                iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
        return arn


def create_log_kms_key(emulator: AwsEmulator, region: str) -> str:
    """A customer-managed KMS key whose key policy lets CloudWatch Logs use it, as the
    generated README asks; returns its ARN (the emulator does not evaluate key policies)."""
    account = emulator.client("sts", region).get_caller_identity()["Account"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdmin",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
            },
        ],
    }  # fmt: skip
    key = emulator.client("kms", region).create_key(
        Description="log group key for a test", Policy=json.dumps(policy)
    )
    return str(key["KeyMetadata"]["Arn"])


def create_deployer(
    emulator: AwsEmulator, project: Path, also: Sequence[Mapping[str, Any]] = ()
) -> Deployer:
    """A new IAM user holding the project's deployer policies, and `also` (the policies of
    the project before an update: an apply that changes a layout needs both)."""
    iam = emulator.client("iam", "us-east-1")
    user = f"deployer-{project.name}"[:56] + f"-{next(_users)}"
    iam.create_user(UserName=user)
    arns = []
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in deployer_policy_files(project)]
    for number, document in enumerate([*documents, *also]):
        arns.append(create_managed_policy(emulator, f"{user}-policy{number or ''}", widened(document)))
        iam.attach_user_policy(UserName=user, PolicyArn=arns[-1])
    policy_arn = arns[0]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    boundary_arn = None
    boundary_file = project / BOUNDARY_POLICY_FILE
    if boundary_file.exists():
        boundary = json.loads(boundary_file.read_text(encoding="utf-8"))
        # The name the project's README and deployer-policy.json give it.
        recorded = (project / ".vpc-lambda-new.json").is_file()
        name = project_answers(project).name if recorded else project.name
        boundary_arn = boundary_policy(emulator, f"{name}-boundary", boundary)
    return Deployer(user, key["AccessKeyId"], key["SecretAccessKey"], policy_arn, boundary_arn)


MakeDeployer = Callable[..., Deployer]


@pytest.fixture
def deployer(aws_emulator: AwsEmulator) -> MakeDeployer:
    """deployer(project, also=()) -> a new IAM user holding that project's deployer
    policies (and the documents `also`)."""

    def make(project: Path, also: Sequence[Mapping[str, Any]] = ()) -> Deployer:
        return create_deployer(aws_emulator, project, also)

    return make


def as_deployer(runner: Terraform, deployer: Deployer, **variables: object) -> Terraform:
    """`runner` with the deployer's keys instead of the dummy admin ones.

    Terraform variables go in as TF_VAR_*, so that apply, re-apply and destroy
    all see them; the permissions boundary's ARN is one of them when the project
    ships a boundary (TF_VAR_ of a variable a project does not declare is ignored).
    """
    env = {**runner.extra_env, **deployer.credentials}
    if deployer.boundary_arn is not None:
        variables = {BOUNDARY_VARIABLE: deployer.boundary_arn, **variables}
    for name, value in variables.items():
        env[f"TF_VAR_{name}"] = value if isinstance(value, str) else json.dumps(value)
    return dataclasses.replace(runner, extra_env=env)


# The `sub` of the tokens GitHub Actions signs for a repository's pull requests and for
# its main branch: the plan role trusts the first, the deploy role the second.
def github_subjects(repository: str) -> dict[str, str]:
    return {"plan": f"repo:{repository}:pull_request", "deploy": f"repo:{repository}:ref:refs/heads/main"}


@contextmanager
def bootstrapped(admin: Terraform, project: Path) -> Iterator[Deployer]:
    """bootstrap/ applied with the admin keys, then the deploy role's credentials, from
    AssumeRoleWithWebIdentity as a job on the main branch gets them (the emulator does not
    verify the token; the roles' trust policies are read back instead: `ci_role_problems`)."""
    assert admin.emulator is not None
    originals = {path: path.read_text(encoding="utf-8") for path in deployer_policy_files(project)}
    for path, original in originals.items():
        path.write_text(json.dumps(widened(json.loads(original)), indent=2), encoding="utf-8")
    bootstrap = dataclasses.replace(admin, project=project / "bootstrap")
    bootstrap.init()
    try:
        bootstrap.apply()
        outputs = bootstrap.outputs()
        sts = admin.emulator.client("sts", admin.region)
        assumed = sts.assume_role_with_web_identity(
            RoleArn=outputs["deploy_role_arn"], RoleSessionName="ci", WebIdentityToken="a-github-oidc-token"
        )["Credentials"]
        iam = admin.emulator.client("iam", "us-east-1")
        role = outputs["deploy_role_arn"].rsplit("/", 1)[1]
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        assert len(attached) == len(originals), attached
        yield Deployer(
            role,
            assumed["AccessKeyId"],
            assumed["SecretAccessKey"],
            attached[0]["PolicyArn"],
            outputs["permissions_boundary_arn"],
            assumed["SessionToken"],
        )
    finally:
        try:
            bootstrap.destroy()
        finally:
            for path, original in originals.items():
                path.write_text(original, encoding="utf-8")


def ci_role_problems(emulator: AwsEmulator, project: Path, name: str, region: str, repository: str) -> list[str]:
    """How the roles bootstrap/ created differ from what they should be: each trusted by
    GitHub's OIDC provider for one subject of this repository only (pull requests: plan;
    main: deploy), the plan role holding ReadOnlyAccess, the deploy role the project's
    deployer policy."""
    iam = emulator.client("iam", "us-east-1")
    problems = []
    for kind, subject in github_subjects(repository).items():
        role_name = f"{name}-{kind}-{region}"
        trust = iam_document(iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"])
        (statement,) = trust["Statement"]
        if statement.get("Action") not in ("sts:AssumeRoleWithWebIdentity", ["sts:AssumeRoleWithWebIdentity"]):
            problems.append(f"{role_name} is assumed by {statement.get('Action')}, not with a web identity")
        federated = statement.get("Principal", {}).get("Federated", "")
        if not str(federated).endswith(":oidc-provider/token.actions.githubusercontent.com"):
            problems.append(f"{role_name} trusts {statement.get('Principal')}, not GitHub's OIDC provider")
        conditions = statement.get("Condition", {})
        equals = conditions.get("StringEquals", {})
        if equals.get("token.actions.githubusercontent.com:aud") not in ("sts.amazonaws.com", ["sts.amazonaws.com"]):
            problems.append(f"{role_name}: the token's audience is not pinned to sts.amazonaws.com: {equals}")
        subjects = equals.get("token.actions.githubusercontent.com:sub")
        if subjects not in (subject, [subject]) or set(conditions) != {"StringEquals"}:
            problems.append(f"{role_name} trusts the subjects {conditions}, not {subject} only")
        attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
        if kind == "plan":
            arns = [policy["PolicyArn"] for policy in attached]
            if len(arns) != 1 or not arns[0].endswith(":iam::aws:policy/ReadOnlyAccess"):
                problems.append(f"{role_name} holds {arns}, not ReadOnlyAccess")
            continue
        held = sorted(json.dumps(managed_policy_document(iam, policy["PolicyArn"]), sort_keys=True) for policy in attached)
        wanted = sorted(
            json.dumps(json.loads(path.read_text(encoding="utf-8")), sort_keys=True)
            for path in deployer_policy_files(project)
        )
        if held != wanted:
            problems.append(f"{role_name}'s policies are not the project's deployer policies")
    return problems
