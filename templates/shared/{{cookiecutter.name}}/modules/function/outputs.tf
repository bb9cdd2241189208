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

output "vpc_config" {
  description = "The function's attachment to the VPC: its subnets, its security groups, and whether it uses IPv6."
  value = {
    subnet_ids                  = one(aws_lambda_function.this.vpc_config[*].subnet_ids)
    security_group_ids          = one(aws_lambda_function.this.vpc_config[*].security_group_ids)
    ipv6_allowed_for_dual_stack = one(aws_lambda_function.this.vpc_config[*].ipv6_allowed_for_dual_stack)
  }
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = var.role_arn
}
