output "connect_targets" {
  description = "Each connect target and where it answers (host:port; empty for a security group or a block)."
  value       = module.function.connect_targets
}
