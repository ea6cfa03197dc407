/**
 * A customer key file (`--cmek-key-file`): the 32 raw bytes, or one line of their base64 or hex, as the
 * dashboard's downloadable `.key` file or `keyledger vault cmek-keygen` writes it. The key never leaves this
 * machine, except as the rotation headers the server needs.
 */
import { readFile, writeFile } from "node:fs/promises";
import { CMEK_KEY_BYTES, fromBase64, generateCmekKey, toBase64 } from "../../sdk/cmek.js";
import { UsageError } from "./errors.js";

export async function readCmekKeyFile(file: string): Promise<Uint8Array> {
  const bytes = await readFile(file).catch(() => {
    throw new UsageError(`cannot read the key file ${file}`);
  });
  if (bytes.length === CMEK_KEY_BYTES) return new Uint8Array(bytes);
  const text = bytes.toString("utf8").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, "hex"));
  const decoded = fromBase64(text);
  if (decoded?.length === CMEK_KEY_BYTES) return decoded;
  throw new UsageError(`${file} is not a CMEK key: ${CMEK_KEY_BYTES} raw bytes, or their base64 or hex on one line`);
}

/** A new random key, written as base64 to a file only its owner can read; refuses to overwrite one. */
export async function writeNewCmekKeyFile(file: string): Promise<Uint8Array> {
  const key = generateCmekKey();
  await writeFile(file, `${toBase64(key)}\n`, { mode: 0o600, flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(error.code === "EEXIST" ? `${file} exists already; a key file is never overwritten` : `cannot write ${file}`);
  });
  return key;
}
