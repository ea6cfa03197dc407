import { segment, type HttpClient } from "../http.js";
import type { CreatePolicyRequest, OneclawResponse, PolicyListResponse, PolicyResponse, UpdatePolicyRequest } from "../types.js";

export type Permission = CreatePolicyRequest["permissions"][number];

export interface GrantOptions extends Pick<CreatePolicyRequest, "conditions" | "expires_at" | "effect" | "priority"> {
  /** Glob over secret paths (`api-keys/*`, `db/**`); default `**`, the whole vault. */
  path?: string;
}

/** Access policies: who may read or write which paths of a vault. */
export class AccessResource {
  constructor(private readonly http: HttpClient) {}

  grantAgent(vaultId: string, agentId: string, permissions: Permission[], options: GrantOptions = {}): Promise<OneclawResponse<PolicyResponse>> {
    return this.grant(vaultId, "agent", agentId, permissions, options);
  }

  grantHuman(vaultId: string, userId: string, permissions: Permission[], options: GrantOptions = {}): Promise<OneclawResponse<PolicyResponse>> {
    return this.grant(vaultId, "user", userId, permissions, options);
  }

  listGrants(vaultId: string): Promise<OneclawResponse<PolicyListResponse>> {
    return this.http.request("GET", `/v1/vaults/${segment(vaultId)}/policies`);
  }

  update(vaultId: string, policyId: string, body: UpdatePolicyRequest): Promise<OneclawResponse<PolicyResponse>> {
    return this.http.request("PUT", `/v1/vaults/${segment(vaultId)}/policies/${segment(policyId)}`, { body });
  }

  revoke(vaultId: string, policyId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/vaults/${segment(vaultId)}/policies/${segment(policyId)}`);
  }

  private grant(vaultId: string, principalType: "user" | "agent", principalId: string, permissions: Permission[],
    { path, ...terms }: GrantOptions): Promise<OneclawResponse<PolicyResponse>> {
    const body: CreatePolicyRequest = {
      secret_path_pattern: path ?? "**", principal_type: principalType, principal_id: principalId, permissions, ...terms,
    };
    return this.http.request("POST", `/v1/vaults/${segment(vaultId)}/policies`, { body });
  }
}
