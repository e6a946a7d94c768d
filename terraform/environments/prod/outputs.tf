output "alb_dns_name" {
  description = "Point the public hostname (the ACM certificate's) here."
  value       = module.chat.alb_dns_name
}

output "ecs_cluster" {
  value = module.chat.ecs_cluster
}

output "service_secret_arn" {
  value = module.chat.service_secret_arn
}

output "topics" {
  value = module.chat.topics
}
