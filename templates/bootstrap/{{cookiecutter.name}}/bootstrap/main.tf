# What the project needs in AWS before its first apply, applied once by an
# administrator, with its state kept here (local, in bootstrap/terraform.tfstate):
# the permissions boundary the project's roles are created with, the deployer policy
# (../deployer-policy.json), GitHub's OIDC provider, and the role the project's CI
# assumes with it{{ ", and the state bucket" if cookiecutter.state_bucket else "" }} (README.md: CI from an empty account).

locals {
  github_oidc_url = "https://token.actions.githubusercontent.com"
  oidc_provider_arn = (
    var.create_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : data.aws_iam_openid_connect_provider.github[0].arn
  )
}

# The boundary every role of the project is created with: deployer-policy.json lets
# the CI role create the project's roles only with this policy as their boundary, so
# the roles it creates hold no more than the project's own permissions.
resource "aws_iam_policy" "boundary" {
  name        = "${var.name}-boundary"
  description = "Permissions boundary of the roles of ${var.name}"
  policy      = file("${path.module}/../permissions-boundary.json")
}

# What applying the project needs, and nothing wider (README.md: Permissions).
resource "aws_iam_policy" "deployer" {
  name        = "${var.name}-deployer"
  description = "What applying and destroying ${var.name} needs"
  policy      = file("${path.module}/../deployer-policy.json")
}

# GitHub's OIDC provider: GitHub Actions sign a token per job, and STS trades it for
# the role's short-lived credentials, so no access key is stored in GitHub. IAM needs
# no thumbprint for GitHub (its certificate chains to a CA IAM trusts).
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = local.github_oidc_url
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1

  url = local.github_oidc_url
}

data "aws_iam_policy_document" "ci_trust" {
  statement {
    sid     = "GitHubActionsOfThisRepository"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # The token's subject: this repository's pull requests, and its main branch. A
    # fork's pull request gets no token; another branch, tag or repository matches none.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values = [
        "repo:${var.github_repository}:pull_request",
        "repo:${var.github_repository}:ref:refs/heads/main",
      ]
    }
  }
}

resource "aws_iam_role" "ci" {
  name                 = "${var.name}-ci"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "What ${var.github_repository}'s CI plans ${var.name} with"
  assume_role_policy   = data.aws_iam_policy_document.ci_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "ci_deployer" {
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.deployer.arn
}
