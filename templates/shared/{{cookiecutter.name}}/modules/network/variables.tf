variable "name" {
  type        = string
  description = "Prefix of every resource name."
}

variable "region" {
  type        = string
  description = "AWS region: endpoint service names and account-global names (the flow log role) carry it."
}

variable "enable_ipv6" {
  type        = bool
  description = "Dual stack: IPv6 blocks for the VPC and its subnets{{ ' (an existing VPC must have them)' if cookiecutter.topology == 'existing' else '' }}."
  default     = false
}
{% if cookiecutter.topology == "existing" %}

variable "vpc_id" {
  type        = string
  description = "ID of the existing VPC the function joins."
}

variable "subnet_ids" {
  type        = list(string)
  description = "IDs of the existing private subnets the function attaches to."
}

variable "route_table_ids" {
  type        = list(string)
  description = "IDs of the route tables of those subnets, for gateway endpoints; empty creates no gateway endpoint."
  default     = []
}

variable "internet_egress" {
  type        = bool
  description = "Whether the subnets reach the internet (e.g. through a transit gateway); null derives it from their routes to a NAT gateway."
  default     = null
}
{% else %}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR block of the VPC."
}

variable "private_subnets" {
  type        = map(string)
  description = "CIDR of the private subnet in each AZ, keyed az1..azN."
}
{% if cookiecutter.topology == "private-nat" %}

variable "public_subnets" {
  type        = map(string)
  description = "CIDR of each public subnet (one NAT gateway each), keyed like private_subnets."
}
{% endif %}

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
{% endif %}

variable "gateway_endpoints" {
  type        = list(string)
  description = "Services (s3, dynamodb) reached through gateway endpoints on the private route tables."
  default     = []
}

variable "gateway_endpoint_policies" {
  type        = map(string)
  description = "Optional JSON endpoint policy per gateway endpoint service; a service left out gets AWS's full-access default."
  default     = {}
}

variable "interface_endpoints" {
  type        = list(string)
  description = "Services reached through interface endpoints in the private subnets."
  default     = []
}

variable "execute_api_private_dns" {
  type        = bool
  description = "Private DNS on the execute-api endpoint (every other interface endpoint has it on)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource."
  default     = {}
}
