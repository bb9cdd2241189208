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
# the deploy role create the project's roles only with this policy as their boundary, so
# the roles it creates hold no more than the project's own permissions. Its name is the
# one deployer-policy.json gives it, without the region: a second region of the project
# shares it (create_boundary = false there).
resource "aws_iam_policy" "boundary" {
  count = var.create_boundary ? 1 : 0

  name        = "${var.name}-boundary"
  description = "Permissions boundary of the roles of ${var.name}"
  policy      = file("${path.module}/../permissions-boundary.json")
}

data "aws_iam_policy" "boundary" {
  count = var.create_boundary ? 0 : 1

  name = "${var.name}-boundary"
}

# What applying the project needs, and nothing wider (README.md: Permissions).
resource "aws_iam_policy" "deployer" {
  name        = "${var.name}-deployer-${var.region}"
  description = "What applying and destroying ${var.name} in ${var.region} needs"
  policy      = file("${path.module}/../deployer-policy.json")
}

# GitHub's OIDC provider: GitHub Actions sign a token per job, and STS trades it for
# a role's short-lived credentials, so no access key is stored in GitHub. IAM needs
# no thumbprint for GitHub (its certificate chains to a CA IAM trusts).
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = local.github_oidc_url
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1

  url = local.github_oidc_url

  lifecycle {
    postcondition {
      condition     = contains(self.client_id_list, "sts.amazonaws.com")
      error_message = "The account's GitHub OIDC provider does not list the audience sts.amazonaws.com, which the CI's tokens carry: add it (aws iam add-client-id-to-open-id-connect-provider)."
    }
  }
}

locals {
  boundary_arn = var.create_boundary ? aws_iam_policy.boundary[0].arn : data.aws_iam_policy.boundary[0].arn
  # The token's subject: a pull request of this repository, or its main branch. A fork's
  # pull request gets no token; a tag or another repository matches neither.
  subjects = {
    plan   = "repo:${var.github_repository}:pull_request"
    deploy = "repo:${var.github_repository}:ref:refs/heads/main"
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = local.subjects

  statement {
    sid     = "GitHubActions"
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

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [each.value]
    }
  }
}

# Pull requests plan: their workflow is the branch's own, so whoever can push a branch
# holds this role. It reads, and changes nothing.
resource "aws_iam_role" "plan" {
  name                 = "${var.name}-plan-${var.region}"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "What ${var.github_repository}'s pull requests plan ${var.name} with: read only"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_reads" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

# The main branch applies: this role holds the deployer policy.
resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy-${var.region}"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "What ${var.github_repository}'s main branch applies ${var.name} with"
  assume_role_policy   = data.aws_iam_policy_document.trust["deploy"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "deploy_deployer" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deployer.arn
}
{% if cookiecutter.nat_type == "instance" %}

# The NAT instances' part of the deployer's rights: a policy of its own, as one managed
# policy holds 6,144 characters (../deployer-policy-nat-instances.json).
resource "aws_iam_policy" "deployer_nat_instances" {
  name        = "${var.name}-deployer-nat-instances-${var.region}"
  description = "What applying and destroying the NAT instances of ${var.name} in ${var.region} needs"
  policy      = file("${path.module}/../deployer-policy-nat-instances.json")
}

resource "aws_iam_role_policy_attachment" "deploy_deployer_nat_instances" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deployer_nat_instances.arn
}
{% endif %}
{% if cookiecutter.connect_layer %}

# The connect targets' part of the deployer's rights (../deployer-policy-connect.json).
resource "aws_iam_policy" "deployer_connect" {
  name        = "${var.name}-deployer-connect-${var.region}"
  description = "What applying and destroying the connect targets' rules of ${var.name} in ${var.region} needs"
  policy      = file("${path.module}/../deployer-policy-connect.json")
}

resource "aws_iam_role_policy_attachment" "deploy_deployer_connect" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deployer_connect.arn
}
{% endif %}
{% if cookiecutter.cold_starts %}

# The cold starts' part of the deployer's rights: versions, the alias live, provisioned
# concurrency (../deployer-policy-cold-starts.json).
resource "aws_iam_policy" "deployer_cold_starts" {
  name        = "${var.name}-deployer-cold-starts-${var.region}"
  description = "What applying and destroying the published versions and aliases of ${var.name} in ${var.region} needs"
  policy      = file("${path.module}/../deployer-policy-cold-starts.json")
}

resource "aws_iam_role_policy_attachment" "deploy_deployer_cold_starts" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deployer_cold_starts.arn
}
{% endif %}

data "aws_partition" "current" {}
