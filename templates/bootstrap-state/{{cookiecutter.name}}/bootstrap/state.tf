# The bucket the project's backend.tf keeps its state in: versioned (every state
# ever written can be restored), encrypted, reached over TLS only, never public. It is
# not emptied on destroy: `terraform destroy` here fails while it holds a state.
resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18: access logging needs a second bucket to log to; the state's own versions already record every write.
  # checkov:skip=CKV_AWS_144: cross-region replication needs a second bucket in another region; add one if the state must survive a regional outage.
  # checkov:skip=CKV2_AWS_62: nothing consumes event notifications of a state bucket.
  # checkov:skip=CKV2_AWS_61: a lifecycle rule would expire old state versions, which are the point of versioning here.
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

# SSE-KMS with the account's AWS managed key for S3 (no key to manage); the bucket key
# keeps the KMS requests, and their cost, low.
resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  provider = aws.state

  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
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

# The CI role reads and writes the project's state and its lock file (use_lockfile),
# and nothing else in the bucket.
data "aws_iam_policy_document" "ci_state" {
  # Without it, reading a state that does not exist yet is refused (403) instead of
  # found missing (404). The bucket holds states only: their keys are all it lists.
  statement {
    sid       = "ListTheStates"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadAndWriteTheState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/${var.state_key}"]
  }

  statement {
    sid       = "TakeAndReleaseTheLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/${var.state_key}.tflock"]
  }
}

resource "aws_iam_role_policy" "ci_state" {
  name   = "terraform-state"
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.ci_state.json
}
