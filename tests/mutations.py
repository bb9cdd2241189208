"""Realistic rule-breaking edits to the templates, each naming the rule that must catch it.

Each edit is made to a copy of `templates/` (never to generated output), the kind of
change a maintainer or a user could make: swapped references, slices, inverted
conditions, widened CIDRs, split default routes, dynamic blocks, wrong associations.
tests/test_mutations.py generates a project from the edited copy, plans it against the
emulator and asserts that `vpc-lambda-new check --plan` names the rule.

`without_plan` says whether `check` without a plan (the configuration alone) names it
too; where it is False the configuration alone cannot know (the AZs a region lists,
the routes of a network that exists), and check says so instead of passing.
"""

from __future__ import annotations

from dataclasses import dataclass

NAME = "{{cookiecutter.name}}"
NEW_VPC = f"vpc-new/{NAME}/modules/network/main.tf"
PRIVATE_ROUTES = f"vpc-private/{NAME}/modules/network/routes.tf"
NAT_ROUTES = f"vpc-privatepublic/{NAME}/modules/network/routes.tf"
ENDPOINTS = f"shared/{NAME}/modules/network/endpoints.tf"
FUNCTION = f"shared/{NAME}/modules/function/main.tf"
FUNCTION_GROUPS = f"shared/{NAME}/modules/function/security_groups.tf"
FUNCTION_IAM = f"shared/{NAME}/modules/function/iam.tf"
ROLE = f"shared/{NAME}/modules/execution_role/main.tf"
ROOT = f"shared/{NAME}/main.tf"
NAT_INSTANCE = f"nat-instance/{NAME}/modules/network/nat_instance.tf"
CONNECT = f"connect/{NAME}/modules/function/connect.tf"
PYTHON_HANDLER = f"handler-python/{NAME}/src/handler.py"

# Topology existing: the harness fills in the IDs of a network it builds (or, without a
# plan, IDs that need not exist).
EXISTING = ("{existing}", "--endpoints", "s3,sts")
PRIVATE = ("--endpoints", "s3,dynamodb,sts")
NAT_SINGLE = ("--topology", "private-nat", "--azs", "2", "--endpoints", "s3,sts")
NAT_PER_AZ = (
    "--topology", "private-nat", "--nat", "per-az", "--azs", "3",
    "--endpoints", "s3,dynamodb,sts", "--ipv6",
)  # fmt: skip
NAT_INSTANCES = ("--topology", "private-nat", "--nat", "instance-per-az", "--azs", "2", "--endpoints", "s3")
# An existing network with a security group of its own in it ({group}) to connect to.
EXISTING_CONNECTED = ("{existing}", "--endpoints", "s3", "--connect", "{group}:5432")


@dataclass(frozen=True)
class Mutation:
    id: str
    rule: str  # the rule `check --plan` must name
    file: str  # relative to templates/
    old: str
    new: str
    flags: tuple[str, ...]
    without_plan: bool = True
    # Whether the project's own `terraform test` (tests/guide.tftest.hcl, mocked provider)
    # fails on it; where it does not, `check` is what catches it.
    terraform_test: bool = False
    also: tuple[tuple[str, str], ...] = ()  # more (old, new) edits of the same file, every occurrence
    # The hop `vpc-lambda-new explain` must name as missing (rule reachable).
    hop: str = ""
    elsewhere: tuple[tuple[str, str, str], ...] = ()  # (file, old, new) edits of other files


MUTATIONS = [
    # What the function reaches (rule reachable; `explain` names the missing hop).
    Mutation(
        "reach-sts-endpoint-dropped",
        "reachable",
        ENDPOINTS,
        'resource "aws_vpc_endpoint" "interface" {\n  for_each = toset(var.interface_endpoints)\n',
        'resource "aws_vpc_endpoint" "interface" {\n  for_each = toset([for service in var.interface_endpoints : service if service != "sts"])\n',
        PRIVATE,
        terraform_test=True,
        hop="endpoint",
    ),
    Mutation(
        "reach-sts-endpoint-private-dns-off",
        "reachable",
        ENDPOINTS,
        '  private_dns_enabled = each.key != "execute-api" || var.execute_api_private_dns\n',
        '  private_dns_enabled = each.key == "execute-api" && var.execute_api_private_dns\n',
        PRIVATE,
        terraform_test=True,
        hop="endpoint",
    ),
    Mutation(
        "reach-nat-route-dropped",
        "reachable",
        NAT_ROUTES,
        'resource "aws_route" "private_nat" {\n  for_each = var.public_subnets\n',
        'resource "aws_route" "private_nat" {\n  for_each = {}\n',
        NAT_SINGLE,
        terraform_test=True,
        hop="route",
    ),
    Mutation(
        "reach-https-egress-dropped",
        "reachable",
        FUNCTION_GROUPS,
        '    for_each = var.internet_egress ? ["0.0.0.0/0"] : []\n',
        "    for_each = []\n",
        NAT_SINGLE,
        hop="egress",
    ),
    Mutation(
        "reach-target-ingress-dropped",
        "reachable",
        CONNECT,
        "  for_each = local.connect_ingress\n",
        "  for_each = {}\n",
        EXISTING_CONNECTED,
        without_plan=False,  # the target's rules are known only to a plan
        hop="ingress",
    ),
    Mutation(
        "reach-prefix-list-rule-dropped",
        "reachable",
        FUNCTION_GROUPS,
        "    for_each = var.gateway_prefix_list_ids\n",
        "    for_each = []\n",
        PRIVATE,
        hop="egress",
        elsewhere=((PYTHON_HANDLER, "def handler(event, context):\n", 'BUCKETS = boto3.client("s3")\n\n\ndef handler(event, context):\n'),),
    ),
    # NAT instances (--nat instance, instance-per-az).
    Mutation(
        "nat-instance-interface-checks-source-and-destination",
        "nat-instance-forwarding",
        NAT_INSTANCE,
        "  source_dest_check = false\n",
        "  source_dest_check = true\n",
        NAT_INSTANCES,
        terraform_test=True,
    ),
    Mutation(
        "nat-instance-interface-in-private-subnets",
        "nat-placement",
        NAT_INSTANCE,
        "  subnet_id         = aws_subnet.public[each.key].id\n",
        "  subnet_id         = aws_subnet.private[each.key].id\n",
        NAT_INSTANCES,
        terraform_test=True,
    ),
    Mutation(
        "nat-instance-route-swapped-to-internet-gateway",
        "private-subnets",
        NAT_ROUTES,
        "  network_interface_id   = aws_network_interface.nat_instance[each.key].id\n",
        "  gateway_id             = aws_internet_gateway.this.id\n",
        NAT_INSTANCES,
        terraform_test=True,
    ),
    Mutation(
        "nat-instance-per-az-crossed",
        "nat-per-az",
        NAT_ROUTES,
        "  network_interface_id   = aws_network_interface.nat_instance[each.key].id\n",
        "  network_interface_id   = aws_network_interface.nat_instance[element(reverse(sort(keys(var.public_subnets))), index(sort(keys(var.public_subnets)), each.key))].id\n",
        NAT_INSTANCES,
        terraform_test=True,
    ),
    Mutation(
        "private-table-dynamic-default-route",
        "private-subnets",
        PRIVATE_ROUTES,
        'resource "aws_route_table" "private" {\n  vpc_id = aws_vpc.this.id\n',
        'resource "aws_internet_gateway" "this" {\n  vpc_id = aws_vpc.this.id\n}\n\n'
        'resource "aws_route_table" "private" {\n  vpc_id = aws_vpc.this.id\n\n'
        '  dynamic "route" {\n    for_each = var.enable_flow_logs ? [] : ["0.0.0.0/0"]\n\n'
        "    content {\n      cidr_block = route.value\n"
        "      gateway_id = aws_internet_gateway.this.id\n    }\n  }\n",
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "split-default-route-to-internet-gateway",
        "private-subnets",
        NAT_ROUTES,
        'resource "aws_route" "private_nat" {',
        'resource "aws_route" "private_split" {\n'
        '  for_each = { for pair in setproduct(keys(aws_route_table.private), ["0.0.0.0/1", "128.0.0.0/1"]) : "${pair[0]}-${pair[1]}" => pair }\n\n'
        "  route_table_id         = aws_route_table.private[each.value[0]].id\n"
        "  destination_cidr_block = each.value[1]\n"
        "  gateway_id             = aws_internet_gateway.this.id\n}\n\n"
        'resource "aws_route" "private_nat" {',
        NAT_SINGLE,
    ),
    Mutation(
        "nat-route-swapped-to-internet-gateway",
        "private-subnets",
        NAT_ROUTES,
        "  nat_gateway_id         = aws_nat_gateway.this[each.key].id\n",
        "  gateway_id             = aws_internet_gateway.this.id\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "ipv6-egress-through-internet-gateway",
        "private-subnets",
        NAT_ROUTES,
        "  egress_only_gateway_id      = aws_egress_only_internet_gateway.this[0].id\n",
        "  gateway_id                  = aws_internet_gateway.this.id\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "private-subnets-associated-with-public-table",
        "private-subnets",
        NAT_ROUTES,
        "  route_table_id = aws_route_table.private[local.nat_key_of[each.key]].id\n",
        "  route_table_id = aws_route_table.public.id\n",
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "function-attached-to-public-subnets",
        "private-subnets",
        ROOT,
        "  subnet_ids         = module.network.private_subnet_ids\n",
        "  subnet_ids         = module.network.public_subnet_ids\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "nat-route-only-half-the-internet",
        "internet-through-nat",
        NAT_ROUTES,
        '  route_table_id         = aws_route_table.private[each.key].id\n  destination_cidr_block = "0.0.0.0/0"\n',
        '  route_table_id         = aws_route_table.private[each.key].id\n  destination_cidr_block = "0.0.0.0/1"\n',
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "nat-key-condition-inverted",
        "nat-per-az",
        NAT_ROUTES,
        "contains(keys(var.public_subnets), key) ? key : sort(keys(var.public_subnets))[0]",
        "contains(keys(var.public_subnets), key) ? sort(keys(var.public_subnets))[0] : key",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "nat-routes-in-reversed-tables",
        "nat-per-az",
        NAT_ROUTES,
        "  route_table_id         = aws_route_table.private[each.key].id\n",
        "  route_table_id         = aws_route_table.private[element(reverse(sort(keys(aws_route_table.private))), index(sort(keys(aws_route_table.private)), each.key))].id\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "nat-gateways-in-private-subnets",
        "nat-placement",
        NAT_ROUTES,
        "  allocation_id = aws_eip.nat[each.key].id\n  subnet_id     = aws_subnet.public[each.key].id\n",
        "  allocation_id = aws_eip.nat[each.key].id\n  subnet_id     = aws_subnet.private[each.key].id\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "public-route-narrowed",
        "nat-placement",
        NAT_ROUTES,
        '  route_table_id         = aws_route_table.public.id\n  destination_cidr_block = "0.0.0.0/0"\n',
        '  route_table_id         = aws_route_table.public.id\n  destination_cidr_block = "128.0.0.0/1"\n',
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "private-default-route-to-transit-gateway",
        "private-subnets",
        PRIVATE_ROUTES,
        'resource "aws_route_table_association" "private" {',
        'resource "aws_route" "x" {\n'
        "  route_table_id         = aws_route_table.private.id\n"
        '  destination_cidr_block = "0.0.0.0/0"\n'
        '  transit_gateway_id     = "tgw-0123456789abcdef0"\n}\n\n'
        'resource "aws_route_table_association" "private" {',
        PRIVATE,
    ),
    Mutation(
        "private-inline-ipv6-default-route-to-peering",
        "private-subnets",
        PRIVATE_ROUTES,
        'resource "aws_route_table" "private" {\n  vpc_id = aws_vpc.this.id\n',
        'resource "aws_route_table" "private" {\n  vpc_id = aws_vpc.this.id\n\n'
        "  route {\n"
        '    ipv6_cidr_block           = "::/0"\n'
        '    vpc_peering_connection_id = "pcx-0123456789abcdef0"\n  }\n',
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "private-default-route-to-firewall-endpoint",
        "private-subnets",
        PRIVATE_ROUTES,
        'resource "aws_route_table_association" "private" {',
        'resource "aws_route" "inspection" {\n'
        "  route_table_id         = aws_route_table.private.id\n"
        '  destination_cidr_block = "0.0.0.0/0"\n'
        '  vpc_endpoint_id        = "vpce-0123456789abcdef0"\n}\n\n'
        'resource "aws_route_table_association" "private" {',
        PRIVATE,
    ),
    Mutation(
        "half-the-internet-to-a-transit-gateway-beside-nat",
        "internet-through-nat",
        NAT_ROUTES,
        'resource "aws_route" "private_nat" {',
        'resource "aws_route" "private_tgw" {\n'
        "  for_each = aws_route_table.private\n\n"
        "  route_table_id         = each.value.id\n"
        '  destination_cidr_block = "128.0.0.0/1"\n'
        '  transit_gateway_id     = "tgw-0123456789abcdef0"\n}\n\n'
        'resource "aws_route" "private_nat" {',
        NAT_SINGLE,
    ),
    Mutation(
        "eni-policy-with-logging-document",
        "eni-permissions",
        ROLE,
        "  policy = data.aws_iam_policy_document.network_interfaces.json\n",
        # The role module's other document: the network-interface actions are gone.
        "  policy = data.aws_iam_policy_document.assume_role.json\n",
        PRIVATE,
    ),
    Mutation(
        "eni-action-swapped",
        "eni-permissions",
        ROLE,
        '      "ec2:DeleteNetworkInterface",\n',
        '      "ec2:DetachNetworkInterface",\n',
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "eni-actions-of-the-old-guide",
        "eni-permissions",
        ROLE,
        '      "ec2:DescribeSubnets",\n      "ec2:DeleteNetworkInterface",\n'
        '      "ec2:AssignPrivateIpAddresses",\n      "ec2:UnassignPrivateIpAddresses",\n',
        '      "ec2:DeleteNetworkInterface",\n',
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "managed-policy-swapped",
        "eni-permissions",
        ROLE,
        "policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "policy/service-role/AWSLambdaBasicExecutionRole",
        (*PRIVATE, "--iam", "managed"),
        terraform_test=True,
    ),
    Mutation(
        # The function depends on the grant through its depends_on, through its replacement
        # group's, and (in a new VPC) through its subnets: every path must go. Attached to
        # subnets that exist, "depend on the role, not on its policy" cuts them all.
        "function-depends-on-the-role-not-the-grant",
        "eni-depends-on",
        ROOT,
        "  role_name               = module.execution_role.role_name\n"
        '  network_interface_grant = {{ "local.network_interface_grants" if cookiecutter.functions else "module.execution_role.network_interface_grant" }}\n',
        "  role_name               = module.execution_role.role_name\n"
        "  network_interface_grant = module.execution_role.role_name\n",
        EXISTING,
    ),
    Mutation(
        "subnets-released-after-the-grant",
        "network-outlives-grant",
        NEW_VPC,
        "  depends_on = [terraform_data.network_interface_grant]\n",
        "  depends_on = [aws_vpc.this]\n",
        NAT_SINGLE,
    ),
    Mutation(
        "function-group-released-after-the-grant",
        "network-outlives-grant",
        FUNCTION_GROUPS,
        "{% else %}\n  depends_on = [terraform_data.network_interface_grant]\n{% endif %}\n",
        "{% else %}\n  depends_on = [aws_cloudwatch_log_group.this]\n{% endif %}\n",
        PRIVATE,
    ),
    Mutation(
        "replacement-condition-inverted",
        "replacement-security-group",
        FUNCTION,
        "  replace_security_groups_on_destroy = var.attach_to_vpc && length(var.shared_security_group_ids) == 0\n",
        "  replace_security_groups_on_destroy = !var.attach_to_vpc && length(var.shared_security_group_ids) == 0\n",
        PRIVATE,
    ),
    Mutation(
        "replacement-is-the-function-group",
        "replacement-security-group",
        FUNCTION,
        "length(var.shared_security_group_ids) == 0 ? [aws_security_group.released.id] : null",
        "length(var.shared_security_group_ids) == 0 ? local.security_group_ids : null",
        NAT_SINGLE,
    ),
    Mutation(
        "default-group-locked-only-with-flow-logs",
        "default-security-group",
        NEW_VPC,
        'resource "aws_default_security_group" "this" {\n',
        'resource "aws_default_security_group" "this" {\n  count = var.enable_flow_logs ? 1 : 0\n\n',
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "default-group-admits-its-members",
        "default-security-group",
        NEW_VPC,
        '  tags = merge({ Name = "${var.name}-default-locked" }, var.tags)\n',
        "  ingress {\n    protocol  = -1\n    self      = true\n    from_port = 0\n    to_port   = 0\n  }\n\n"
        '  tags = merge({ Name = "${var.name}-default-locked" }, var.tags)\n',
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "gateway-endpoints-on-a-slice-of-the-tables",
        "gateway-endpoints",
        ENDPOINTS,
        "  route_table_ids = local.private_route_table_ids\n",
        "  route_table_ids = slice(local.private_route_table_ids, 0, 1)\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "gateway-endpoints-on-the-public-table-too",
        "gateway-endpoints",
        ENDPOINTS,
        "  route_table_ids = local.private_route_table_ids\n",
        "  route_table_ids = concat(local.private_route_table_ids, [aws_route_table.public.id])\n",
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "private-dns-on-a-condition",
        "interface-endpoints",
        ENDPOINTS,
        '  private_dns_enabled = each.key != "execute-api" || var.execute_api_private_dns\n',
        "  private_dns_enabled = length(var.interface_endpoints) > 3\n",
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        # The execute-api choice is that endpoint's alone: the others keep private DNS.
        "private-dns-of-every-endpoint-follows-execute-api",
        "interface-endpoints",
        ENDPOINTS,
        '  private_dns_enabled = each.key != "execute-api" || var.execute_api_private_dns\n',
        "  private_dns_enabled = var.execute_api_private_dns\n",
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "endpoint-group-widened-to-anywhere",
        "interface-endpoints",
        ENDPOINTS,
        "    cidr_blocks = local.vpc_cidrs\n",
        '    cidr_blocks = concat(local.vpc_cidrs, ["0.0.0.0/0"])\n',
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "endpoint-group-all-ports",
        "interface-endpoints",
        ENDPOINTS,
        "    from_port   = 443\n    to_port     = 443\n    protocol    = \"tcp\"\n    cidr_blocks = local.vpc_cidrs\n",
        "    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = local.vpc_cidrs\n",
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "endpoint-in-one-az-only",
        "interface-endpoint-subnets",
        ENDPOINTS,
        "  subnet_ids          = local.endpoint_subnet_ids\n",
        "  subnet_ids          = slice(local.endpoint_subnet_ids, 0, 1)\n",
        NAT_PER_AZ,
        without_plan=False,  # which subnets share an AZ is known once the region's AZs are read
        terraform_test=True,
    ),
    Mutation(
        "endpoint-in-the-public-subnets",
        "interface-endpoint-subnets",
        ENDPOINTS,
        "  subnet_ids          = local.endpoint_subnet_ids\n",
        "  subnet_ids          = [for subnet in aws_subnet.public : subnet.id]\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "dedicated-tenancy-with-ipv6",
        "tenancy",
        NEW_VPC,
        '  instance_tenancy = "default"\n',
        '  instance_tenancy = var.enable_ipv6 ? "dedicated" : "default"\n',
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "every-subnet-in-the-first-zone",
        "multi-az",
        NEW_VPC,
        "key => local.zone_names[index] }",
        "key => local.zone_names[0] }",
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "function-egress-widened-to-anywhere",
        "function-egress",
        FUNCTION_GROUPS,
        "    cidr_blocks      = var.vpc_cidrs\n",
        '    cidr_blocks      = ["0.0.0.0/0"]\n',
        NAT_SINGLE,
    ),
    Mutation(
        "internet-egress-condition-inverted",
        "function-egress",
        FUNCTION_GROUPS,
        'for_each = var.internet_egress ? ["0.0.0.0/0"] : []',
        'for_each = var.internet_egress ? [] : ["0.0.0.0/0"]',
        PRIVATE,
    ),
    Mutation(
        "dns-hostnames-only-with-flow-logs",
        "endpoint-dns",
        NEW_VPC,
        "  enable_dns_hostnames             = true\n",
        "  enable_dns_hostnames             = var.enable_flow_logs\n",
        PRIVATE,
        terraform_test=True,
    ),
    Mutation(
        "eni-actions-as-a-wildcard",
        "least-privilege",
        ROLE,
        '      "ec2:CreateNetworkInterface",\n      "ec2:DescribeNetworkInterfaces",\n'
        '      "ec2:DescribeSubnets",\n      "ec2:DeleteNetworkInterface",\n'
        '      "ec2:AssignPrivateIpAddresses",\n      "ec2:UnassignPrivateIpAddresses",\n',
        '      "ec2:*NetworkInterface*",\n      "ec2:DescribeSubnets",\n      "ec2:*PrivateIpAddresses",\n',
        NAT_SINGLE,
        terraform_test=True,
    ),
    Mutation(
        "logging-on-every-log-group",
        "own-log-group",
        FUNCTION_IAM,
        '    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]\n',
        '    resources = ["arn:aws:logs:*:*:*"]\n',
        PRIVATE,
        without_plan=False,  # the partition is read at plan time
    ),
    Mutation(
        "public-subnets-map-public-ips-with-ipv6",
        "public-ip",
        NAT_ROUTES,
        "  map_public_ip_on_launch = false\n",
        "  map_public_ip_on_launch = var.enable_ipv6\n",
        NAT_PER_AZ,
        terraform_test=True,
    ),
    Mutation(
        "flow-logs-accepted-traffic-only-with-ipv6",
        "flow-logs",
        NEW_VPC,
        '  traffic_type             = "ALL"\n',
        '  traffic_type             = var.enable_ipv6 ? "ACCEPT" : "ALL"\n',
        (*NAT_PER_AZ, "--flow-logs"),
        terraform_test=True,
    ),
    Mutation(
        "snapstart-with-a-larger-tmp",
        "snapstart",
        FUNCTION,
        "  ephemeral_storage {\n    size = var.ephemeral_storage\n  }\n",
        "  ephemeral_storage {\n    size = var.snapstart ? 2048 : var.ephemeral_storage\n  }\n",
        (*PRIVATE, "--runtime", "python3.13", "--snapstart"),
    ),
    Mutation(
        "role-trusts-ec2-too",
        "trust",
        ROLE,
        '      identifiers = ["lambda.amazonaws.com"]\n',
        '      identifiers = ["lambda.amazonaws.com", "ec2.amazonaws.com"]\n',
        PRIVATE,
        terraform_test=True,
    ),
]
