# Inputs of the network of topology private and private-nat (a new VPC), beside the shared ones in variables.tf.
variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR block of the VPC."
}

variable "private_subnets" {
  type        = map(string)
  description = "CIDR of the private subnet in each AZ, keyed az1..azN."
}

variable "availability_zones" {
  type        = list(string)
  description = "Optional zones to pin, names or AZ IDs, in az1..azN order; empty takes the region's first standard zones that every interface endpoint service offers."
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) >= length(var.private_subnets)
    error_message = "Pin at least one availability zone per private subnet."
  }
}

variable "enable_flow_logs" {
  type        = bool
  description = "Send the VPC's flow logs (all traffic) to a CloudWatch log group of their own."
  default     = false
}

variable "flow_log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps the flow logs."
  default     = 30
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Optional ARN of the IAM policy that bounds the flow log role."
  default     = null
}

variable "network_interface_grant" {
  type        = string
  description = "ID of the function role's network-interface permissions: the subnets are destroyed before it, so Lambda can still release its interfaces in them."
}
