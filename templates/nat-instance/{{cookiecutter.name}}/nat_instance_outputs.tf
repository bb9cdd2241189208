# Outputs of the NAT instances (--nat instance or instance-per-az).
output "nat_instance_interface_ids" {
  description = "IDs of the network interfaces the private route tables send 0.0.0.0/0 to; each NAT instance takes one over at boot."
  value       = module.network.nat_instance_interface_ids
}

output "nat_instance_groups" {
  description = "Names of the auto scaling groups that keep one NAT instance each running (Session Manager: aws ssm start-session --target INSTANCE-ID)."
  value       = module.network.nat_instance_groups
}
