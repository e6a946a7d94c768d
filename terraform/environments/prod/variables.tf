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
}
