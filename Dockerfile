# Keyledger API with SoftHSM2 as its PKCS#11 module. The token is initialised on first start
# (scripts/softhsm-token.sh) and kept in the softhsm-tokens volume.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends softhsm2 python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# npm ci runs `prepare`, which compiles the TypeScript to dist/ (it needs the dev dependencies); then drop them.
RUN npm ci && npm prune --omit=dev
ENV NODE_ENV=production KEYLEDGER_DATA_DIR=/var/lib/keyledger
RUN mkdir -p /var/lib/keyledger
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "scripts/softhsm-token.sh && exec node bin/keyledger.js serve"]
