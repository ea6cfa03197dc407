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

if softhsm2-util --show-slots 2>/dev/null | grep -Eq "^[[:space:]]*Label:[[:space:]]+${label}[[:space:]]*$"; then
  echo "SoftHSM token '${label}' already exists"
  exit 0
fi

softhsm2-util --init-token --free --label "$label" \
  --so-pin "$PKCS11_SO_PIN" --pin "$PKCS11_PIN" >/dev/null
echo "SoftHSM token '${label}' initialised"
