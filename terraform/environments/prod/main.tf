# One environment of the chat backend: the shared stack (modules/chat-stack) with this
# environment's settings (settings.tf). dev and prod share this file byte for byte
# (tests/deploy/terraform.test.ts checks it).

provider "aws" {
  region = var.region
  default_tags {
    tags = { project = "chat", environment = local.environment }
  }
}

# Topics are created through the Kafka API of the cluster (SASL/IAM over TLS). First apply:
# terraform apply -target=module.chat.module.msk, then a full apply (the provider needs the brokers).
provider "kafka" {
  bootstrap_servers = split(",", module.chat.msk_bootstrap_brokers_sasl_iam)
  tls_enabled       = true
  sasl_mechanism    = "aws-iam"
  sasl_aws_region   = var.region
}

module "chat" {
  source = "../../modules/chat-stack"

  environment         = local.environment
  region              = var.region
  vpc_cidr            = local.vpc_cidr
  single_nat_gateway  = local.single_nat_gateway
  redis_replicas      = local.redis_replicas
  deletion_protection = local.deletion_protection
  log_level           = local.log_level
  tuning              = local.tuning
  certificate_arn     = var.certificate_arn
  oidc_issuer         = var.oidc_issuer
  oidc_audience       = var.oidc_audience
  images              = var.images
}
