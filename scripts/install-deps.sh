#!/usr/bin/env bash
# Installs the Debian packages the tests use, only when they are missing:
# mosquitto (a second, real MQTT broker), mosquitto-clients (a third-party
# subscriber), qemu-user (runs the arm64 agent binary), chromium (the
# console's end-to-end test drives it headless), poppler-utils (pdftotext
# reads the text of labels and lot reports), zbar-tools (zbarimg decodes
# their QR codes), postgresql (the registry's tests run on a real
# PostgreSQL server too; internal/pgtest starts it from /usr/lib/postgresql/*/bin),
# and the fonts labels and lot reports are set in (controller/pdffont):
# fonts-dejavu-core (Latin, Greek, Cyrillic...), fonts-droid-fallback
# (Chinese, Japanese) and fonts-nanum (Korean).
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || need+=(fonts-nanum)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "installing: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
