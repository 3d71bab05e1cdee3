#!/usr/bin/env bash
# es-setup (one-shot, in the Elasticsearch image), as the elastic superuser: waits for the cluster,
# sets the kibana_system password, puts khabar's roles (roles/<name>.json) and one user per
# component. Every step is a PUT/POST of the full state, so running it again changes nothing.
set -euo pipefail
CA=/usr/share/elasticsearch/config/certs/ca/ca.crt
ES_URL=${ES_URL:-https://elasticsearch:9200}
ROLES=/khabar/roles

# Passwords go into JSON bodies, Airflow connection JSON and database URLs: allow only characters
# that need no escaping anywhere, and refuse the .env.example placeholders.
check_password() {  # check_password NAME VALUE
  if [[ ! "$2" =~ ^[A-Za-z0-9._~-]{12,}$ ]]; then
    echo "$1: use at least 12 characters from A-Z a-z 0-9 . _ ~ -" >&2
    exit 1
  fi
  if [[ "$2" == change-me* ]]; then
    echo "$1 is still the .env.example placeholder: set a real password in .env" >&2
    exit 1
  fi
}

# request METHOD PATH [JSON | @FILE]: prints the response; fails on HTTP >= 300. The credentials
# reach curl on stdin (-K -), not on its command line.
request() {
  local args=(-sS -K - --cacert "$CA" -X "$1" -H 'Content-Type: application/json'
    -o /tmp/response -w '%{http_code}')
  if [ $# -ge 3 ]; then args+=(--data-binary "$3"); fi
  local status
  status=$(printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD" | curl "${args[@]}" "$ES_URL$2") || status=000
  if [ "$status" -ge 300 ] || [ "$status" -lt 200 ]; then
    echo "$1 $2 -> HTTP $status: $(head -c 500 /tmp/response 2>/dev/null)" >&2
    return 1
  fi
}

# user NAME PASSWORD_VARIABLE ROLE: one Elasticsearch user with one role.
user() {
  local password=${!2}
  check_password "$2" "$password"
  request PUT "/_security/user/$1" \
    "{\"password\": \"$password\", \"roles\": [\"$3\"], \"full_name\": \"khabar $1\"}"
  echo "user $1 (role $3)"
}

for name in ELASTIC_PASSWORD KIBANA_PASSWORD; do check_password "$name" "${!name}"; done

echo "waiting for the cluster (yellow or green)"
for attempt in $(seq 60); do
  request GET "/_cluster/health?wait_for_status=yellow&timeout=10s" && break
  if [ "$attempt" -eq 60 ]; then echo "the cluster did not become yellow" >&2; exit 1; fi
  sleep 5
done

request POST /_security/user/kibana_system/_password "{\"password\": \"$KIBANA_PASSWORD\"}"
echo "kibana_system password set"

for file in "$ROLES"/*.json; do
  name=$(basename "$file" .json)
  request PUT "/_security/role/$name" "@$file"
  echo "role $name"
done

# Who uses which (docker-compose.yml): setup job and Airflow administer khabar's indices; the
# indexer writes; the search page reads; kibana-setup imports saved objects (Kibana's built-in
# kibana_admin role: Kibana features only, no access to index data).
user khabar_setup   ES_KHABAR_SETUP_PASSWORD     khabar_maintenance
user khabar_airflow ES_KHABAR_AIRFLOW_PASSWORD   khabar_maintenance
user khabar_indexer ES_KHABAR_INDEXER_PASSWORD   khabar_indexer
user khabar_search  ES_KHABAR_SEARCH_PASSWORD    khabar_search
user khabar_kibana  KIBANA_KHABAR_SETUP_PASSWORD kibana_admin
echo "security setup done"
