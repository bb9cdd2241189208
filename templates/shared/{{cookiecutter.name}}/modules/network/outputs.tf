output "vpc_id" {
  description = "ID of the VPC."
  value       = local.vpc_id
}

output "vpc_cidrs" {
  description = "IPv4 CIDR blocks of the VPC, primary first."
  value       = local.vpc_cidrs
}

output "vpc_ipv6_cidrs" {
  description = "IPv6 CIDR blocks of the VPC; empty without IPv6."
  value       = local.vpc_ipv6_cidrs
}

output "private_subnet_ids" {
  description = "IDs of the private subnets the function attaches to, in AZ order."
  value       = [for subnet in local.private_subnets : subnet.id]
}

output "internet_egress" {
  description = "Whether the private subnets reach the internet through NAT."
  value       = local.internet_egress
}

output "ipv6_internet_egress" {
  description = "Whether the private subnets reach the IPv6 internet through an egress-only internet gateway."
  value       = local.ipv6_internet_egress
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
