# One route table for every private subnet, with no route to the internet:
# the function reaches AWS services through the VPC endpoints only.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = merge({ Name = "${var.name}-private" }, var.tags)
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}

locals {
  private_route_table_ids = [aws_route_table.private.id]
  internet_egress         = false
  ipv6_internet_egress    = false
}
