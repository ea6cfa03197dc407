/**
 * Session copies of the token's KEKs, made inside the module (`C_CopyObject` with `CKA_TOKEN=false`: the copy
 * keeps the key's attributes, so it is as sensitive and non-extractable as the original).
 *
 * Why: before each use of a token object SoftHSM opens, locks and reads the object's file, to see changes made
 * by other processes; a session object lives in the module's memory. An AES-GCM unwrap takes ~18 µs with the
 * copy against ~40 µs with the token object, which was a tenth of an audited read's CPU (issue 12).
 *
 * The bound: a copy is used for at most `maxAgeMs` after it was made; the next use makes a fresh copy from the
 * token object, which must by then still exist. So a KEK destroyed (crypto-shredded) by another process can
 * still unwrap here for at most that long, the bound of every other cache kept across API processes (1 s). In
 * this process destruction is immediate: copies carry the token object's label, and `destroyKek` of any
 * provider in the process finds and destroys them with it (session objects are visible to every session of
 * the application). Copies live in a session of their own, which only closing the provider closes.
 *
 * A module that will not copy a key (one made with `CKA_COPYABLE=false`, or without `C_CopyObject`) is used
 * through the token object itself, as before the copies: slower, never wrong.
 */
import pkcs11js from "pkcs11js";

type Handle = Buffer;

/** How long a session copy of a KEK is used before a fresh one is made from the token object. */
export const KEK_COPY_MAX_AGE_MS = 1_000;

interface Copy {
  handle: Handle;
  madeAt: number;
  /** False when the module would not copy the key and this is the token object's own handle. */
  owned: boolean;
}

export class KekCopies {
  private readonly copies = new Map<string, Copy>();

  constructor(
    private readonly pkcs11: pkcs11js.PKCS11,
    /** Used by this class alone, and only synchronously. */
    private readonly session: Handle,
    private readonly maxAgeMs = KEK_COPY_MAX_AGE_MS,
  ) {}

  /**
   * A usable copy of the token key under `label`, made now when there is none young enough (or the token object
   * itself, when the module will not copy it); undefined when the token has no such key.
   */
  handle(label: string): Handle | undefined {
    const kept = this.copies.get(label);
    if (kept && performance.now() - kept.madeAt < this.maxAgeMs) return kept.handle;
    this.forget(label);
    this.forgetExpired();
    const original = findObjects(this.pkcs11, this.session, pkcs11js.CKO_SECRET_KEY, label, { tokenOnly: true })[0];
    if (!original) return undefined;
    const copy = this.copyOf(original);
    if (copy === "gone") return undefined;
    this.copies.set(label, { handle: copy ?? original, madeAt: performance.now(), owned: copy !== undefined });
    return copy ?? original;
  }

  /** A copy; undefined when the module will not copy the key; "gone" when it was destroyed meanwhile. */
  private copyOf(original: Handle): Handle | undefined | "gone" {
    try {
      return this.pkcs11.C_CopyObject(this.session, original, [{ type: pkcs11js.CKA_TOKEN, value: false }]);
    } catch (error) {
      // pkcs11js hands this call's errors on as they come: an Error whose message starts with the CKR_ name.
      const code = error instanceof Error ? /^CKR_\w+/.exec(error.message)?.[0] : undefined;
      if (code === undefined) throw error;
      return code === "CKR_KEY_HANDLE_INVALID" || code === "CKR_OBJECT_HANDLE_INVALID" ? "gone" : undefined;
    }
  }

  /** Destroys the copy under `label`, if this process has not destroyed it already. */
  forget(label: string): void {
    const kept = this.copies.get(label);
    if (!kept) return;
    this.copies.delete(label);
    if (!kept.owned) return;
    try {
      this.pkcs11.C_DestroyObject(this.session, kept.handle);
    } catch (error) {
      if (!isStaleHandle(error)) throw error;
    }
  }

  /**
   * Destroys the copies past their age, so that a KEK used once (a vault read once) does not leave its copy in
   * the module for good. The map is in the order the copies were made, so this stops at the first young one.
   */
  private forgetExpired(): void {
    const now = performance.now();
    for (const [label, copy] of this.copies) {
      if (now - copy.madeAt < this.maxAgeMs) return;
      this.forget(label);
    }
  }

  /** Destroys every copy and closes their session. */
  close(): void {
    this.copies.clear();
    this.pkcs11.C_CloseSession(this.session);
  }
}

/** Objects of a class under a label: token objects and this process's session objects, or token objects only. */
export function findObjects(
  pkcs11: pkcs11js.PKCS11, session: Handle, objectClass: number, label: string, options: { tokenOnly?: boolean } = {},
): Handle[] {
  pkcs11.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    { type: pkcs11js.CKA_LABEL, value: label },
    ...(options.tokenOnly ? [{ type: pkcs11js.CKA_TOKEN, value: true }] : []),
  ]);
  try {
    return pkcs11.C_FindObjects(session, 16);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

/** A handle that no longer names an object: another provider in this process, or another process, destroyed it. */
export function isStaleHandle(error: unknown): boolean {
  return (
    error instanceof pkcs11js.Pkcs11Error &&
    (error.code === pkcs11js.CKR_KEY_HANDLE_INVALID || error.code === pkcs11js.CKR_OBJECT_HANDLE_INVALID)
  );
}
