import { segment, type HttpClient } from "../http.js";
import type { CmekRotationJobResponse, CreateVaultRequest, OneclawResponse, VaultListResponse, VaultResponse } from "../types.js";

/** Vaults: containers of secrets, each with its own key in the HSM. */
export class VaultsResource {
  constructor(private readonly http: HttpClient) {}

  create(body: CreateVaultRequest): Promise<OneclawResponse<VaultResponse>> {
    return this.http.request("POST", "/v1/vaults", { body });
  }

  get(vaultId: string): Promise<OneclawResponse<VaultResponse>> {
    return this.http.request("GET", `/v1/vaults/${segment(vaultId)}`);
  }

  list(): Promise<OneclawResponse<VaultListResponse>> {
    return this.http.request("GET", "/v1/vaults");
  }

  /** Turns on customer-managed encryption with the key of this fingerprint (`cmekFingerprint(key)`); the key stays with you. */
  enableCmek(vaultId: string, fingerprint: string): Promise<OneclawResponse<VaultResponse>> {
    return this.http.request("POST", `/v1/vaults/${segment(vaultId)}/cmek`, { body: { fingerprint } });
  }

  /** New writes are HSM-only again; values already written stay encrypted under their key. */
  disableCmek(vaultId: string): Promise<OneclawResponse<VaultResponse>> {
    return this.http.request("DELETE", `/v1/vaults/${segment(vaultId)}/cmek`);
  }

  /**
   * Starts (or, after a server restart paused it, resumes) the server-assisted re-encryption of the vault's
   * values from the old key to the new one; keys as base64 of their 32 bytes. Poll `getCmekRotationJob`.
   */
  rotateCmek(vaultId: string, oldKeyBase64: string, newKeyBase64: string, newFingerprint: string):
    Promise<OneclawResponse<CmekRotationJobResponse>> {
    return this.http.request("POST", `/v1/vaults/${segment(vaultId)}/cmek-rotate`, {
      body: { new_fingerprint: newFingerprint },
      headers: { "x-cmek-old-key": oldKeyBase64, "x-cmek-new-key": newKeyBase64 },
    });
  }

  getCmekRotationJob(vaultId: string, jobId: string): Promise<OneclawResponse<CmekRotationJobResponse>> {
    return this.http.request("GET", `/v1/vaults/${segment(vaultId)}/cmek-rotate/${segment(jobId)}`);
  }

  /** Destroys the vault's key: its secrets become unreadable for good. */
  delete(vaultId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/vaults/${segment(vaultId)}`);
  }
}
