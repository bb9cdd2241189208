output "plan_role_arn" {
  description = "Set it as the repository variable AWS_ROLE_ARN (GitHub: Settings, Secrets and variables, Actions, Variables): the CI's plan job on pull requests assumes it. It reads only."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "The role an apply job on the main branch assumes: it holds the deployer policy."
  value       = aws_iam_role.deploy.arn
}

output "permissions_boundary_arn" {
  description = "Put it in the project's terraform.tfvars as permissions_boundary_arn: the deployer policy creates roles only with this boundary."
  value       = local.boundary_arn
}

output "oidc_provider_arn" {
  description = "GitHub's OIDC provider in this account, created here or found."
  value       = local.oidc_provider_arn
}
{% if cookiecutter.state_bucket %}

output "state_bucket" {
  description = "The bucket the project's backend.tf keeps its state in."
  value       = aws_s3_bucket.state.bucket
}
{% endif %}
