/**
 * Serves the dashboard (the Vite build in web/dist) from the API's own origin. Files are read once at start;
 * any GET the API routes did not answer and that asks for HTML gets index.html, so the dashboard's own paths
 * (`/vaults/...`, `/verify-email?token=`, `/cli/verify?code=`, `/s/<share>`) load it. Every page goes out with
 * a strict Content-Security-Policy: scripts and styles only from this origin, no inline code, no framing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Middleware } from "koa";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  // Share links and verification links carry ids and tokens in their URL: never hand it to another site.
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".json": "application/json",
  ".txt": "text/plain; charset=utf-8", ".woff2": "font/woff2",
};

interface StaticFile { body: Buffer; type: string; immutable: boolean }

/**
 * web/dist of the package this module belongs to (run from src/ by tsx or from dist/src/ when built). The
 * package root is found by the dashboard's files (web/index.html or its build), not by a package.json: a build may hold
 * a copy of package.json in dist/, which once made the compiled server look for dist/web/dist.
 */
export function defaultDashboardDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    const web = path.join(dir, "web");
    if (existsSync(path.join(web, "index.html")) || existsSync(path.join(web, "dist", "index.html"))) return path.join(web, "dist");
    if (path.dirname(dir) === dir) return path.join(process.cwd(), "web", "dist");
  }
}

function readTree(root: string, dir = root, out = new Map<string, StaticFile>()): Map<string, StaticFile> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) readTree(root, full, out);
    else {
      const urlPath = "/" + path.relative(root, full).split(path.sep).join("/");
      out.set(urlPath, { body: readFileSync(full), type: CONTENT_TYPES[path.extname(name)] ?? "application/octet-stream",
        // Vite names what it puts under assets/ by content hash.
        immutable: urlPath.startsWith("/assets/") });
    }
  }
  return out;
}

/** Undefined when there is no build to serve (the warning says how to make one). */
export function dashboardStatic(dir: string, warn: (message: string) => void): Middleware | undefined {
  if (!existsSync(path.join(dir, "index.html"))) {
    warn(`no dashboard build in ${dir}: run \`npm run build\` to serve the dashboard`);
    return undefined;
  }
  const files = readTree(dir);
  const index = files.get("/index.html")!;
  return async (ctx, next) => {
    await next();
    if (ctx.body != null || ctx.status !== 404 || (ctx.method !== "GET" && ctx.method !== "HEAD")) return;
    if (ctx.path.startsWith("/v1/")) return;
    const file = files.get(ctx.path) ?? (ctx.get("Accept").includes("text/html") ? index : undefined);
    if (!file) return;
    (ctx.state as { route?: string }).route = file === index ? "dashboard page" : "dashboard asset";
    ctx.status = 200;
    ctx.set(SECURITY_HEADERS);
    ctx.set("Cache-Control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    ctx.type = file.type;
    ctx.body = file.body;
  };
}
