output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets the function is attached to."
  value       = module.network.private_subnet_ids
}

output "vpc_ipv6_cidrs" {
  description = "IPv6 CIDR blocks of the VPC the function may use; empty without IPv6."
  value       = module.network.vpc_ipv6_cidrs
}

output "security_group_ids" {
  description = "IDs of the function's security groups; allow them in the ingress rules of the private resources it calls."
  value       = module.function.security_group_ids
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = module.function.function_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.execution_role.role_arn
}
