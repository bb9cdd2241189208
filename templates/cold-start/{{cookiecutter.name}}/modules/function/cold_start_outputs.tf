output "alias_arn" {
  description = "ARN of the alias live, which runs the published version (SnapStart, provisioned concurrency); null when no version is published."
  value       = one(aws_lambda_alias.live[*].arn)
}
