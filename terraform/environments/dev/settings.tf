# What differs between environments; main.tf (identical in dev and prod) hands it to modules/chat-stack.
locals {
  environment         = "dev"
  vpc_cidr            = "10.40.0.0/16"
  single_nat_gateway  = true
  redis_replicas      = 0
  deletion_protection = false
  log_level           = "debug"

  # Parameter Store: limits an operator tunes without a code change (packages/config variables,
  # compiled defaults unless changed here; docs/operations.md lists them all).
  tuning = {
    CHAT_SENDS_PER_SECOND                 = "10"
    CHAT_SEND_BURST                       = "20"
    CHAT_USER_SENDS_PER_SECOND            = "20"
    CHAT_USER_SEND_BURST                  = "40"
    CHAT_OUTBOUND_BUFFER_MESSAGES         = "1000"
    CHAT_INGEST_DEADLINE_MS               = "5000"
    CHAT_HEARTBEAT_INTERVAL_MS            = "30000"
    CHAT_DRAIN_TIMEOUT_MS                 = "30000"
    CHAT_MAX_BODY_BYTES                   = "65536"
    CHAT_MAX_FRAME_BYTES                  = "131072"
    CHAT_API_REQUESTS_PER_SECOND_PER_USER = "20"
    CHAT_API_BURST_PER_USER               = "40"
  }
}
