# Variables of topology private-nat: this layer's, beside the shared ones in variables.tf.
variable "public_subnets" {
  type        = map(string)
  description = "CIDR of each public subnet, keyed like private_subnets. Each holds one NAT gateway; a private subnet routes through the NAT in its own AZ, or the first one when its AZ has none."

  validation {
    condition     = length(var.public_subnets) >= 1 && alltrue([for key, cidr in var.public_subnets : can(cidrnetmask(cidr)) && contains(keys(var.private_subnets), key)])
    error_message = "Give at least one public subnet, each an IPv4 CIDR block keyed by an AZ that also has a private subnet."
  }
}
