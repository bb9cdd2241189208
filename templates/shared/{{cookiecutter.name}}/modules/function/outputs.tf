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
