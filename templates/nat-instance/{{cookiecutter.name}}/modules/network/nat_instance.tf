# NAT instances (--nat instance or instance-per-az): one per public subnet, each an auto scaling group
# of one. The private route tables point at a network interface that outlives the
# instances (aws_network_interface.nat_instance); every instance the group launches
# attaches it at boot, so a replacement takes over the same routes with no one touching
# them. Operators reach an instance through Session Manager: no SSH, no key pair, and its
# group admits nothing from the internet.

locals {
  # AL2023's public SSM parameter for the instance type's architecture: AWS publishes the
  # current image there, so the launch template follows it at every apply.
  nat_instance_architecture = contains(data.aws_ec2_instance_type.nat.supported_architectures, "arm64") ? "arm64" : "x86_64"
}

data "aws_ec2_instance_type" "nat" {
  instance_type = var.nat_instance_type
}

# Where EC2 offers the type: not every zone offers every family.
data "aws_ec2_instance_type_offerings" "nat" {
  location_type = "availability-zone"

  filter {
    name   = "instance-type"
    values = [var.nat_instance_type]
  }
}

data "aws_ssm_parameter" "nat_instance_ami" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${local.nat_instance_architecture}"
}

resource "aws_security_group" "nat_instance" {
  name_prefix = "${var.name}-nat-"
  description = "NAT instances of ${var.name}: HTTPS from the private subnets in, HTTPS out"
  vpc_id      = aws_vpc.this.id

  # HTTPS is all the function's own group sends to the internet; to let it send more,
  # open the same port here too.
  ingress {
    description = "HTTPS the private subnets send to the internet through NAT"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = values(var.private_subnets)
  }

  egress {
    description = "HTTPS forwarded to the internet, and the instances calls to AWS APIs and package repositories"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  # A forwarded connection's replies leave by the instance's own interface, which did not
  # see the connection arrive (it came in on the NAT interface): security groups track
  # connections per interface, so the replies need a rule of their own.
  egress {
    description = "Replies to the private subnets connections, which leave by the instance interface"
    from_port   = 1024
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = values(var.private_subnets)
  }

  tags = merge({ Name = "${var.name}-nat" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

# The interface the private route tables send 0.0.0.0/0 to. Source/destination check is
# off: it receives packets addressed to the internet.
resource "aws_network_interface" "nat_instance" {
  for_each = var.public_subnets

  subnet_id         = aws_subnet.public[each.key].id
  security_groups   = [aws_security_group.nat_instance.id]
  source_dest_check = false
  description       = "NAT for the private subnets of ${var.name}: private route tables point here"

  tags = merge({ Name = "${var.name}-nat-${each.key}" }, var.tags, { NatFor = var.name })
}

data "aws_iam_policy_document" "nat_instance_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "nat_instance" {
  name                 = "${var.name}-nat-${var.region}"
  path                 = "/vpc-lambda-new/${var.name}/"
  description          = "NAT instances of ${var.name} in ${var.region}: take over their interface at boot, Session Manager"
  assume_role_policy   = data.aws_iam_policy_document.nat_instance_assume_role.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

data "aws_iam_policy_document" "nat_instance" {
  # At boot: the instance turns off the source/destination check of its own interface
  # and attaches the NAT interface. Both, and the instance, carry NatFor = the project.
  statement {
    sid     = "TakeOverTheNatInterface"
    actions = ["ec2:AttachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]
    resources = [
      "arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:instance/*",
      "arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:network-interface/*",
    ]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/NatFor"
      values   = [var.name]
    }
  }

  statement {
    sid       = "FindTheNatInterface"
    actions   = ["ec2:DescribeNetworkInterfaces"]
    resources = ["*"]
  }

  # When its NAT service keeps failing, an instance reports itself unhealthy to its group.
  statement {
    sid       = "ReportItselfUnhealthy"
    actions   = ["autoscaling:SetInstanceHealth"]
    resources = ["arn:${data.aws_partition.current.partition}:autoscaling:${var.region}:${data.aws_caller_identity.current.account_id}:autoScalingGroup:*:autoScalingGroupName/${var.name}-nat-*"]
  }

  # Session Manager, for operators (the minimum of the Systems Manager user guide's
  # "Create a custom IAM role for Session Manager"): the agent registers the instance
  # and opens the session channels.
  statement {
    sid       = "RegisterWithSessionManager"
    actions   = ["ssm:UpdateInstanceInformation"]
    resources = ["arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:instance/*"]
  }

  # The session channels name no resource: ssmmessages has no resource types.
  statement {
    sid = "SessionManagerChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "nat_instance" {
  name   = "nat-interface"
  role   = aws_iam_role.nat_instance.id
  policy = data.aws_iam_policy_document.nat_instance.json
}

resource "aws_iam_instance_profile" "nat_instance" {
  name = "${var.name}-nat-${var.region}"
  path = "/vpc-lambda-new/${var.name}/"
  role = aws_iam_role.nat_instance.name

  tags = var.tags
}

resource "aws_launch_template" "nat_instance" {
  # checkov:skip=CKV_AWS_88: a NAT instance reaches the internet gateway with its own public IPv4 address; its group admits nothing from the internet.
  for_each = var.public_subnets

  name_prefix            = "${var.name}-nat-${each.key}-"
  description            = "NAT instance of ${var.name} in ${each.key}"
  image_id               = data.aws_ssm_parameter.nat_instance_ami.insecure_value
  instance_type          = var.nat_instance_type
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.nat_instance.arn
  }

  # The instance's own interface, in the same public subnet: its public IPv4 address
  # carries the forwarded traffic to the internet gateway.
  network_interfaces {
    device_index                = 0
    associate_public_ip_address = true
    security_groups             = [aws_security_group.nat_instance.id]
    delete_on_termination       = true
  }

  # The root volume, as the cost estimate counts it: 8 GB gp3, encrypted.
  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 8
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  monitoring {
    enabled = false
  }

  user_data = base64encode(templatefile("${path.module}/nat_instance.sh", {
    interface_id = aws_network_interface.nat_instance[each.key].id
    region       = var.region
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = merge({ Name = "${var.name}-nat-${each.key}" }, var.tags, { NatFor = var.name })
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = merge({ Name = "${var.name}-nat-${each.key}-own" }, var.tags, { NatFor = var.name })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge({ Name = "${var.name}-nat-${each.key}" }, var.tags)
  }

  tags = merge({ Name = "${var.name}-nat-${each.key}" }, var.tags)
}

resource "aws_autoscaling_group" "nat_instance" {
  for_each = var.public_subnets

  name_prefix         = "${var.name}-nat-${each.key}-"
  min_size            = 1
  max_size            = 1
  desired_capacity    = 1
  vpc_zone_identifier = [aws_subnet.public[each.key].id]
  health_check_type   = "EC2"

  # A new image or type reaches the next instance the group launches.
  launch_template {
    id      = aws_launch_template.nat_instance[each.key].id
    version = "$Latest"
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-nat-${each.key}"
    propagate_at_launch = false
  }

  dynamic "tag" {
    for_each = merge(var.tags, { Project = var.name })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = false
    }
  }

  lifecycle {
    precondition {
      condition     = contains(data.aws_ec2_instance_type_offerings.nat.locations, aws_subnet.public[each.key].availability_zone)
      error_message = "EC2 does not offer ${var.nat_instance_type} in ${aws_subnet.public[each.key].availability_zone} (the public subnet ${each.key}); ${length(data.aws_ec2_instance_type_offerings.nat.locations) > 0 ? "it does in ${join(", ", sort(data.aws_ec2_instance_type_offerings.nat.locations))}" : "nor in any zone of ${var.region}: is the type spelled right?"}. Choose another nat_instance_type, or pin availability_zones that offer it."
    }
  }

  depends_on = [aws_route_table_association.public, aws_route.public_internet, aws_iam_role_policy.nat_instance]
}
