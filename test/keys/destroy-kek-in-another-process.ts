/**
 * Run by pkcs11.spec.ts as a process of its own: opens the token named in KEYLEDGER_TEST_PKCS11 (a
 * Pkcs11Config as JSON; SOFTHSM2_CONF comes from the parent) and destroys the KEK given as its argument, as
 * another API process deleting a vault would.
 */
import { openPkcs11Provider, type Pkcs11Config } from "../../src/keys/pkcs11.js";

const config = JSON.parse(process.env.KEYLEDGER_TEST_PKCS11!) as Pkcs11Config;
const keys = await openPkcs11Provider(config);
try {
  await keys.destroyKek(process.argv[2]!);
} finally {
  await keys.close();
}
