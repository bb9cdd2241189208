# Variables of topology private and private-nat (a new VPC): this layer's, beside the shared ones in variables.tf.
variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR block of the VPC, /16 to /24."

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24, false)
    error_message = "The VPC CIDR must be an IPv4 CIDR block from /16 to /24."
  }
}

variable "private_subnets" {
  type        = map(string)
  description = "CIDR of the private subnet in each availability zone, keyed az1..azN (the Nth available AZ of the region). The function attaches to all of them."

  validation {
    condition     = length(var.private_subnets) >= 2 && length(var.private_subnets) <= 6 && alltrue([for key, cidr in var.private_subnets : can(regex("^az[1-6]$", key)) && can(cidrnetmask(cidr))])
    error_message = "Give 2 to 6 private subnets keyed az1 to az6, each an IPv4 CIDR block."
  }
}

variable "enable_flow_logs" {
  type        = bool
  description = "Record the VPC's traffic (flow logs) in a CloudWatch log group kept log_retention_days; billed per GB ingested."
  default     = false
}

variable "availability_zones" {
  type        = list(string)
  description = "Optional zones to pin, one per private subnet in az1..azN order: names (e.g. [\"us-east-1a\", \"us-east-1b\"]) or AZ IDs, the same zones in every account (e.g. [\"use1-az1\", \"use1-az2\"]). Every interface endpoint service must offer each of them. Empty takes the region's first standard zones that every interface endpoint service offers."
  default     = []

  validation {
    condition     = length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "Pin each availability zone once: one private subnet per zone."
  }

  validation {
    condition     = alltrue([for zone in var.availability_zones : can(regex("^([a-z]{2}(-[a-z]+)+-[0-9][a-z]|[a-z]{2,}[0-9]+-az[0-9]+)$", zone))])
    error_message = "Pin zones by name (us-east-1a) or by AZ ID (use1-az1)."
  }
}
