# Variables of the NAT instances (--nat instance or instance-per-az).
variable "nat_instance_type" {
  type        = string
  default     = "t4g.nano"
  description = "EC2 instance type of the NAT instances. Graviton (t4g) and x86 (t3) types alike: the image follows the type's architecture."

  validation {
    condition     = can(regex("^[a-z]+[0-9]+[a-z-]*\\.[a-z0-9]+$", var.nat_instance_type))
    error_message = "nat_instance_type must be an EC2 instance type, FAMILY.SIZE, e.g. t4g.nano."
  }
}
