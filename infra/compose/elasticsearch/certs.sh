#!/usr/bin/env bash
# es-certs (one-shot, root, in the Elasticsearch image): a CA and one certificate per node, on the
# shared `certs` volume. Certificates that exist are kept, so it is safe to run on every `up`.
set -euo pipefail
cd /usr/share/elasticsearch/config/certs
bin=/usr/share/elasticsearch/bin
# Every node name of both topologies (docker-compose.yml: elasticsearch, elasticsearch-2, -3).
nodes=(elasticsearch elasticsearch-2 elasticsearch-3)

if [ ! -f ca/ca.crt ]; then
  echo "creating the CA"
  "$bin/elasticsearch-certutil" ca --silent --pem --out ca.zip
  unzip -o -q ca.zip && rm ca.zip
fi
if [ ! -f "${nodes[-1]}/${nodes[-1]}.crt" ]; then
  echo "creating certificates for ${nodes[*]}"
  {
    echo "instances:"
    for node in "${nodes[@]}"; do
      printf '  - name: %s\n    dns: [%s, localhost]\n    ip: [127.0.0.1]\n' "$node" "$node"
    done
  } > instances.yml
  "$bin/elasticsearch-certutil" cert --silent --pem --in instances.yml --out certs.zip \
    --ca-cert ca/ca.crt --ca-key ca/ca.key
  unzip -o -q certs.zip && rm certs.zip
fi
# Elasticsearch runs as uid 1000 and alone reads the keys; Kibana and the khabar containers
# (another uid, group 0) read only the certificates, ca/ca.crt above all.
chown -R 1000:0 .
find . -type d -exec chmod 755 {} +
find . -type f -exec chmod 644 {} +
find . -type f -name '*.key' -exec chmod 600 {} +
echo "certificates ready"
