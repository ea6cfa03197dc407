#!/bin/sh
# Initialises a SoftHSM2 token for Keyledger unless one with that label exists (development, and the
# Docker image's first start). The PINs come from the environment and are never printed.
# The same variables the server reads, plus the security officer PIN:
#   PKCS11_TOKEN_LABEL  token label (default: keyledger)
#   PKCS11_PIN          user PIN (required)
#   PKCS11_SO_PIN       security officer PIN (required)
#   SOFTHSM2_CONF              SoftHSM configuration, as SoftHSM itself reads it (optional)
set -eu

label="${PKCS11_TOKEN_LABEL:-keyledger}"
: "${PKCS11_PIN:?set PKCS11_PIN to the token user PIN}"
: "${PKCS11_SO_PIN:?set PKCS11_SO_PIN to the token security officer PIN}"

if ! command -v softhsm2-util >/dev/null 2>&1; then
  echo "softhsm2-util not found: install SoftHSM2 (apt-get install -y softhsm2)" >&2
  exit 1
fi

# Say where the token goes: SoftHSM writes to the token directory of its configuration file, which is the
# system-wide one unless SOFTHSM2_CONF names another.
conf="${SOFTHSM2_CONF:-/etc/softhsm/softhsm2.conf}"
tokendir=$(sed -n 's/^[[:space:]]*directories\.tokendir[[:space:]]*=[[:space:]]*//p' "$conf" 2>/dev/null | tail -n 1)
if [ -z "${SOFTHSM2_CONF:-}" ]; then
  echo "SoftHSM configuration: $conf (system-wide; set SOFTHSM2_CONF to use a configuration of your own)"
else
  echo "SoftHSM configuration: $conf (from SOFTHSM2_CONF)"
fi
echo "SoftHSM token directory: ${tokendir:-unknown (no directories.tokendir in $conf)}"

if softhsm2-util --show-slots 2>/dev/null | grep -Eq "^[[:space:]]*Label:[[:space:]]+${label}[[:space:]]*$"; then
  echo "SoftHSM token '${label}' already exists"
  exit 0
fi

softhsm2-util --init-token --free --label "$label" \
  --so-pin "$PKCS11_SO_PIN" --pin "$PKCS11_PIN" >/dev/null
echo "SoftHSM token '${label}' initialised in ${tokendir:-the token directory of $conf}"
