output "security_group_ids" {
  description = "IDs of the function's security groups."
  value       = local.security_group_ids
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "network_interface_grant" {
  description = "ID of the role's network-interface permissions; what Lambda's interfaces in the subnets depend on."
  value       = {{ cookiecutter.network_interface_grant }}.id
}
