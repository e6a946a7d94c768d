output "alb_dns_name" {
  description = "Point the public hostname (the ACM certificate's) here."
  value       = module.networking.alb_dns_name
}

output "ecs_cluster" {
  value = aws_ecs_cluster.this.name
}

output "service_secret_arn" {
  value = aws_secretsmanager_secret.service_secret.arn
}

output "topics" {
  value = module.msk_topics.topics
}

output "msk_bootstrap_brokers_sasl_iam" {
  description = "The Kafka provider of the root module creates the topics through these brokers."
  value       = module.msk.bootstrap_brokers_sasl_iam
}
