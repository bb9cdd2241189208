# Outputs of topology private-nat, beside the shared ones in outputs.tf.
output "public_subnet_ids" {
  description = "IDs of the public subnets that hold NAT (gateways or instances)."
  value       = module.network.public_subnet_ids
}

{% if cookiecutter.nat_type == "gateway" %}
output "nat_gateway_ids" {
  description = "IDs of the NAT gateways."
  value       = module.network.nat_gateway_ids
}
{% endif %}
