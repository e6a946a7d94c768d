# The whole chat backend on AWS (seed 002 Parts 1 and 10): what every environment deploys.
# environments/<env> are thin roots: providers, backend, and the settings that differ.

locals {
  name = "chat-${var.environment}"
  tags = { project = "chat", environment = var.environment }

  # Seed 002 Part 10.1 (CPU units, MiB, tasks) and 10.2 (probe interval); ports and probes are
  # the services' own (scripts/build/targets.ts, packages/config defaults).
  services = {
    gateway = {
      cpu    = 512, memory = 1024, min_tasks = 2, max_tasks = 10
      ports  = { CHAT_GATEWAY_PORT = 8080, CHAT_GATEWAY_GRPC_PORT = 9081 }
      health = { port_variable = "CHAT_GATEWAY_PORT", port = 8080, path = "/health", interval_seconds = 10 }
      # ALB rule 1: /ws/* with an Upgrade: websocket header.
      load_balancer = { priority = 10, path_patterns = ["/ws/*"], require_websocket = true }
    }
    ingest = {
      cpu           = 256, memory = 512, min_tasks = 2, max_tasks = 8
      ports         = { CHAT_INGEST_HTTP_PORT = 9085, CHAT_INGEST_GRPC_PORT = 9082 }
      health        = { port_variable = "CHAT_INGEST_HTTP_PORT", port = 9085, path = "/health", interval_seconds = 10 }
      load_balancer = null
    }
    fanout = {
      cpu   = 256, memory = 512, min_tasks = 2, max_tasks = 8
      ports = { CHAT_FANOUT_HTTP_PORT = 9084 }
      # 15 s: consumer rebalances make a worker briefly busy (Part 10.2).
      health        = { port_variable = "CHAT_FANOUT_HTTP_PORT", port = 9084, path = "/health", interval_seconds = 15 }
      load_balancer = null
    }
    chatmgmt = {
      cpu    = 256, memory = 512, min_tasks = 2, max_tasks = 4
      ports  = { CHAT_CHATMGMT_PORT = 8081, CHAT_CHATMGMT_GRPC_PORT = 9083 }
      health = { port_variable = "CHAT_CHATMGMT_PORT", port = 8081, path = "/health", interval_seconds = 10 }
      # ALB rule 2: the REST API.
      load_balancer = { priority = 20, path_patterns = ["/api/v1/*"], require_websocket = false }
    }
  }

  namespace = "${local.name}.internal"

  # What every service shares: the real adapters (MISSION section 9) and where they are.
  common_environment = {
    CHAT_HOST                  = "0.0.0.0"
    CHAT_LOG_LEVEL             = var.log_level
    CHAT_EVENTLOG              = "kafka"
    CHAT_KAFKA_BROKERS         = module.msk.bootstrap_brokers_sasl_iam
    CHAT_KAFKA_CLIENT_ID       = local.name
    CHAT_KAFKA_SSL             = "true"
    CHAT_KAFKA_SASL_MECHANISM  = "oauthbearer-msk-iam"
    CHAT_KAFKA_AWS_REGION      = var.region
    CHAT_STORE                 = "dynamodb"
    CHAT_DYNAMODB_REGION       = var.region
    CHAT_DYNAMODB_TABLE_PREFIX = module.dynamodb.table_prefix
    CHAT_PRESENCE              = "redis"
    CHAT_REDIS_URL             = module.redis.url
    CHAT_REDIS_KEY_PREFIX      = "chat:"
    CHAT_OIDC_ISSUER           = var.oidc_issuer
    CHAT_OIDC_AUDIENCE         = var.oidc_audience
  }

  service_environment = {
    # auto: the gateway registers its task IP (first non-internal IPv4, the awsvpc ENI) and its
    # gRPC port as the address fanout dials; ECS cannot put a task's IP into a variable.
    gateway = {
      CHAT_INGEST_ADDRESS             = "http://ingest.${local.namespace}:9082"
      CHAT_GATEWAY_ADVERTISED_ADDRESS = "auto"
    }
    ingest   = {}
    fanout   = { CHAT_FANOUT_GROUP_ID = "fanout" }
    chatmgmt = {}
  }
}

module "networking" {
  source             = "../networking"
  name               = local.name
  cidr_block         = var.vpc_cidr
  single_nat_gateway = var.single_nat_gateway
  certificate_arn    = var.certificate_arn
  tags               = local.tags
}

module "dynamodb" {
  source                 = "../dynamodb"
  table_prefix           = "${local.name}_"
  deletion_protection    = var.deletion_protection
  point_in_time_recovery = true
  tags                   = local.tags
}

# One security group for all service tasks: they call each other (gRPC) and are reached by the
# ALB on the two public listeners only.
resource "aws_security_group" "services" {
  name        = "${local.name}-services"
  description = "chat service tasks"
  vpc_id      = module.networking.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "services_internal" {
  security_group_id            = aws_security_group.services.id
  referenced_security_group_id = aws_security_group.services.id
  ip_protocol                  = "-1"
}

resource "aws_vpc_security_group_ingress_rule" "services_from_alb" {
  for_each                     = { for s, v in local.services : s => v.health.port if v.load_balancer != null }
  security_group_id            = aws_security_group.services.id
  referenced_security_group_id = module.networking.alb_security_group_id
  from_port                    = each.value
  to_port                      = each.value
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "services_all" {
  security_group_id = aws_security_group.services.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

module "msk" {
  source                    = "../msk-serverless"
  name                      = local.name
  vpc_id                    = module.networking.vpc_id
  subnet_ids                = module.networking.private_subnet_ids
  client_security_group_ids = [aws_security_group.services.id]
  tags                      = local.tags
}

module "msk_topics" {
  source = "../msk-serverless/topics"
}

module "redis" {
  source                    = "../elasticache"
  name                      = local.name
  vpc_id                    = module.networking.vpc_id
  subnet_ids                = module.networking.private_subnet_ids
  client_security_group_ids = [aws_security_group.services.id]
  replicas                  = var.redis_replicas
  tags                      = local.tags
}

# ---- Secrets (Secrets Manager) and configuration (SSM Parameter Store), seed 002 Part 7 ----

resource "random_password" "service_secret" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "service_secret" {
  name        = "${local.name}/service-secret"
  description = "CHAT_SERVICE_SECRET: the credential of internal RPCs (docs/adr/0010)"
}

resource "aws_secretsmanager_secret_version" "service_secret" {
  secret_id     = aws_secretsmanager_secret.service_secret.id
  secret_string = random_password.service_secret.result
}

# Non-sensitive tuning, changeable without a deploy of new code (a new task picks it up).
resource "aws_ssm_parameter" "tuning" {
  for_each = var.tuning
  name     = "/${local.name}/${each.key}"
  type     = "String"
  value    = each.value
}

data "aws_iam_policy_document" "task" {
  statement {
    sid = "DynamoDB"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
      "dynamodb:TransactWriteItems", "dynamodb:TransactGetItems", "dynamodb:ConditionCheckItem",
      "dynamodb:DescribeTable",
    ]
    resources = module.dynamodb.table_arns
  }
  statement {
    sid       = "MskConnect"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [module.msk.cluster_arn]
  }
  statement {
    sid = "MskTopicsAndGroups"
    actions = [
      "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData",
      "kafka-cluster:WriteDataIdempotently", "kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup",
    ]
    resources = [
      replace("${module.msk.cluster_arn}/*", ":cluster/", ":topic/"),
      replace("${module.msk.cluster_arn}/*", ":cluster/", ":group/"),
    ]
  }
}

resource "aws_ecs_cluster" "this" {
  name = local.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  name = local.namespace
  vpc  = module.networking.vpc_id
}

module "service" {
  source   = "../ecs-service"
  for_each = local.services

  name             = each.key
  environment_name = local.name
  cluster_arn      = aws_ecs_cluster.this.arn
  image            = var.images[each.key]
  cpu              = each.value.cpu
  memory           = each.value.memory
  min_tasks        = each.value.min_tasks
  max_tasks        = each.value.max_tasks
  ports            = each.value.ports
  health           = each.value.health
  stop_timeout     = 35

  environment = merge(local.common_environment, local.service_environment[each.key], { for k, v in each.value.ports : k => tostring(v) })
  secrets = merge(
    { CHAT_SERVICE_SECRET = aws_secretsmanager_secret.service_secret.arn },
    { for k, p in aws_ssm_parameter.tuning : k => p.arn },
  )

  vpc_id                         = module.networking.vpc_id
  subnet_ids                     = module.networking.private_subnet_ids
  security_group_ids             = [aws_security_group.services.id]
  service_discovery_namespace_id = aws_service_discovery_private_dns_namespace.this.id
  task_policy_json               = data.aws_iam_policy_document.task.json
  load_balancer = each.value.load_balancer == null ? null : merge(each.value.load_balancer, {
    listener_arn = module.networking.https_listener_arn
  })
  tags = local.tags
}
