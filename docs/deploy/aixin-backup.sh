#!/bin/sh
# Nightly backup of 爱心妈妈结对关爱: the database (pg_dump, custom format) and the uploaded photos.
# Run by aixin-backup.timer as the aixin user; see docs/deploy.md for the restore drill.
# The dumps contain minors' personal data: keep BACKUP_DIR on an encrypted disk, readable by aixin only.
set -eu
BACKUP_DIR=${BACKUP_DIR:-/srv/aixin/backups}
KEEP_DAYS=${KEEP_DAYS:-30}
MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-/srv/aixin/media}
stamp=$(date +%Y%m%d-%H%M%S)
umask 077
mkdir -p "$BACKUP_DIR"
# DATABASE_URL comes from the environment file; pg_dump understands the same postgres:// URL.
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/aixin-$stamp.dump.part" "$DATABASE_URL"
mv "$BACKUP_DIR/aixin-$stamp.dump.part" "$BACKUP_DIR/aixin-$stamp.dump"
tar -C "$(dirname "$MEDIA_ROOT")" -czf "$BACKUP_DIR/media-$stamp.tar.gz" "$(basename "$MEDIA_ROOT")"
find "$BACKUP_DIR" -maxdepth 1 \( -name 'aixin-*.dump' -o -name 'media-*.tar.gz' \) -mtime +"$KEEP_DAYS" -delete
echo "backup written: $BACKUP_DIR/aixin-$stamp.dump $BACKUP_DIR/media-$stamp.tar.gz"
