/**
 * The dashboard specs need web/dist (the server reads it at start). `npm ci` builds it; this rebuilds it when a
 * file under web/ is newer than the build, so a spec never tests a stale dashboard.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const web = path.join(root, "web");

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === "dist") continue;
    const full = path.join(dir, name);
    const stat = statSync(full);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(full) : stat.mtimeMs);
  }
  return newest;
}

export function ensureDashboardBuilt(): void {
  const index = path.join(web, "dist", "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource(web)) return;
  execFileSync("npm", ["run", "--silent", "build:web"], { cwd: root, stdio: "pipe" });
}
