variable "name" {
  description = "Name prefix of every resource (e.g. chat-dev)."
  type        = string
}

variable "cidr_block" {
  description = "CIDR of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread subnets (and NAT gateways) over."
  type        = number
  default     = 2
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all private subnets (cheaper, not zone-redundant)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate of the public HTTPS listener (TLS terminates at the ALB)."
  type        = string
}

variable "alb_idle_timeout" {
  description = "Seconds an idle connection stays open through the ALB. WebSockets are long-lived; gateway heartbeats (30 s) keep live ones busy."
  type        = number
  default     = 3600
}

variable "tags" {
  type    = map(string)
  default = {}
}
