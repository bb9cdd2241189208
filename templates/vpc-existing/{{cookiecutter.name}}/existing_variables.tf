# Variables of topology existing: this layer's, beside the shared ones in variables.tf.
variable "vpc_id" {
  type        = string
  description = "ID of the existing VPC the function joins. Plan checks that its tenancy is default."

  validation {
    condition     = can(regex({{ cookiecutter.id_patterns.vpc | hcl }}, var.vpc_id))
    error_message = "The VPC id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "IDs of at least two existing private subnets of that VPC, in different AZs. Plan checks that none routes 0.0.0.0/0 to an internet gateway."

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for id in var.subnet_ids : can(regex({{ cookiecutter.id_patterns.subnet | hcl }}, id))])
    error_message = "Give at least two subnet ids like subnet-0123456789abcdef0."
  }
}

variable "route_table_ids" {
  type        = list(string)
  description = "Route tables of those subnets, for the gateway endpoints (S3, DynamoDB); empty creates no gateway endpoint."
  default     = []
}

variable "gateway_routes_adopted" {
  type        = list(string)
  description = "Gateway endpoint routes (SERVICE:ROUTE-TABLE-ID) of this project's own endpoints that it has no claim for (modules/network/gateway_routes.tf): a release of vpc-lambda-new before 0.6.0 added them (vpc-lambda-new update lists those), or a claim was removed from the state or replaced. Listed, they are never taken for another endpoint's."
  default     = []

  validation {
    condition     = alltrue([for route in var.gateway_routes_adopted : can(regex({{ ("^(" ~ cookiecutter.known_gateway_endpoints | join("|") ~ "):" ~ cookiecutter.id_patterns.rtb[1:]) | hcl }}, route))])
    error_message = "Each adopted gateway route is SERVICE:ROUTE-TABLE-ID, e.g. s3:rtb-0123456789abcdef0."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Existing security groups for the function (at most 4); empty creates a dedicated, egress-only one. With them the function also holds a rule-less group of this project, whose deletion waits for Lambda to release its interfaces on destroy."
  default     = []

  validation {
    # https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html: at most 5 groups.
    condition     = length(var.security_group_ids) <= 4
    error_message = "Give at most 4 security groups: Lambda takes 5, and the project adds one whose deletion waits for Lambda to release its interfaces."
  }
}

variable "internet_egress" {
  type        = bool
  description = "Whether the subnets reach the internet (e.g. through a transit gateway or a firewall); null derives it from their routes to a NAT gateway. True lets the function's own security group open HTTPS to the internet."
  default     = null
}
