# The tables exactly as packages/store/src/dynamodb/tables.ts declares them and bootstrap()
# creates them: keys, the members by_user index, TTL on idempotency, on-demand capacity.
# tests/deploy/terraform.test.ts compares every table here with TABLE_SCHEMAS / TTL_ATTRIBUTES.
# docs/data-model.md describes what each table holds.

resource "aws_dynamodb_table" "chats" {
  name                        = "${var.table_prefix}chats"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "chat_id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "chat_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "members" {
  name                        = "${var.table_prefix}members"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "chat_id"
  range_key                   = "user_id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "chat_id"
    type = "S"
  }

  attribute {
    name = "user_id"
    type = "S"
  }

  # "List my chats": the chats of a user.
  global_secondary_index {
    name            = "by_user"
    hash_key        = "user_id"
    range_key       = "chat_id"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "messages" {
  name                        = "${var.table_prefix}messages"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "chat_id"
  range_key                   = "seq"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "chat_id"
    type = "S"
  }

  attribute {
    name = "seq"
    type = "N"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "counters" {
  name                        = "${var.table_prefix}counters"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "chat_id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "chat_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "idempotency" {
  name                        = "${var.table_prefix}idempotency"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  # Epoch seconds; reads use the millisecond twin because the sweeper runs late.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "receipts" {
  name                        = "${var.table_prefix}receipts"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "chat_id"
  range_key                   = "user_id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "chat_id"
    type = "S"
  }

  attribute {
    name = "user_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "outbox" {
  name                        = "${var.table_prefix}outbox"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "shard"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "shard"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}
