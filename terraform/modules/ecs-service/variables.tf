variable "name" {
  description = "Service name (gateway, ingest, fanout, chatmgmt)."
  type        = string
}

variable "environment_name" {
  type = string
}

variable "cluster_arn" {
  type = string
}

variable "image" {
  description = "Full image reference; CD pins it to a digest (repo@sha256:...)."
  type        = string
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU), seed 002 Part 10.1."
  type        = number
}

variable "memory" {
  description = "Task memory in MiB, seed 002 Part 10.1."
  type        = number
}

variable "min_tasks" {
  type = number
}

variable "max_tasks" {
  type = number
}

variable "ports" {
  description = "Container ports by CHAT_* variable (the service listens on each)."
  type        = map(number)
}

variable "health" {
  description = "The probe: port variable, port, path and interval (seed 002 Part 10.2)."
  type = object({
    port_variable    = string
    port             = number
    path             = string
    interval_seconds = number
  })
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL; above the 30 s drain (CHAT_DRAIN_TIMEOUT_MS)."
  type        = number
  default     = 35
}

variable "environment" {
  description = "Plain CHAT_* variables of the container."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Variables injected by ECS from Secrets Manager or SSM Parameter Store (name => ARN)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks (the shared services group)."
  type        = list(string)
}

variable "load_balancer" {
  description = "Public routing through the ALB (null = internal only): listener rule paths and priority, and whether the rule also needs an Upgrade: websocket header."
  type = object({
    listener_arn      = string
    priority          = number
    path_patterns     = list(string)
    require_websocket = bool
  })
  default = null
}

variable "service_discovery_namespace_id" {
  description = "Cloud Map namespace: the service is reachable as <name>.<namespace> (internal gRPC)."
  type        = string
}

variable "task_policy_json" {
  description = "IAM policy of the task role (what the service's code may call)."
  type        = string
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "cpu_target_percent" {
  description = "Target-tracking on average CPU between min_tasks and max_tasks."
  type        = number
  default     = 60
}

variable "tags" {
  type    = map(string)
  default = {}
}
