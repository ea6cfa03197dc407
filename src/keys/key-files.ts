/**
 * Files of the local key store: one per key, named after the key id, written atomically. A key file is
 * first written under a temporary name and then hard-linked into place, which (unlike rename) fails when
 * the name is taken: creating the same key twice, even from two processes, cannot overwrite the first.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { join } from "node:path";

/** At most this many files' contents are kept by readKept (a key per vault: beyond it, the oldest go). */
const KEPT_FILES = 10_000;

export class KeyFiles {
  /** Contents read by readKept, with the identity of the file they were read from. */
  private readonly kept = new Map<string, { identity: string; contents: Buffer }>();

  constructor(private readonly directory: string) {}

  async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
  }

  /** Writes a new file; false when one already exists under that name. */
  async create(name: string, contents: Uint8Array): Promise<boolean> {
    const temporary = join(this.directory, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
    const file = await open(temporary, "wx", 0o600);
    try {
      await file.writeFile(contents);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await link(temporary, this.path(name));
      await this.syncDirectory();
      return true;
    } catch (error) {
      if (isCode(error, "EEXIST")) return false;
      throw error;
    } finally {
      await unlink(temporary);
    }
  }

  /** The file's contents, or undefined when there is none. */
  async read(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(name));
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
  }

  /**
   * The file's contents, or undefined when there is none, like read; the contents are kept in memory with the
   * file's identity, and a later read that finds the same identity answers them: one stat instead of an open,
   * a stat, a read and a close (four trips to libuv's thread pool on every audited read, issue 12). A file
   * deleted (a key destroyed, by any process) is never answered from memory again. Keep only contents that
   * are sealed (the local keys are, under the master key): what is kept is what the disk holds.
   */
  async readKept(name: string): Promise<Buffer | undefined> {
    const identity = await this.identity(name);
    if (!identity) {
      this.kept.delete(name);
      return undefined;
    }
    const kept = this.kept.get(name);
    if (kept?.identity === identity) return Buffer.from(kept.contents);
    let file;
    try {
      file = await open(this.path(name), "r");
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
    try {
      // The identity of the file actually read, so that what is kept is never newer or older than its key.
      const read = identityOf(await file.stat({ bigint: true }));
      const contents = await file.readFile();
      this.kept.delete(name);
      this.kept.set(name, { identity: read, contents });
      if (this.kept.size > KEPT_FILES) this.kept.delete(this.kept.keys().next().value!);
      return Buffer.from(contents);
    } finally {
      await file.close();
    }
  }

  /** Forgets what readKept kept. */
  forgetKept(): void {
    for (const { contents } of this.kept.values()) contents.fill(0);
    this.kept.clear();
  }

  /**
   * Identifies one version of a file (inode and change time), or undefined when there is none. Key files
   * are never rewritten in place, so an unchanged identity means unchanged contents.
   */
  async identity(name: string): Promise<string | undefined> {
    try {
      return identityOf(await stat(this.path(name), { bigint: true }));
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
  }

  /** Deletes the file; false when there was none. */
  async remove(name: string): Promise<boolean> {
    try {
      await unlink(this.path(name));
      await this.syncDirectory();
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
  }

  private path(name: string): string {
    return join(this.directory, name);
  }

  /** Makes the new or removed directory entry durable. */
  private async syncDirectory(): Promise<void> {
    const directory = await open(this.directory, "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}

function identityOf(stats: BigIntStats): string {
  return `${stats.ino}:${stats.ctimeNs}`;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
