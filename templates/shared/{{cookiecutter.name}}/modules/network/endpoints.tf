data "aws_region" "current" {}

resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(var.gateway_endpoints)

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type = "Gateway"
  # Private route tables only: public subnets reach these services through the internet gateway.
  route_table_ids = local.private_route_table_ids
  policy          = lookup(var.gateway_endpoint_policies, each.key, null)

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags)
}

resource "aws_security_group" "endpoints" {
  count = length(var.interface_endpoints) > 0 ? 1 : 0

  name        = "${var.name}-endpoints"
  description = "Interface endpoints of ${var.name}: HTTPS from the function only"
  vpc_id      = local.vpc_id

  ingress {
    description     = "HTTPS from the Lambda function"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = var.endpoint_client_security_group_ids
  }

  tags = merge({ Name = "${var.name}-endpoints" }, var.tags)
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.private_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags)
}
