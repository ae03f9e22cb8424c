#!/bin/sh
# The PostgreSQL server's roles and databases for the docker-compose
# deployment. The postgres image runs it once, as its superuser, when it
# starts on an empty data volume (docker-entrypoint-initdb.d); neither Kindred
# nor Synapse ever uses the superuser.
#
# Each application gets a role that can log in and do nothing else (no
# SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS) and a database it
# owns, schema public included, which no other role may connect to. Synapse's
# database is UTF8 with the C collation, as Synapse requires.
#
# Names and passwords come from the environment (see docker-compose.yml):
#   KINDRED_DB_USER, KINDRED_DB_NAME, KINDRED_DB_PASSWORD
#   SYNAPSE_DB_USER, SYNAPSE_DB_NAME, SYNAPSE_DB_PASSWORD
# Running it again changes nothing but the two roles' passwords and rights.
set -eu

: "${KINDRED_DB_PASSWORD:?is not set: the kindred role would have no password}"
: "${SYNAPSE_DB_PASSWORD:?is not set: the synapse role would have no password}"
kindred_role=${KINDRED_DB_USER:-kindred}
synapse_role=${SYNAPSE_DB_USER:-synapse}
superuser=${POSTGRES_USER:-postgres}

# Demoting the role this runs as would leave the server without a superuser
# (a volume from before the roles were split has "synapse" as its superuser).
for role in "$kindred_role" "$synapse_role"; do
    if [ "$role" = "$superuser" ]; then
        echo "postgres-init: the superuser is named $role, like an application role; run this as another superuser" >&2
        exit 1
    fi
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
    --username "$superuser" --dbname "${POSTGRES_DB:-postgres}" \
    --set=kindred_role="$kindred_role" \
    --set=kindred_db="${KINDRED_DB_NAME:-kindred}" \
    --set=kindred_password="$KINDRED_DB_PASSWORD" \
    --set=synapse_role="$synapse_role" \
    --set=synapse_db="${SYNAPSE_DB_NAME:-synapse}" \
    --set=synapse_password="$SYNAPSE_DB_PASSWORD" <<'SQL'
-- Roles that log in and nothing more; set again on every run, so a role
-- that existed before ends up with exactly these rights.
SELECT format('CREATE ROLE %I', :'kindred_role')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'kindred_role') \gexec
SELECT format('CREATE ROLE %I', :'synapse_role')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'synapse_role') \gexec
ALTER ROLE :"kindred_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'kindred_password';
ALTER ROLE :"synapse_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'synapse_password';

-- Synapse refuses a database that is not UTF8 with C collation and ctype.
SELECT format(
        'CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C'' TEMPLATE template0',
        :'synapse_db', :'synapse_role')
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'synapse_db') \gexec
-- Kindred's columns carry their own collation: the server's default locale does.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'kindred_db', :'kindred_role')
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'kindred_db') \gexec

-- Only each owner connects to its database (PUBLIC may connect to any by default).
REVOKE ALL ON DATABASE :"kindred_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"synapse_db" FROM PUBLIC;

-- Schema public belongs to the database's owner, and to nobody else.
\connect :"kindred_db"
ALTER SCHEMA public OWNER TO :"kindred_role";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
\connect :"synapse_db"
ALTER SCHEMA public OWNER TO :"synapse_role";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
echo "postgres-init: roles $kindred_role and $synapse_role each own their database"
