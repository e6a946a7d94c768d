#!/usr/bin/env bash
# scripts/tls/self-signed.sh DIR: a self-signed certificate for localhost (DIR/cert.pem,
# DIR/key.pem) for the TLS proxy in front of the stack, as ACM's certificate is in front of the
# ALB. Kept if it already exists and is valid for another day. Development only.
set -euo pipefail
dir="${1:?usage: $0 DIR}"
mkdir -p "$dir"
if [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && openssl x509 -checkend 86400 -noout -in "$dir/cert.pem" >/dev/null 2>&1; then
  exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
  -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
# The proxy's worker runs unprivileged; the directory is the developer's own.
chmod 644 "$dir/cert.pem" "$dir/key.pem"
echo "self-signed certificate for localhost in $dir"
