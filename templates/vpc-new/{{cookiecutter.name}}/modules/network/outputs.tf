output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, in AZ order."
  value       = [for subnet in aws_subnet.private : subnet.id]
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
