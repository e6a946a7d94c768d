variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Private subnets (at least two zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks allowed to reach the brokers (IAM port 9098)."
  type        = list(string)
}

variable "tags" {
  type    = map(string)
  default = {}
}
