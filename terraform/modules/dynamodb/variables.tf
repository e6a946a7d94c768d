variable "table_prefix" {
  description = "Prefix of every table name; the services' CHAT_DYNAMODB_TABLE_PREFIX must be the same."
  type        = string
}

variable "point_in_time_recovery" {
  type    = bool
  default = true
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = {}
}
