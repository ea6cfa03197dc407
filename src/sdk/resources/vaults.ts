import { segment, type HttpClient } from "../http.js";
import type { CreateVaultRequest, OneclawResponse, VaultListResponse, VaultResponse } from "../types.js";

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

  /** Destroys the vault's key: its secrets become unreadable for good. */
  delete(vaultId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/vaults/${segment(vaultId)}`);
  }
}
