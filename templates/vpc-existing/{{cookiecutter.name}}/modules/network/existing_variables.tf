# Inputs of the network of topology existing, beside the shared ones in variables.tf.
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

variable "gateway_routes_adopted" {
  type        = list(string)
  description = "Gateway endpoint routes (SERVICE:ROUTE-TABLE-ID) this project added before it claimed its routes (gateway_routes.tf): its own, never counted as another endpoint's."
  default     = []
}

variable "internet_egress" {
  type        = bool
  description = "Whether the subnets reach the internet (e.g. through a transit gateway); null derives it from their routes to a NAT gateway."
  default     = null
}
