variable "name" {
  type        = string
  description = "Name of the project and of the Lambda function; prefixes every resource name."

  validation {
    condition     = can(regex({{ cookiecutter.name_pattern | hcl }}, var.name)) && !startswith(lower(var.name), "sg-")
    error_message = "The name must start with a letter, hold at most 40 letters, digits or hyphens, and not start with sg- (it prefixes security group names)."
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy into."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "The region must look like us-east-1."
  }
}

variable "gateway_endpoints" {
  type        = list(string)
  description = "Services reached through free gateway endpoints on the private route tables."
  default     = ["s3", "dynamodb"]

  validation {
    condition     = alltrue([for service in var.gateway_endpoints : contains({{ cookiecutter.known_gateway_endpoints | hcl }}, service)])
    error_message = "Gateway endpoints exist only for s3 and dynamodb."
  }
}

variable "interface_endpoints" {
  type        = list(string)
  description = "Services reached through interface endpoints (billed hourly per AZ) in the private subnets, e.g. sts, secretsmanager. Their private DNS answers for the whole VPC: AWS refuses one for a service the VPC already has an endpoint or a private hosted zone for (a conflicting DNS domain); leave such a service out."
  default     = []

  validation {
    condition     = alltrue([for service in var.interface_endpoints : contains({{ cookiecutter.known_interface_endpoints | hcl }}, service)])
    error_message = "Unknown interface endpoint; known: {{ cookiecutter.known_interface_endpoints | join(", ") }}."
  }
}

variable "execute_api_private_dns" {
  type        = bool
  description = "Private DNS on the execute-api interface endpoint. On, every caller in the VPC reaches *.execute-api names through it, and public (edge-optimized and regional) API Gateway APIs answer them 403 Forbidden; off, private APIs are called through the endpoint's own DNS name with an x-apigw-api-id header."
  default     = false
}

variable "runtime" {
  type        = string
  description = "Lambda runtime of the handler in src/."

  validation {
    condition     = contains({{ cookiecutter.runtimes | hcl }}, var.runtime)
    error_message = "The runtime must be one of {{ cookiecutter.runtimes | join(", ") }}."
  }
}

variable "architecture" {
  type        = string
  description = "Instruction set of the function: arm64 (cheaper per GB-second) or x86_64."
  default     = "arm64"

  validation {
    condition     = contains({{ cookiecutter.architectures | hcl }}, var.architecture)
    error_message = "The architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  type        = number
  description = "Memory of the function in MB; CPU scales with it."
  default     = 256

  validation {
    condition     = var.memory_size >= {{ cookiecutter.memory_range[0] }} && var.memory_size <= {{ cookiecutter.memory_range[1] }} && floor(var.memory_size) == var.memory_size
    error_message = "Memory must be a whole number of MB from {{ cookiecutter.memory_range[0] }} to {{ cookiecutter.memory_range[1] }}."
  }
}

variable "timeout" {
  type        = number
  description = "Maximum run time of one invocation, in seconds."
  default     = 30

  validation {
    condition     = var.timeout >= {{ cookiecutter.timeout_range[0] }} && var.timeout <= {{ cookiecutter.timeout_range[1] }} && floor(var.timeout) == var.timeout
    error_message = "The timeout must be a whole number of seconds from {{ cookiecutter.timeout_range[0] }} to {{ cookiecutter.timeout_range[1] }}."
  }
}

variable "ephemeral_storage" {
  type        = number
  description = "Size of the function's /tmp in MB, 512 (included in the price) to 10240."
  default     = 512

  validation {
    condition     = var.ephemeral_storage >= 512 && var.ephemeral_storage <= 10240 && floor(var.ephemeral_storage) == var.ephemeral_storage
    error_message = "Ephemeral storage must be a whole number of MB from 512 to 10240."
  }
}

variable "snapstart" {
  type        = bool
  description = "SnapStart: Lambda publishes a version on every change, snapshots it initialized, and the alias live points at it (Python 3.12 and later; not with provisioned concurrency or ephemeral storage over 512 MB). Invoke the alias: $LATEST never runs from a snapshot."
  default     = false
{% if not cookiecutter.cold_starts %}

  validation {
    condition     = !var.snapstart
    error_message = "This project has no alias live nor its deployer policy yet: vpc-lambda-new update --snapstart adds them."
  }
{% endif %}
}

variable "provisioned_concurrency" {
  type        = number
  description = "Execution environments kept initialized on the alias live (0 for none); billed by the hour whether used or not, and taken from the account's concurrency."
  default     = 0

  validation {
    condition     = var.provisioned_concurrency >= 0 && floor(var.provisioned_concurrency) == var.provisioned_concurrency
    error_message = "Provisioned concurrency must be a whole number, 0 for none."
  }
{% if not cookiecutter.cold_starts %}

  validation {
    condition     = var.provisioned_concurrency == 0
    error_message = "This project has no alias live nor its deployer policy yet: vpc-lambda-new update --provisioned-concurrency N adds them."
  }
{% endif %}
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps the function's logs (and the flow logs): a year by default, as audits commonly ask; storage is billed per GB-month."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The retention must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "probe_target" {
  type        = string
  description = "Optional host:port of a private resource (database, cache, internal service) the handler checks it can reach; empty to skip."
  default     = ""

  validation {
    condition     = var.probe_target == "" || can(regex("^[A-Za-z0-9.-]+:[0-9]{1,5}$", var.probe_target))
    error_message = "The probe target must be empty or host:port, e.g. mydb.internal:5432."
  }
}

variable "additional_egress_cidrs" {
  type        = list(string)
  description = "Extra IPv4 or IPv6 CIDR blocks the function may open any connection to, e.g. a peered VPC or an on-premises range. By default it reaches the VPC itself, the gateway endpoints{{ ' and HTTPS on the internet' if cookiecutter.topology == 'private-nat' else (' and, when its subnets route to a NAT gateway, HTTPS on the internet' if cookiecutter.topology == 'existing' else '') }}."
  default     = []

  validation {
    condition     = alltrue([for cidr in var.additional_egress_cidrs : can(cidrhost(cidr, 0))])
    error_message = "Each additional egress destination must be an IPv4 or IPv6 CIDR block, e.g. 10.50.0.0/16 or 2001:db8::/32."
  }
}

variable "reserved_concurrency" {
  type        = number
  description = "Concurrent executions reserved for the function (also its ceiling); -1 reserves none."
  default     = -1

  validation {
    condition     = var.reserved_concurrency >= -1 && floor(var.reserved_concurrency) == var.reserved_concurrency
    error_message = "Reserved concurrency must be -1 (none) or a whole number of executions."
  }
}

variable "tracing_mode" {
  type        = string
  description = "X-Ray tracing of the function: Active records traces (the role may write them), PassThrough only forwards upstream traces."
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "The tracing mode must be Active or PassThrough."
  }
}

variable "log_kms_key_arn" {
  type        = string
  description = "Optional customer-managed KMS key ARN for the function's log group; its key policy must allow CloudWatch Logs."
  default     = null
}

variable "enable_ipv6" {
  type        = bool
  description = "{{ 'Let the function send IPv6 traffic from the subnets, which must be dual-stack (plan checks).' if cookiecutter.topology == 'existing' else 'Dual stack: an Amazon-provided IPv6 block for the VPC, a /64 for each subnet, and IPv6 allowed for the function.' }}"
  default     = false
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Optional ARN of an IAM policy set as the permissions boundary of every role this project creates. deployer-policy.json lets its holder create roles only with the policy named NAME-boundary as their boundary; see README.md, Permissions."
  default     = null
}

variable "attach_to_vpc" {
  type        = bool
  description = "Attach the function to the private subnets. false detaches it (empty subnet and security group lists) without destroying it."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (the provider adds Project, ManagedBy and Generator)."
  default     = {}
}
