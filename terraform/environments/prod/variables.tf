variable "region" {
  type    = string
  default = "eu-central-1"
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
  type    = string
  default = "chat-api"
}

variable "images" {
  description = "Image per service, pinned by digest (repo@sha256:...). CD writes it (images.auto.tfvars.json); prod reuses dev's file unchanged."
  type        = map(string)

  validation {
    condition     = alltrue([for s in ["gateway", "ingest", "fanout", "chatmgmt"] : can(regex("@sha256:[0-9a-f]{64}$", var.images[s]))])
    error_message = "images must name gateway, ingest, fanout and chatmgmt, each pinned by @sha256 digest."
  }
}
