# Inputs of the NAT instances (--nat instance or instance-per-az).
variable "nat_instance_type" {
  type        = string
  description = "EC2 instance type of the NAT instances."
}
