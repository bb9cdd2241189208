# Inputs of the network of topology private-nat, beside the shared ones in variables.tf.
variable "public_subnets" {
  type        = map(string)
  description = "CIDR of each public subnet (one NAT gateway each), keyed like private_subnets."
}
