variable "environment" {
  description = "Environment name (dev, prod): names and tags every resource."
  type        = string
}

variable "region" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, not zone-redundant)."
  type        = bool
}

variable "redis_replicas" {
  type = number
}

variable "deletion_protection" {
  type = bool
}

variable "log_level" {
  type = string
}

variable "tuning" {
  description = "Parameter Store values (CHAT_* limits an operator tunes without a code change; docs/operations.md)."
  type        = map(string)
}

variable "certificate_arn" {
  description = "ACM certificate for the public hostname (TLS terminates at the ALB)."
  type        = string
}

variable "oidc_issuer" {
  description = "HTTPS URL of the OIDC issuer whose access tokens the API accepts (CHAT_OIDC_ISSUER)."
  type        = string
}

variable "oidc_audience" {
  type = string
}

variable "images" {
  description = "Image per service, pinned by digest (repo@sha256:...)."
  type        = map(string)

  validation {
    condition     = alltrue([for s in ["gateway", "ingest", "fanout", "chatmgmt"] : can(regex("@sha256:[0-9a-f]{64}$", var.images[s]))])
    error_message = "images must name gateway, ingest, fanout and chatmgmt, each pinned by @sha256 digest."
  }
}
