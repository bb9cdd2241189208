data "aws_availability_zones" "available" {
  # checkov:skip=CKV_AWS_394: AZ names differ per account, so they cannot be pinned at generation; set var.availability_zones to pin them (by name, or by AZ ID, the same in every account). Subnets are keyed az1..azN, and impaired zones are not filtered out, so no index ever shifts.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  lifecycle {
    postcondition {
      condition     = alltrue([for zone in var.availability_zones : contains(concat(self.names, self.zone_ids), zone)])
      error_message = "availability_zones pins ${join(", ", [for zone in var.availability_zones : zone if !contains(concat(self.names, self.zone_ids), zone)])}, not a standard availability zone of ${var.region} in this account; its zones are ${join(", ", [for index, name in self.names : "${name} (${self.zone_ids[index]})"])}."
    }
    postcondition {
      condition     = length(distinct([for zone in var.availability_zones : try(self.names[index(self.zone_ids, zone)], zone)])) == length(var.availability_zones)
      error_message = "availability_zones names one zone twice, by its name and by its AZ ID; pin each zone once."
    }
    postcondition {
      condition     = length(var.availability_zones) > 0 || length(self.names) >= length(var.private_subnets)
      error_message = "This region has fewer availability zones than private subnets; remove entries from private_subnets."
    }
  }
}

locals {
  # azN is the Nth zone of var.availability_zones (an AZ ID stands for the zone this
  # account names by it), or else the Nth zone of the region: keys stay stable when
  # subnets are added or removed. Not the zones the interface endpoint services happen to
  # be offered in: that list changes with the services chosen and as AWS extends them,
  # and a subnet's zone cannot change without replacing it. A zone a chosen service lacks
  # fails the plan instead, naming the zone and the service (endpoints.tf).
  zone_names_by_id = zipmap(data.aws_availability_zones.available.zone_ids, data.aws_availability_zones.available.names)
  zone_ids_by_name = zipmap(data.aws_availability_zones.available.names, data.aws_availability_zones.available.zone_ids)
  zone_names       = length(var.availability_zones) > 0 ? [for zone in var.availability_zones : strcontains(zone, "-az") ? local.zone_names_by_id[zone] : zone] : data.aws_availability_zones.available.names
  az_names         = { for index, key in sort(keys(var.private_subnets)) : key => local.zone_names[index] }
  # The /64 of subnet azN is numbered from N, never from its position, so adding
  # an AZ later renumbers nothing: private azN takes N-1, public azN takes 128+N-1.
  ipv6_netnums = { for key in keys(var.private_subnets) : key => tonumber(trimprefix(key, "az")) - 1 }

  vpc_id          = aws_vpc.this.id
  vpc_cidrs       = [aws_vpc.this.cidr_block]
  vpc_ipv6_cidrs  = var.enable_ipv6 ? [aws_vpc.this.ipv6_cidr_block] : []
  private_subnets = [for key in sort(keys(var.private_subnets)) : aws_subnet.private[key]]
  # Only this project's endpoints route its own route tables.
  gateway_prefix_list_ids = [for endpoint in aws_vpc_endpoint.gateway : endpoint.prefix_list_id]
}

resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
  # Lambda cannot attach to a VPC with dedicated instance tenancy.
  instance_tenancy = "default"
  # Gateway and interface endpoints resolve through the VPC's DNS.
  enable_dns_support               = true
  enable_dns_hostnames             = true
  assign_generated_ipv6_cidr_block = var.enable_ipv6

  tags = merge({ Name = var.name }, var.tags)
}

# Declared with no rules so Terraform strips the default ones: nothing can lean
# on the default security group by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge({ Name = "${var.name}-default-locked" }, var.tags)
}

# Lambda releases its interfaces in the subnets with the function's role, long after
# the function is gone: the subnets (whose deletion waits for that) go before the role's
# network-interface permissions.
resource "terraform_data" "network_interface_grant" {
  input = var.network_interface_grant
}

resource "aws_subnet" "private" {
  for_each = var.private_subnets

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value
  ipv6_cidr_block         = var.enable_ipv6 ? cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, local.ipv6_netnums[each.key]) : null
  availability_zone       = local.az_names[each.key]
  map_public_ip_on_launch = false

  tags = merge({ Name = "${var.name}-private-${each.key}", Tier = "private" }, var.tags)

  depends_on = [terraform_data.network_interface_grant]
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs encrypts every log group at rest; a customer-managed key would need a key policy this project cannot write for you.
  count = var.enable_flow_logs ? 1 : 0

  name              = "/aws/vpc-flow-logs/${var.name}"
  retention_in_days = var.flow_log_retention_days

  tags = var.tags
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The role, its trust and its permissions as the VPC user guide gives them ("IAM role for
# publishing flow logs to CloudWatch Logs"), scoped to this project's own log group:
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
data "aws_iam_policy_document" "flow_logs_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    # Only on behalf of this account's flow logs in this region (the confused-deputy guard
    # the guide recommends). A flow log's ID exists only once it is created, with this
    # role already named: hence the wildcard the guide allows for it.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*"]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  # Role names are global to the account: the region keeps two deployments apart.
  name                 = "${var.name}-flowlogs-${var.region}"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "Lets VPC flow logs of ${var.name} in ${var.region} write to their own log group"
  assume_role_policy   = data.aws_iam_policy_document.flow_logs_assume_role.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

data "aws_iam_policy_document" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs[0].arn}:*"]
  }

  statement {
    sid     = "FindLogGroups"
    actions = ["logs:DescribeLogGroups"]
    # Part of the guide's minimum; DescribeLogGroups takes no resource, so it cannot be scoped.
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name   = "flow-logs"
  role   = aws_iam_role.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs[0].json
}

resource "aws_flow_log" "this" {
  count = var.enable_flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 60

  tags = merge({ Name = var.name }, var.tags)

  depends_on = [aws_iam_role_policy.flow_logs]
}
