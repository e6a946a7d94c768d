output "cluster_arn" {
  value = aws_msk_serverless_cluster.this.arn
}

output "cluster_name" {
  value = aws_msk_serverless_cluster.this.cluster_name
}

output "bootstrap_brokers_sasl_iam" {
  description = "Comma-separated host:port list (TLS + SASL/IAM, port 9098)."
  value       = aws_msk_serverless_cluster.this.bootstrap_brokers_sasl_iam
}
