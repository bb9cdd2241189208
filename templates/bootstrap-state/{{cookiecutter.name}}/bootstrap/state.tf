# The bucket the project's backend.tf keeps its state in: versioned (every state
# ever written can be restored), encrypted, reached over TLS only, never public. It is
# never emptied by Terraform: `terraform destroy` here fails while it holds any version
# of any object.
resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18: access logging needs a second bucket to log to; the state's own versions already record every write.
  # checkov:skip=CKV_AWS_144: cross-region replication needs a second bucket in another region; add one if the state must survive a regional outage.
  # checkov:skip=CKV2_AWS_62: nothing consumes event notifications of a state bucket.
  # checkov:skip=CKV2_AWS_61: a lifecycle rule would expire old state versions, which are the point of versioning here.
  # checkov:skip=CKV_AWS_145: the S3 backend writes the state with SSE-S3 (encrypt = true) whatever the bucket's default; a KMS key needs kms_key_id in backend.tf, and kms:GenerateDataKey and kms:Decrypt for both CI roles.
  provider = aws.state

  bucket = var.state_bucket
}

resource "aws_s3_bucket_versioning" "state" {
  provider = aws.state

  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-S3, which the backend asks for on every write anyway (encrypt = true in
# backend.tf sends AES256 with each object, whatever the bucket's default).
resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  provider = aws.state

  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  provider = aws.state

  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "state_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  provider = aws.state

  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_tls_only.json

  # A bucket policy is refused while the public access block is being set.
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# The deploy role reads and writes the project's state and its lock file (use_lockfile);
# the plan role reads the state (the plan job plans with -lock=false). Without
# s3:ListBucket, reading a state that does not exist yet is refused (403) instead of
# found missing (404); the bucket holds states only, and their keys are all it lists.
data "aws_iam_policy_document" "state" {
  for_each = toset(["plan", "deploy"])

  statement {
    sid       = "ListTheStates"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "TheState"
    actions   = each.key == "deploy" ? ["s3:GetObject", "s3:PutObject"] : ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/${var.state_key}"]
  }

  dynamic "statement" {
    for_each = each.key == "deploy" ? [1] : []

    content {
      sid       = "TakeAndReleaseTheLock"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${aws_s3_bucket.state.arn}/${var.state_key}.tflock"]
    }
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "terraform-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.state["plan"].json
}

resource "aws_iam_role_policy" "deploy_state" {
  name   = "terraform-state"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.state["deploy"].json
}
