resource "aws_security_group" "this" {
  # checkov:skip=CKV2_AWS_5: attached to the function's vpc_config through local.security_group_ids, which the scanner's graph does not follow.
  count = length(var.security_group_ids) > 0 || length(var.shared_security_group_ids) > 0 ? 0 : 1

  # A prefix, not a fixed name: a replacement is created before the old group is
  # deleted, and the old one stays busy while Lambda releases its interfaces.
  name_prefix = "${var.name}-function-"
  description = "Lambda function ${var.name}: no inbound; outbound only where it needs to go"
  vpc_id      = var.vpc_id

  egress {
    description      = "Private resources and interface endpoints inside the VPC"
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = var.vpc_cidrs
    ipv6_cidr_blocks = var.vpc_ipv6_cidrs
  }

  dynamic "egress" {
    for_each = var.gateway_prefix_list_ids

    content {
      description     = "HTTPS to S3 or DynamoDB through its gateway endpoint"
      from_port       = 443
      to_port         = 443
      protocol        = "tcp"
      prefix_list_ids = [egress.value]
    }
  }

  dynamic "egress" {
    for_each = var.internet_egress ? ["0.0.0.0/0"] : []

    content {
      description = "HTTPS to the internet through NAT"
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      cidr_blocks = [egress.value]
    }
  }

  dynamic "egress" {
    for_each = var.ipv6_internet_egress ? ["::/0"] : []

    content {
      description      = "HTTPS to the internet over IPv6 through the egress-only internet gateway"
      from_port        = 443
      to_port          = 443
      protocol         = "tcp"
      ipv6_cidr_blocks = [egress.value]
    }
  }

  dynamic "egress" {
    for_each = var.additional_egress_cidrs

    content {
      description      = "Extra destination from var.additional_egress_cidrs"
      from_port        = 0
      to_port          = 0
      protocol         = "-1"
      cidr_blocks      = strcontains(egress.value, ":") ? [] : [egress.value]
      ipv6_cidr_blocks = strcontains(egress.value, ":") ? [egress.value] : []
    }
  }

{% if cookiecutter.connect_layer %}
  # The connect targets (connect.tf): each target's security group on its port, and each
  # block on its port.
  dynamic "egress" {
    for_each = local.connect_egress

    content {
      description     = "To a connect target on its port"
      from_port       = egress.value.port
      to_port         = egress.value.port
      protocol        = "tcp"
      security_groups = [egress.value.group]
    }
  }

  dynamic "egress" {
    for_each = local.connect_cidrs

    content {
      description      = "To the connect target ${egress.key}"
      from_port        = egress.value.port
      to_port          = egress.value.port
      protocol         = "tcp"
      cidr_blocks      = strcontains(egress.value.peer, ":") ? [] : [egress.value.peer]
      ipv6_cidr_blocks = strcontains(egress.value.peer, ":") ? [egress.value.peer] : []
    }
  }

{% endif %}
  tags = merge({ Name = "${var.name}-function" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }

  # Deleted before the permissions Lambda needs to release its interfaces.
{% if cookiecutter.connect_layer %}
  # Created once the connect targets are known to be in the VPC (connect.tf): AWS refers
  # to a group of another VPC only through peering.
  depends_on = [terraform_data.network_interface_grant, terraform_data.connect_in_the_vpc]
{% else %}
  depends_on = [terraform_data.network_interface_grant]
{% endif %}
}

# On destroy the function is first moved to this group (replace_security_groups_on_destroy),
# so Lambda starts releasing the interfaces of its own group while the function still
# exists; that group stays busy until they are released, as Lambda also creates
# interfaces for this one (https://github.com/hashicorp/terraform-provider-aws/pull/37624).
# This one has no rules, exists exactly as long as the function, and its deletion waits
# until Lambda has released the interfaces it holds (with security groups of your own,
# every interface of the function holds it too): the execution role, which Lambda uses to
# delete them, outlives that wait.
resource "aws_security_group" "released" {
  name_prefix = "${var.name}-released-"
  description = "Holds the network interfaces of Lambda function ${var.name} while they are released on destroy; no rules"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-released" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [terraform_data.network_interface_grant]
}
