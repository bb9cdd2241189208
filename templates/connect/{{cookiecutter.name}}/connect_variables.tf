# What the function is in the VPC for (vpc-lambda-new update --connect).
variable "connect" {
  type        = list(string)
  description = "Targets the function connects to, wired on both sides: SG_ID:PORT, CIDR:PORT, rds:IDENTIFIER, rds-proxy:NAME, elasticache:REPLICATION_GROUP_ID, secret:ARN."
  default     = []

  validation {
    condition = alltrue([
      for target in var.connect : (
        can(regex("^sg-[0-9a-f]{8}([0-9a-f]{9})?:[0-9]{1,5}$", target))
        || (can(regex("^(.+/[0-9]{1,3}):([0-9]{1,5})$", target)) && can(cidrhost(regex("^(.+/[0-9]{1,3}):[0-9]{1,5}$", target)[0], 0)))
{% set kinds = cookiecutter.connect_kinds %}
{% set looked_up = ["rds", "rds-proxy", "elasticache"] | select("in", kinds) | list %}
{% if looked_up %}
        || can(regex("^({{ looked_up | join("|") }}):[a-z][a-z0-9-]{0,62}$", target))
{% endif %}
{% if "secret" in kinds %}
        || can(regex("^secret:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", target))
{% endif %}
      )
    ])
    error_message = "Each target must be SG_ID:PORT, CIDR:PORT{% for kind in looked_up %}, {{ kind }}:{{ {"rds": "IDENTIFIER", "rds-proxy": "NAME", "elasticache": "REPLICATION_GROUP_ID"}[kind] }}{% endfor %}{{ ", secret:ARN" if "secret" in kinds else "" }} (identifiers in lower case); another kind needs its lookups and rights: vpc-lambda-new update --connect adds them."
  }

  validation {
    condition = alltrue([
      for target in var.connect : tonumber(regex("[0-9]+$", target)) >= 1 && tonumber(regex("[0-9]+$", target)) <= 65535
      if can(regex("^(sg-|[0-9a-fA-F:.]+/)", target))
    ])
    error_message = "Each port must be from 1 to 65535."
  }
}

variable "connect_ingress" {
  type        = bool
  description = "Whether the project adds, to each target's security group, the rule admitting the function on the target's port. Off, the targets' owners add it."
  default     = true
}
