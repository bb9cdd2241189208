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
