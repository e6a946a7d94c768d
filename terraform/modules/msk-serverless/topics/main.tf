# The four topics of MISSION section 7 with their partition counts, exactly as
# packages/domain/src/topics.ts declares them (tests/deploy/terraform.test.ts compares them).
# MSK Serverless fixes replication at 3 with min.insync.replicas 2; acks=all then means two
# zones have every acknowledged event.
#
# Needs a kafka provider configured for the cluster (SASL/IAM over TLS); see
# the environment root (it passes it to modules/chat-stack). On the very first apply the cluster must exist before this
# module plans: `terraform apply -target=module.chat.module.msk` once, then a full apply.

terraform {
  required_providers {
    kafka = {
      source = "Mongey/kafka"
    }
  }
}

locals {
  topics = {
    "messages.persisted" = {
      partitions   = 64
      retention_ms = 604800000 # 7 days: sync reads DynamoDB, Kafka only feeds fanout
    }
    "memberships.changed" = {
      partitions   = 16
      retention_ms = 604800000
    }
    "chats.created" = {
      partitions   = 16
      retention_ms = 604800000
    }
    "dead_letters" = {
      partitions   = 8
      retention_ms = 1209600000 # 14 days to inspect and replay poison events
    }
  }
}

resource "kafka_topic" "this" {
  for_each           = local.topics
  name               = each.key
  partitions         = each.value.partitions
  replication_factor = 3
  config = {
    "retention.ms"   = tostring(each.value.retention_ms)
    "cleanup.policy" = "delete"
  }
}

output "topics" {
  value = { for name, t in kafka_topic.this : name => t.partitions }
}
