output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.this.name
}

output "network_interface_grant" {
  description = "ID of the role's network-interface permissions: what Lambda creates and releases the function's interfaces with. The function is created after it; the subnets and security groups Lambda's interfaces sit in are destroyed before it."
  value       = one(concat(aws_iam_role_policy.network_interfaces[*].id, aws_iam_role_policy_attachment.vpc_access[*].id))
}
