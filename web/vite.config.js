// The dashboard's build: Preact through Vite's own JSX transform (no Babel), hashed files in web/dist that the
// API server serves from its own origin. No inline scripts: the strict Content-Security-Policy forbids them.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, modulePreload: { polyfill: false }, assetsInlineLimit: 0 },
});
