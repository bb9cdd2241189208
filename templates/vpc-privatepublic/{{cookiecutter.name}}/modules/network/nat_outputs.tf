# Outputs of the network of topology private-nat, beside the shared ones in outputs.tf.
output "public_subnet_ids" {
  description = "IDs of the public subnets."
  value       = [for subnet in aws_subnet.public : subnet.id]
}

{% if cookiecutter.nat_type == "gateway" %}
output "nat_gateway_ids" {
  description = "IDs of the NAT gateways."
  value       = [for gateway in aws_nat_gateway.this : gateway.id]
}
{% endif %}
