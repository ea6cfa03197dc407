/**
 * A throwaway PostgreSQL cluster of our own (initdb in a temporary directory, its own port, its own socket
 * directory), for tests that stop and start the database server. It never touches the machine's shared
 * server. PostgreSQL refuses to run as root: when we are root the commands run as the `postgres` user.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./child-server.js";

function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], "bin");
}

const asRoot = process.getuid?.() === 0;

/** Why a cluster of our own cannot be made here, or undefined when it can. */
export function ownClusterUnavailableReason(): string | undefined {
  if (!postgresBinDir()) return "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb; apt-get install -y postgresql)";
  if (asRoot) {
    try {
      execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
    } catch {
      return "running as root and there is no postgres user to run PostgreSQL as";
    }
  }
  return undefined;
}

export class PgCluster {
  private running = false;

  private constructor(readonly dir: string, readonly port: number, private readonly bin: string) {}

  /** Connection string of the cluster's `postgres` database (trust authentication, user postgres). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(command: string, args: string[], timeoutMs = 60_000): string {
    const file = path.join(this.bin, command);
    const [exe, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
    return execFileSync(exe, argv, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
  }

  /** initdb on a free port, then start. */
  static async create(): Promise<PgCluster> {
    const reason = ownClusterUnavailableReason();
    if (reason) throw new Error(reason);
    const dir = mkdtempSync(path.join(tmpdir(), "keyledger-pgcluster-"));
    if (asRoot) {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
      chownSync(dir, uid, gid);
    }
    const cluster = new PgCluster(dir, await freePort(), postgresBinDir()!);
    cluster.run("initdb", ["-D", path.join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    cluster.start();
    return cluster;
  }

  start(): void {
    const options = [`-p ${this.port}`, `-k ${this.dir}`, "-c listen_addresses=127.0.0.1", "-c fsync=off",
      "-c max_connections=200"].join(" ");
    this.run("pg_ctl", ["-D", path.join(this.dir, "data"), "-o", options, "-l", path.join(this.dir, "server.log"), "-w", "start"]);
    this.running = true;
  }

  /** Stops the server: "fast" ends every session (as an administrator's restart does), "immediate" as a crash. */
  stop(mode: "fast" | "immediate" = "fast"): void {
    this.run("pg_ctl", ["-D", path.join(this.dir, "data"), "-m", mode, "-w", "stop"]);
    this.running = false;
  }

  /** Stops the server if it runs and deletes the directory. */
  destroy(): void {
    if (this.running) {
      try {
        this.stop("immediate");
      } catch { /* already down */ }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
