variable "name" {
  type        = string
  description = "Name of the function; names its execution role."
}

variable "region" {
  type        = string
  description = "AWS region; role names are global to the account, so the role's name carries it."
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Optional ARN of the IAM policy that bounds the execution role."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for the role."
  default     = {}
}
