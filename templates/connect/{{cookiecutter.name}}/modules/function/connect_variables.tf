variable "connect" {
  type        = list(string)
  description = "Targets the function connects to (the root's var.connect)."
  default     = []
}

variable "connect_ingress" {
  type        = bool
  description = "Whether to add the rule admitting the function to each target's security group."
  default     = true
}

variable "region" {
  type        = string
  description = "The region: Secrets Manager decrypts the connected secrets through its endpoint there."
}
