/**
 * One loaded PKCS#11 library per process. The library is process-global (dlopen returns the same copy,
 * and a second C_Initialize fails), so providers share it: the first one initializes it, the last one to
 * close finalizes it. Login state is per token and per application too, so logins are counted per slot:
 * the first provider on a token logs in, the last one logs out.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import pkcs11js from "pkcs11js";

interface Login {
  providers: number;
  /** Keyed digest of the PIN that logged in, to refuse a later provider that brings a wrong one. */
  pinDigest: Buffer;
}

interface LoadedModule {
  pkcs11: pkcs11js.PKCS11;
  users: number;
  loginsBySlot: Map<string, Login>;
}

const pinDigestKey = randomBytes(32);
const digestOf = (pin: string) => createHmac("sha256", pinDigestKey).update(pin).digest();

const modules = new Map<string, LoadedModule>();

/** Loads and initializes the library at `modulePath`, or shares the copy already initialized. */
export function acquireModule(modulePath: string): pkcs11js.PKCS11 {
  let loaded = modules.get(modulePath);
  if (!loaded) {
    const pkcs11 = new pkcs11js.PKCS11();
    pkcs11.load(modulePath);
    // Without OS locking the library is not thread-safe, and async calls run on libuv worker threads.
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    loaded = { pkcs11, users: 0, loginsBySlot: new Map() };
    modules.set(modulePath, loaded);
  }
  loaded.users += 1;
  return loaded.pkcs11;
}

export function releaseModule(modulePath: string): void {
  const loaded = modules.get(modulePath);
  if (!loaded) return;
  loaded.users -= 1;
  if (loaded.users > 0) return;
  modules.delete(modulePath);
  loaded.pkcs11.C_Finalize();
  loaded.pkcs11.close();
}

/** Whether the library is initialized in this process (SoftHSM only sees tokens created before that). */
export function isModuleInitialized(modulePath: string): boolean {
  return modules.has(modulePath);
}

/**
 * Logs the user in on the token in `slot` unless another provider in this process already did; then the
 * PIN must be the one that logged in, since the module itself would no longer check it.
 */
export function loginUser(modulePath: string, slot: Buffer, session: Buffer, pin: string): void {
  const loaded = mustBeLoaded(modulePath);
  const key = slot.toString("hex");
  const login = loaded.loginsBySlot.get(key);
  if (login) {
    if (!timingSafeEqual(login.pinDigest, digestOf(pin))) throw new Error("CKR_PIN_INCORRECT");
    login.providers += 1;
    return;
  }
  try {
    loaded.pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) throw error;
  }
  loaded.loginsBySlot.set(key, { providers: 1, pinDigest: digestOf(pin) });
}

/** Logs out of the token when the last provider using it in this process lets go. */
export function logoutUser(modulePath: string, slot: Buffer, session: Buffer): void {
  const loaded = mustBeLoaded(modulePath);
  const key = slot.toString("hex");
  const login = loaded.loginsBySlot.get(key);
  if (login && login.providers > 1) {
    login.providers -= 1;
    return;
  }
  loaded.loginsBySlot.delete(key);
  loaded.pkcs11.C_Logout(session);
}

function mustBeLoaded(modulePath: string): LoadedModule {
  const loaded = modules.get(modulePath);
  if (!loaded) throw new Error(`PKCS#11 library ${modulePath} is not initialized`);
  return loaded;
}
