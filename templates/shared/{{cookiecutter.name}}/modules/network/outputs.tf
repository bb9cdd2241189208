output "vpc_id" {
  description = "ID of the VPC."
  value       = local.vpc_id
}

output "vpc_cidr" {
  description = "Primary IPv4 CIDR block of the VPC."
  value       = local.vpc_cidr
}

output "private_subnet_ids" {
  description = "IDs of the private subnets the function attaches to, in AZ order."
  value       = local.private_subnet_ids
}

output "gateway_prefix_list_ids" {
  description = "Prefix lists of the gateway endpoints, for security group egress rules."
  value       = [for endpoint in aws_vpc_endpoint.gateway : endpoint.prefix_list_id]
}

output "private_route_table_ids" {
  description = "IDs of the private route tables."
  value       = local.private_route_table_ids
}
{% if cookiecutter.topology == "private-nat" %}

output "public_subnet_ids" {
  description = "IDs of the public subnets."
  value       = [for subnet in aws_subnet.public : subnet.id]
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways."
  value       = [for gateway in aws_nat_gateway.this : gateway.id]
}
{% endif %}
