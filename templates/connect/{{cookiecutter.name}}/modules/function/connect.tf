{% set kinds = cookiecutter.connect_kinds %}
# What the function is in the VPC for (var.connect), wired on both sides: the function's
# security group may open connections to each target on its port (inline egress, in
# security_groups.tf, as a group with inline rules must hold all of them), and each
# target's security group admits the function's on that port, a rule resource of its
# own, so this project adds and removes its rule without owning the group. The lookups
# and rights of a kind of target are here once the project has one of that kind:
# `vpc-lambda-new update --connect` adds them.
locals {
  # SG_ID:PORT and CIDR:PORT (an IPv6 block holds colons: the port is after the last).
  looked_up_kinds = ["rds:", "rds-proxy:", "elasticache:", "secret:"]
  connect_ports = {
    for target in var.connect : target => {
      peer = trimsuffix(target, ":${element(split(":", target), length(split(":", target)) - 1)}")
      port = tonumber(element(split(":", target), length(split(":", target)) - 1))
    } if !anytrue([for kind in local.looked_up_kinds : startswith(target, kind)])
  }
  connect_groups = { for target, found in local.connect_ports : target => found if startswith(found.peer, "sg-") }
  connect_cidrs  = { for target, found in local.connect_ports : target => found if !startswith(found.peer, "sg-") }

{% if "rds" in kinds %}
  # rds:IDENTIFIER
  connect_rds = toset([for target in var.connect : trimprefix(target, "rds:") if startswith(target, "rds:")])
{% endif %}
{% if "rds-proxy" in kinds %}
  # rds-proxy:NAME
  connect_rds_proxies = toset([for target in var.connect : trimprefix(target, "rds-proxy:") if startswith(target, "rds-proxy:")])
{% endif %}
{% if "elasticache" in kinds %}
  # elasticache:REPLICATION_GROUP_ID
  connect_caches = toset([for target in var.connect : trimprefix(target, "elasticache:") if startswith(target, "elasticache:")])
{% endif %}
{% if "secret" in kinds %}
  # secret:ARN
  connect_secrets = toset([for target in var.connect : trimprefix(target, "secret:") if startswith(target, "secret:")])
{% endif %}
{% if "rds-proxy" in kinds %}

  # RDS Proxy listens on its engine family's port (RDS user guide, "Connecting to a
  # proxy"): the data source has no port of its own.
  proxy_ports = { MYSQL = 3306, POSTGRESQL = 5432, SQLSERVER = 1433 }
{% endif %}

  # The looked-up targets: where they answer, and the security groups that admit them.
  connect_services = merge(
    {},
{% if "rds" in kinds %}
    {
      for id, db in data.aws_db_instance.connect : "rds:${id}" => {
        address = db.address
        port    = db.port
        groups  = tolist(db.vpc_security_groups)
      }
    },
{% endif %}
{% if "rds-proxy" in kinds %}
    {
      for name, proxy in data.aws_db_proxy.connect : "rds-proxy:${name}" => {
        address = proxy.endpoint
        port    = lookup(local.proxy_ports, proxy.engine_family, 0)
        groups  = sort(proxy.vpc_security_group_ids)
      }
    },
{% endif %}
{% if "elasticache" in kinds %}
    {
      for id, cache in data.aws_elasticache_replication_group.connect : "elasticache:${id}" => {
        # Cluster mode enabled answers at its configuration endpoint, disabled at its primary.
        address = try(coalesce(cache.configuration_endpoint_address, cache.primary_endpoint_address), "")
        port    = cache.port
        groups  = sort(data.aws_elasticache_cluster.connect[id].security_group_ids)
      }
    },
{% endif %}
  )

  # Each target's security group and port: a looked-up target's first group. AWS admits
  # traffic that any one of an interface's groups admits, so one rule does, and a group
  # the target shares with others (an administrators' group on every database) stays as it is.
  connect_peers = merge(
    { for target, found in local.connect_groups : target => { groups = [found.peer], port = found.port } },
    { for target, found in local.connect_services : target => { groups = slice(found.groups, 0, min(1, length(found.groups))), port = found.port } },
  )

  # The function's groups, keyed by what is known at plan: the dedicated group is created
  # with the project, so its ID is not. A function on another's groups has no targets.
  function_groups = (
    length(var.shared_security_group_ids) > 0
    ? {}
    : length(var.security_group_ids) > 0
    ? { for id in var.security_group_ids : id => id }
    : { function = aws_security_group.this[0].id }
  )

  # One rule per group, port and function group, however many targets share them (an RDS
  # Proxy and its database may share a group and a port): AWS refuses a rule twice.
  connect_pairs = distinct(flatten([
    for peer in values(local.connect_peers) : [for group in peer.groups : { group = group, port = peer.port }]
  ]))
  connect_egress = { for pair in local.connect_pairs : "${pair.group}:${pair.port}" => pair }
  connect_ingress = var.connect_ingress ? merge([
    for pair in local.connect_pairs : {
      for own, own_id in local.function_groups : "${pair.group}:${pair.port} ${own}" => merge(pair, {
        function = own_id
        targets  = join(", ", sort([for target, peer in local.connect_peers : target if contains(peer.groups, pair.group) && peer.port == pair.port]))
      })
    }
  ]...) : {}

  # The targets, and the groups they name, that are not in the project's VPC.
  connect_elsewhere = concat(
{% if "rds" in kinds %}
    [for id, group in data.aws_db_subnet_group.connect : "rds:${id} is in ${group.vpc_id}" if group.vpc_id != var.vpc_id],
{% endif %}
{% if "rds-proxy" in kinds %}
    [for name, proxy in data.aws_db_proxy.connect : "rds-proxy:${name} is in ${proxy.vpc_id}" if proxy.vpc_id != var.vpc_id],
{% endif %}
{% if "elasticache" in kinds %}
    [for id, group in data.aws_elasticache_subnet_group.connect : "elasticache:${id} is in ${group.vpc_id}" if group.vpc_id != var.vpc_id],
{% endif %}
    [for id, group in data.aws_security_group.connect : "security group ${id} is in ${group.vpc_id}" if group.vpc_id != var.vpc_id],
  )

  # Where the handler probes each target (no address for a group or a block).
  probe_targets = merge(
    { for target in keys(local.connect_ports) : target => "" },
    { for target, found in local.connect_services : target => "${found.address}:${found.port}" },
  )
}

{% if "rds" in kinds %}
data "aws_db_instance" "connect" {
  for_each = local.connect_rds

  db_instance_identifier = each.key

  lifecycle {
    postcondition {
      condition     = length(self.vpc_security_groups) > 0
      error_message = "rds:${each.key} has no VPC security group to admit the function."
    }
  }
}

data "aws_db_subnet_group" "connect" {
  for_each = local.connect_rds

  name = data.aws_db_instance.connect[each.key].db_subnet_group
}

{% endif %}
{% if "rds-proxy" in kinds %}
data "aws_db_proxy" "connect" {
  for_each = local.connect_rds_proxies

  name = each.key

  lifecycle {
    postcondition {
      condition     = length(self.vpc_security_group_ids) > 0 && contains(keys(local.proxy_ports), self.engine_family)
      error_message = "rds-proxy:${each.key} has no VPC security group, or an engine family (${self.engine_family}) whose port is not known."
    }
  }
}

{% endif %}
{% if "elasticache" in kinds %}
data "aws_elasticache_replication_group" "connect" {
  for_each = local.connect_caches

  replication_group_id = each.key
}

# The replication group's security groups and subnets are its clusters'.
data "aws_elasticache_cluster" "connect" {
  for_each = local.connect_caches

  cluster_id = sort(data.aws_elasticache_replication_group.connect[each.key].member_clusters)[0]

  lifecycle {
    postcondition {
      condition     = length(self.security_group_ids) > 0
      error_message = "elasticache:${each.key} has no security group to admit the function (a cache outside a VPC cannot be reached from one)."
    }
  }
}

data "aws_elasticache_subnet_group" "connect" {
  for_each = local.connect_caches

  name = data.aws_elasticache_cluster.connect[each.key].subnet_group_name
}

{% endif %}
# Every security group a rule names: a missing one fails the plan here, by its ID.
data "aws_security_group" "connect" {
  for_each = toset(flatten([for peer in values(local.connect_peers) : peer.groups]))

  id = each.key
}

# Every target in this project's VPC: AWS refers to a group of another VPC only through a
# peering connection, and a function reaches a peered network by its block (CIDR:PORT).
# Judged here, not in the data sources' postconditions: a data source whose conditions
# named the VPC of a new network would be read only at apply, and its groups' rules could
# not be planned.
resource "terraform_data" "connect_in_the_vpc" {
  count = length(local.connect_peers) > 0 ? 1 : 0

  input = sort(keys(local.connect_peers))

  lifecycle {
    precondition {
      condition     = length(local.connect_elsewhere) == 0
      error_message = "Connect targets outside this project's VPC ${var.vpc_id}: ${join("; ", local.connect_elsewhere)}. Reach a peered VPC by its block (CIDR:PORT)."
    }
  }
}

# The function's groups: a change of them (a new group replacing the dedicated one)
# replaces the rules that admit them, new before old.
resource "terraform_data" "connect_function_groups" {
  input = sort(values(local.function_groups))
}

# The target's side: its group admits the function's on the target's port.
resource "aws_vpc_security_group_ingress_rule" "connect" {
  for_each = local.connect_ingress

  security_group_id            = data.aws_security_group.connect[each.value.group].id
  description                  = substr("Lambda function ${var.name} to ${each.value.targets}", 0, 255)
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.function

  tags = merge({ Name = "${var.name}-function" }, var.tags)

  lifecycle {
    # When the function's group is replaced, a new rule admits the new group before the
    # rule of the old one goes: the function (which depends on these rules) moves to the
    # new group in between, and its running instances keep their connections meanwhile.
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.connect_function_groups]
  }

  # Never a rule on a group of another VPC: the check comes first.
  depends_on = [terraform_data.connect_in_the_vpc]
}

{% if "secret" in kinds %}
data "aws_secretsmanager_secret" "connect" {
  for_each = local.connect_secrets

  arn = each.key
}

# The role may read each secret, and decrypt it with the secret's customer managed key only
# through Secrets Manager (kms:ViaService) and only for these secrets (Secrets Manager
# gives KMS the secret's ARN as encryption context: Secrets Manager user guide, "Secret
# encryption and decryption"). Named by condition, not by the key's ARN: the key may be
# another account's, whose key this project need not be able to describe. With the AWS
# managed key aws/secretsmanager, GetSecretValue alone is enough.
locals {
  # The connected secrets a customer managed key encrypts (DescribeSecret omits the key
  # of the AWS managed aws/secretsmanager).
  connect_secrets_of_own_keys = sort([
    for secret in data.aws_secretsmanager_secret.connect : secret.arn if secret.kms_key_id != null && secret.kms_key_id != ""
  ])
}

data "aws_iam_policy_document" "connect_secrets" {
  count = length(local.connect_secrets) > 0 ? 1 : 0

  statement {
    sid       = "ReadConnectedSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = sort([for secret in data.aws_secretsmanager_secret.connect : secret.arn])
  }

  dynamic "statement" {
    for_each = length(local.connect_secrets_of_own_keys) > 0 ? [local.connect_secrets_of_own_keys] : []

    content {
      sid       = "DecryptThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:SecretARN"
        values   = statement.value
      }
    }
  }
}

resource "aws_iam_role_policy" "connect_secrets" {
  count = length(local.connect_secrets) > 0 ? 1 : 0

  name   = "connected-secrets"
  role   = var.role_name
  policy = data.aws_iam_policy_document.connect_secrets[0].json
}
{% endif %}
