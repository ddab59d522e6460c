#!/bin/sh
# Secrets from files (Docker/Kubernetes secrets): for every variable NAME_FILE that names
# a readable file, export NAME with the file's content, so the configuration's `*_env`
# keys (and PGPASSWORD) find them. A NAME already set is left alone.
set -eu
for pair in $(env | sed -n 's/^\([A-Z0-9_]*\)_FILE=.*/\1/p'); do
    current="" file=""
    eval "current=\${$pair:-}"
    eval "file=\${${pair}_FILE}"
    if [ -z "$current" ] && [ -r "$file" ]; then
        value=$(cat "$file")
        export "$pair=$value"
    fi
done
exec "$@"
