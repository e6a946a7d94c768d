locals {
  tables = [
    aws_dynamodb_table.chats,
    aws_dynamodb_table.members,
    aws_dynamodb_table.messages,
    aws_dynamodb_table.counters,
    aws_dynamodb_table.idempotency,
    aws_dynamodb_table.receipts,
    aws_dynamodb_table.outbox,
  ]
}

output "table_arns" {
  description = "Every table's ARN and its indexes' (for the task roles)."
  value       = concat([for t in local.tables : t.arn], [for t in local.tables : "${t.arn}/index/*"])
}

output "table_prefix" {
  value = var.table_prefix
}
