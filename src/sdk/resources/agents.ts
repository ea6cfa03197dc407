import { HttpClient, segment } from "../http.js";
import type {
  AgentCreatedResponse, AgentKeyRotatedResponse, AgentListResponse, AgentResponse, BatchDeleteAgentsResponse, BundleSimulationResponse,
  CreateAgentRequest, CreateRouterKeyRequest, EnrollAgentRequest, EnrollAgentResponse, MintedAgentTokenResponse, OneclawResponse, SimulateBundleRequest,
  SignTransactionResponse, SimulateTransactionRequest, SimulationResponse, SubmitTransactionRequest, TransactionListResponse,
  RouterKeyCreatedResponse, RouterKeyListResponse, TransactionResponse, UpdateAgentRequest,
} from "../types.js";

export interface SubmitTransactionOptions {
  /** Replay protection: the same key within 24 h answers the first submission. Default: a fresh UUID per call. */
  idempotencyKey?: string;
}

export interface ReadTransactionOptions {
  /** The signed transaction is left out of reads unless asked for. */
  includeSignedTx?: boolean;
}

/** Agents: registration and management (humans), an agent's own profile, and the Intents API. */
export class AgentsResource {
  constructor(private readonly http: HttpClient) {}

  /** Self-enrolment, without credentials: the agent's id and key are mailed to the human. */
  static enroll(baseUrl: string, body: EnrollAgentRequest, options: { fetch?: typeof fetch } = {}): Promise<OneclawResponse<EnrollAgentResponse>> {
    return new HttpClient({ baseUrl, fetch: options.fetch }).request("POST", "/v1/agents/enroll", { body, auth: false });
  }

  /** The answer's `api_key` is shown once, here: hand it to the agent and store it nowhere else. */
  create(body: CreateAgentRequest): Promise<OneclawResponse<AgentCreatedResponse>> {
    return this.http.request("POST", "/v1/agents", { body });
  }

  get(agentId: string): Promise<OneclawResponse<AgentResponse>> {
    return this.http.request("GET", `/v1/agents/${segment(agentId)}`);
  }

  /** The calling agent's own record. */
  getSelf(): Promise<OneclawResponse<AgentResponse>> {
    return this.http.request("GET", "/v1/agents/me");
  }

  list(): Promise<OneclawResponse<AgentListResponse>> {
    return this.http.request("GET", "/v1/agents");
  }

  update(agentId: string, body: UpdateAgentRequest): Promise<OneclawResponse<AgentResponse>> {
    return this.http.request("PATCH", `/v1/agents/${segment(agentId)}`, { body });
  }

  delete(agentId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/agents/${segment(agentId)}`);
  }

  /** Deletes each named agent on its own; those that could not be are in the answer's `errors`. */
  batchDelete(agentIds: string[]): Promise<OneclawResponse<BatchDeleteAgentsResponse>> {
    return this.http.request("POST", "/v1/agents/batch-delete", { body: { agent_ids: agentIds } });
  }

  /** A new `ocv_` key; the old one stops working. */
  rotateKey(agentId: string): Promise<OneclawResponse<AgentKeyRotatedResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/rotate-key`);
  }

  /** A short-lived token for one of your agents (at most 15 minutes), minted without its key. */
  mintToken(agentId: string): Promise<OneclawResponse<MintedAgentTokenResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/token`);
  }

  rotateIdentityKeys(agentId: string): Promise<OneclawResponse<AgentResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/rotate-identity-keys`);
  }

  /** A Shroud router key (`sk-shroud-v1-…`) for a Shroud agent: the answer's `key` is shown once, with its `base_url`. */
  createRouterKey(agentId: string, body: CreateRouterKeyRequest): Promise<OneclawResponse<RouterKeyCreatedResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/router-keys`, { body });
  }

  listRouterKeys(agentId: string): Promise<OneclawResponse<RouterKeyListResponse>> {
    return this.http.request("GET", `/v1/agents/${segment(agentId)}/router-keys`);
  }

  /** Shroud refuses the key from its next call on. */
  revokeRouterKey(agentId: string, keyId: string): Promise<OneclawResponse<null>> {
    return this.http.request("DELETE", `/v1/agents/${segment(agentId)}/router-keys/${segment(keyId)}`);
  }

  /** Sign (and broadcast) an EVM transaction with a key that stays in the vault. */
  submitTransaction(agentId: string, body: SubmitTransactionRequest, options: SubmitTransactionOptions = {}): Promise<OneclawResponse<TransactionResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/transactions`, {
      body, headers: { "Idempotency-Key": options.idempotencyKey ?? globalThis.crypto.randomUUID() },
    });
  }

  /** Sign without broadcasting (the same guardrails; it counts toward the daily limit): you send `signed_tx` yourself. */
  signTransaction(agentId: string, body: SubmitTransactionRequest, options: SubmitTransactionOptions = {}): Promise<OneclawResponse<SignTransactionResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/transactions/sign`, {
      body, headers: { "Idempotency-Key": options.idempotencyKey ?? globalThis.crypto.randomUUID() },
    });
  }

  simulateTransaction(agentId: string, body: SimulateTransactionRequest): Promise<OneclawResponse<SimulationResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/transactions/simulate`, { body });
  }

  simulateBundle(agentId: string, body: SimulateBundleRequest): Promise<OneclawResponse<BundleSimulationResponse>> {
    return this.http.request("POST", `/v1/agents/${segment(agentId)}/transactions/simulate-bundle`, { body });
  }

  getTransaction(agentId: string, txId: string, options: ReadTransactionOptions = {}): Promise<OneclawResponse<TransactionResponse>> {
    return this.http.request("GET", `/v1/agents/${segment(agentId)}/transactions/${segment(txId)}`,
      { query: { include_signed_tx: options.includeSignedTx || undefined } });
  }

  listTransactions(agentId: string, options: ReadTransactionOptions = {}): Promise<OneclawResponse<TransactionListResponse>> {
    return this.http.request("GET", `/v1/agents/${segment(agentId)}/transactions`,
      { query: { include_signed_tx: options.includeSignedTx || undefined } });
  }
}
