#!/bin/sh
# One Postgres for compose, one database and one user per service (database-per-service).
set -e
for svc in order stock payment; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
create user ${svc}_service with password '${svc}_service';
create database ${svc}_service owner ${svc}_service;
SQL
done
