output "url" {
  description = "CHAT_REDIS_URL for the services (TLS)."
  value       = "rediss://${aws_elasticache_replication_group.this.primary_endpoint_address}:6379"
}
