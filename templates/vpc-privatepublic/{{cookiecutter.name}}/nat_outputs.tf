# Outputs of topology private-nat, beside the shared ones in outputs.tf.
output "public_subnet_ids" {
  description = "IDs of the public subnets that hold the NAT gateways."
  value       = module.network.public_subnet_ids
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways."
  value       = module.network.nat_gateway_ids
}
