variable "name" {
  type        = string
  description = "Name of the function; prefixes its security groups and names its log group."
}

variable "runtime" {
  type        = string
  description = "Lambda runtime."
}

variable "handler" {
  type        = string
  description = "Entry point of the handler inside the package."
}

variable "architecture" {
  type        = string
  description = "Instruction set: arm64 or x86_64."
}

variable "memory_size" {
  type        = number
  description = "Memory in MB."
}

variable "timeout" {
  type        = number
  description = "Timeout in seconds."
}

variable "ephemeral_storage" {
  type        = number
  description = "Size of /tmp in MB, 512 to 10240."
  default     = 512
}

variable "snapstart" {
  type        = bool
  description = "SnapStart on published versions (Python 3.12 and later)."
  default     = false
}

variable "provisioned_concurrency" {
  type        = number
  description = "Provisioned concurrent executions on the alias live; 0 for none."
  default     = 0
}

variable "shared_security_group_ids" {
  type        = list(string)
  description = "Another function's security groups to share, exactly (one combination of subnet and groups: shared interfaces); empty for groups of its own."
  default     = []
}

variable "package_path" {
  type        = string
  description = "Path of the deployment zip (rebuild it with scripts/build_package.py)."
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps the function's logs."
}

variable "probe_target" {
  type        = string
  description = "Optional host:port the handler checks it can reach; empty to skip."
  default     = ""
}

variable "vpc_id" {
  type        = string
  description = "VPC of the function's security group."
}

variable "vpc_cidrs" {
  type        = list(string)
  description = "IPv4 CIDR blocks of the VPC (primary and secondary); the function may open any connection inside them."
}

variable "vpc_ipv6_cidrs" {
  type        = list(string)
  description = "IPv6 CIDR blocks of the VPC; the function may open any connection inside them."
  default     = []
}

variable "internet_egress" {
  type        = bool
  description = "Whether the function's subnets reach the internet through NAT: allows HTTPS to 0.0.0.0/0."
  default     = false
}

variable "ipv6_internet_egress" {
  type        = bool
  description = "Whether the function's subnets reach the IPv6 internet through an egress-only internet gateway: allows HTTPS to ::/0."
  default     = false
}

variable "enable_ipv6" {
  type        = bool
  description = "Allow the function to send IPv6 traffic from its dual-stack subnets."
  default     = false
}

variable "aws_api_probe" {
  type        = bool
  description = "Whether the handler's STS probe has a path to STS (NAT or an sts interface endpoint)."
  default     = false
}

variable "role_arn" {
  type        = string
  description = "ARN of the function's execution role (module.execution_role)."
}

variable "role_name" {
  type        = string
  description = "Name of that role, for the function's own policies (its logs, its traces)."
}

variable "network_interface_grant" {
  type        = string
  description = "ID of the role's network-interface permissions: the function is created after them and destroyed before them."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Existing security groups for the function; empty creates a dedicated one."
  default     = []
}

variable "gateway_prefix_list_ids" {
  type        = list(string)
  description = "Prefix lists of the gateway endpoints (S3, DynamoDB) the function may reach on 443."
  default     = []
}

variable "additional_egress_cidrs" {
  type        = list(string)
  description = "Extra IPv4 or IPv6 CIDR blocks the function may open any connection to (peered VPCs, on-premises ranges)."
  default     = []
}

variable "reserved_concurrency" {
  type        = number
  description = "Concurrent executions reserved for the function; -1 for none."
  default     = -1
}

variable "tracing_mode" {
  type        = string
  description = "X-Ray tracing: Active or PassThrough."
  default     = "Active"
}

variable "log_kms_key_arn" {
  type        = string
  description = "Optional customer-managed KMS key for the function's log group."
  default     = null
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets the function attaches to."
}

variable "attach_to_vpc" {
  type        = bool
  description = "false detaches the function from the VPC without destroying it."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource."
  default     = {}
}
