"""bootstrap/: `vpc-lambda-new bootstrap`, and the module it adds, applied in the emulator.

The project applied as the CI role bootstrap/ creates is test_apply's `nat-single-ci-role`
scenario (fixtures_deployer.bootstrapped). Here: the command's contract, and a bootstrap
with the state bucket, in an account that has GitHub's OIDC provider already.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from conftest import Generate
from fixtures_deployer import github_subjects, iam_document
from fixtures_terraform import AwsEmulator, BindTerraform
from hcl_reader import parsed_text
from tree_state import tree_state

from scaffold.cli import main

REPOSITORY = "octo-org/payments-api"
GITHUB_OIDC = "token.actions.githubusercontent.com"


def bootstrap_files(project: Path) -> list[str]:
    return sorted(path.name for path in (project / "bootstrap").iterdir())


def test_bootstrap_adds_the_module_to_a_project_and_keeps_every_edit(
    generate: Generate, capsys: pytest.CaptureFixture[str]
) -> None:
    project = generate(name="svc")
    handler = project / "src" / "handler.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    (project / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert not (project / "bootstrap").exists()
    capsys.readouterr()

    assert main(["bootstrap", str(project), "--github-repository", REPOSITORY]) == 0
    out = capsys.readouterr().out
    assert "added     bootstrap/main.tf" in out and "plan_role_arn" in out and "AWS_ROLE_ARN" in out
    assert bootstrap_files(project) == [
        "main.tf", "outputs.tf", "providers.tf", "terraform.tfvars", "variables.tf", "versions.tf",
    ]  # fmt: skip
    assert handler.read_text(encoding="utf-8").endswith("\n# mine\n")
    assert (project / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    tfvars = parsed_text((project / "bootstrap" / "terraform.tfvars").read_text(encoding="utf-8"))
    assert tfvars["github_repository"] == REPOSITORY and tfvars["name"] == "svc"
    record = json.loads((project / ".vpc-lambda-new.json").read_text(encoding="utf-8"))
    assert record["github_repository"] == REPOSITORY
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "### CI from an empty account" in readme
    assert all(f"`{subject}`" in readme for subject in github_subjects(REPOSITORY).values())
    # The deployer policy is the project's alone: bootstrap/ is an administrator's.
    assert "iam:CreateOpenIDConnectProvider" not in (project / "deployer-policy.json").read_text(encoding="utf-8")

    # Again, with the recorded repository: nothing to change.
    assert main(["bootstrap", str(project)]) == 0
    assert "is up to date" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ((), "--github-repository: name the GitHub repository (OWNER/REPO)"),
        (("--github-repository", ""), "--github-repository: empty; to remove bootstrap/, destroy it first"),
        (("--github-repository", "octo/api.git"), "--github-repository: 'octo/api.git' is not a GitHub repository"),
        (("--github-repository", "payments-api"), "--github-repository: 'payments-api' is not a GitHub repository"),
        (("--github-repository", "octo/api", "--dry-run"), None),
    ],
)  # fmt: skip
def test_bootstrap_without_a_repository_or_with_a_bad_one_changes_nothing(
    generate: Generate, capsys: pytest.CaptureFixture[str], arguments: tuple[str, ...], says: str | None
) -> None:
    project = generate(name="svc")
    before = tree_state(project)
    capsys.readouterr()
    code = main(["bootstrap", str(project), *arguments])
    err = capsys.readouterr().err
    if says is None:  # --dry-run: the diff, nothing written
        assert code == 0 and not err
    else:
        assert code == 2 and err.count("\n") == 1 and says in err, err
    assert tree_state(project) == before


@pytest.mark.terraform
@pytest.mark.emulator
def test_bootstrap_with_the_state_bucket_in_an_account_with_github_s_provider(
    generate: Generate, terraform: BindTerraform, aws_emulator: AwsEmulator
) -> None:
    """Applied as an administrator: the bucket versioned, encrypted, TLS only and never
    public; the account's OIDC provider used, not created; re-plans clean; destroys."""
    bucket = "bootstrap-state-test"
    project = generate(
        "--github-repository", REPOSITORY, "--state-bucket", bucket, "--state-key", "svc/terraform.tfstate",
        name="bootsvc",
    )  # fmt: skip
    iam = aws_emulator.client("iam", "us-east-1")
    existing = iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB_OIDC}", ClientIDList=["sts.amazonaws.com"]
    )["OpenIDConnectProviderArn"]
    # As the README says to, where the account has the provider.
    tfvars = project / "bootstrap" / "terraform.tfvars"
    text = tfvars.read_text(encoding="utf-8")
    assert text.count("create_oidc_provider = true\n") == 1
    tfvars.write_text(text.replace("create_oidc_provider = true\n", "create_oidc_provider = false\n"), encoding="utf-8")
    admin = terraform(project / "bootstrap", aws_emulator, "us-east-1")
    admin.init()
    try:
        admin.apply()
        outputs = admin.outputs()
        assert outputs["oidc_provider_arn"] == existing and outputs["state_bucket"] == bucket

        s3 = aws_emulator.client("s3", "us-east-1")
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert blocked == dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
        )
        (deny,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        # TLS only, in force: the emulator listens over plain HTTP, so even the admin is refused.
        with pytest.raises(ClientError) as refused:
            s3.put_object(Bucket=bucket, Key="svc/terraform.tfstate", Body=b"{}")
        assert refused.value.response["Error"]["Code"] in ("AccessDenied", "403")

        state_key = f"arn:aws:s3:::{bucket}/svc/terraform.tfstate"
        expected = {
            "plan": {f"arn:aws:s3:::{bucket}": {"s3:ListBucket"}, state_key: {"s3:GetObject"}},
            "deploy": {
                f"arn:aws:s3:::{bucket}": {"s3:ListBucket"},
                state_key: {"s3:GetObject", "s3:PutObject"},
                f"{state_key}.tflock": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
            },
        }
        for kind, wanted in expected.items():
            role = outputs[f"{kind}_role_arn"].rsplit("/", 1)[1]
            state = iam_document(iam.get_role_policy(RoleName=role, PolicyName="terraform-state")["PolicyDocument"])
            granted = {str(s["Resource"]): set(s["Action"]) if isinstance(s["Action"], list) else {s["Action"]}
                       for s in state["Statement"]}  # fmt: skip
            assert granted == wanted, kind

        again = admin.run("plan", "-detailed-exitcode", "-input=false", "-no-color", ok_codes=(0, 2))
        assert again.returncode == 0, again.stdout
    finally:
        admin.destroy()
    # The account's provider is not the bootstrap's to delete.
    assert existing in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=existing)
    with pytest.raises(ClientError):
        aws_emulator.client("s3", "us-east-1").head_bucket(Bucket=bucket)
