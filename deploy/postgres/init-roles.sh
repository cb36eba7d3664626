#!/bin/sh
# Run by the postgres image once, when it initialises an empty data directory (docker-compose.yml
# mounts this directory at /docker-entrypoint-initdb.d; the image ignores roles.psql there):
# the service's database and its roles, named <DB_NAME>_owner and <DB_NAME>_app.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v db="$DB_NAME" -v owner="${DB_NAME}_owner" -v app="${DB_NAME}_app" \
  -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" \
  -f /docker-entrypoint-initdb.d/roles.psql
# This server holds one service's database: no other role has business in the others.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -c 'revoke connect, temporary on database postgres, template1 from public'
