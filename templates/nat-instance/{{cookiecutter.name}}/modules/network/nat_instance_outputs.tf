# Outputs of the NAT instances (--nat instance or instance-per-az).
output "nat_instance_interface_ids" {
  description = "IDs of the network interfaces the private route tables send 0.0.0.0/0 to; each NAT instance takes one over at boot."
  value       = [for interface in aws_network_interface.nat_instance : interface.id]
}

output "nat_instance_groups" {
  description = "Names of the auto scaling groups that keep one NAT instance each running."
  value       = [for group in aws_autoscaling_group.nat_instance : group.name]
}
