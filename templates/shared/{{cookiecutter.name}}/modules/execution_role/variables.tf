variable "name" {
  type        = string
  description = "Name of the project (its first function's name); names the role's path, and the first function's role."
}

variable "function_name" {
  type        = string
  description = "Name of an added function (PROJECT_NAME), whose role this is; null for the project's first function."
  default     = null
}

variable "iam" {
  type        = string
  description = "The role's network-interface permissions: inline (exactly the six actions of the Lambda guide) or managed (AWSLambdaVPCAccessExecutionRole)."
  default     = "inline"

  validation {
    condition     = contains(["inline", "managed"], var.iam)
    error_message = "iam must be inline or managed."
  }
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
