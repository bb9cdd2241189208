# The network layer's contract. Every topology's layer (a new VPC: vpc-new with vpc-private
# or vpc-privatepublic; vpc-existing) defines these locals, and this module's shared files
# (these outputs, endpoints.tf) read the topology through them alone:
#   vpc_id                   ID of the VPC
#   vpc_cidrs                its IPv4 blocks, primary first
#   vpc_ipv6_cidrs           its IPv6 blocks; empty without IPv6
#   private_subnets          the function's subnets (objects with id and availability_zone), in AZ order
#   private_route_table_ids  their route tables, for gateway endpoints
#   internet_egress          whether they reach the internet (IPv4) through NAT
#   ipv6_internet_egress     whether they reach the IPv6 internet through an egress-only gateway
#   zone_ids_by_name         the AZ ID of each zone the subnets are in, for messages that name both
#   gateway_prefix_list_ids  the prefix lists of the S3/DynamoDB gateway endpoints that serve
#                            the subnets, whoever owns them, for the function's egress

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
  description = "Prefix lists of the gateway endpoints that serve the private subnets, for security group egress rules."
  value       = local.gateway_prefix_list_ids
}

output "private_route_table_ids" {
  description = "IDs of the private route tables."
  value       = local.private_route_table_ids
}
