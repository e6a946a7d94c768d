variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks allowed to reach Redis."
  type        = list(string)
}

variable "node_type" {
  type    = string
  default = "cache.t4g.small"
}

variable "replicas" {
  description = "Read replicas besides the primary (0 = a single node)."
  type        = number
  default     = 1
}

variable "tags" {
  type    = map(string)
  default = {}
}
