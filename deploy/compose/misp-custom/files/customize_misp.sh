#!/bin/bash
# Run by misp-core after its own configuration, at every start (mounted at /custom).
# Points MISP's Action and Enrichment services and the workflow debug URL at misp-modules-ts.
set -eu
CAKE=/var/www/MISP/app/Console/cake
set_setting() {
  sudo -u www-data "$CAKE" Admin setSetting -q "$1" "$2" || echo "customize_misp: could not set $1" >&2
}
URL="${MODULES_URL:-http://misp-modules}"
PORT="${MODULES_PORT:-6666}"
set_setting Plugin.Enrichment_services_enable true
set_setting Plugin.Enrichment_hover_enable true
set_setting Plugin.Enrichment_services_url "$URL"
set_setting Plugin.Enrichment_services_port "$PORT"
set_setting Plugin.Action_services_enable true
set_setting Plugin.Action_services_url "$URL"
set_setting Plugin.Action_services_port "$PORT"
set_setting Plugin.Workflow_enable true
set_setting Plugin.Workflow_debug_url "${WORKFLOW_DEBUG_URL:-http://misp-modules:27051}"
echo "customize_misp: MISP uses misp-modules-ts at $URL:$PORT"
