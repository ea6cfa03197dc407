/**
 * The Intents API, as in the reference: submit (sign and broadcast), sign only, simulate, and the agent's
 * transactions (without `signed_tx` unless `include_signed_tx` is `true` or `1`).
 */
import { z } from "zod";
import { AgentIdParams } from "../../api/agents.js";
import {
  BundleSimulationResponse, IDEMPOTENCY_KEY_HEADER, SignTransactionResponse, SimulateBundleRequest, SimulateTransactionRequest,
  SimulationResponse, SubmitTransactionRequest, TransactionListResponse, TransactionParams, TransactionQuery, TransactionResponse,
} from "../../api/transactions.js";
import { TransactionNotFound } from "../../../commands/transaction.js";
import type { Services } from "../../app/services.js";
import { requestMetadata } from "../../auth/metadata.js";
import type { Principal } from "../../auth/principal.js";
import { agentForReading } from "../../intents/caller.js";
import type { Intents } from "../../intents/index.js";
import { findAgentTransaction, listAgentTransactions } from "../../intents/queries.js";
import { submitTransaction, type Caller } from "../../intents/service.js";
import { simulateTransaction, simulateTransactionBundle } from "../../intents/simulate.js";
import { transactionRowBody } from "../../intents/views.js";
import { defineRoute, type RequestInfo, type Route } from "../route.js";

const includeSignedTx = (query: z.output<typeof TransactionQuery>) =>
  query.include_signed_tx === "true" || query.include_signed_tx === "1";

const callerOf = (principal: Principal, request: RequestInfo): Caller =>
  ({ principal, ip: request.ip, metadata: requestMetadata(request, principal) });

export function transactionRoutes(services: Services, intents: Intents): Route[] {
  const tags = ["Transactions"];
  return [
    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/transactions", summary: "Submit a transaction for signing",
      description: "Signs with the agent's key inside the vault and broadcasts. Optional Idempotency-Key header: the same " +
        "key within 24 hours answers the first transaction (200); while it is in flight, 409.",
      operationId: "submitTransaction", tags, auth: "required",
      request: { params: AgentIdParams, body: SubmitTransactionRequest },
      responses: { 200: TransactionResponse, 201: TransactionResponse, 422: TransactionResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const outcome = await submitTransaction(services, intents, callerOf(principal, request), params.agent_id, body, "submit",
        request.header?.(IDEMPOTENCY_KEY_HEADER));
      return outcome as { status: 200 | 201 | 422; body: z.input<typeof TransactionResponse> };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/transactions/sign", summary: "Sign a transaction without broadcasting",
      description: "Same checks and guardrails as submit; recorded with status sign_only (it counts toward the daily limit).",
      operationId: "signTransaction", tags, auth: "required",
      request: { params: AgentIdParams, body: SubmitTransactionRequest },
      responses: { 200: SignTransactionResponse, 422: TransactionResponse },
    }).handle(async ({ params, body, principal, request }) => {
      const outcome = await submitTransaction(services, intents, callerOf(principal, request), params.agent_id, body, "sign",
        request.header?.(IDEMPOTENCY_KEY_HEADER));
      return outcome as { status: 200; body: z.input<typeof SignTransactionResponse> } | { status: 422; body: z.input<typeof TransactionResponse> };
    }),

    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/transactions/simulate", summary: "Simulate a transaction",
      operationId: "simulateTransaction", tags, auth: "required",
      request: { params: AgentIdParams, body: SimulateTransactionRequest }, responses: { 200: SimulationResponse },
    }).handle(async ({ params, body, principal, request }) => ({
      status: 200, body: await simulateTransaction(services, intents, callerOf(principal, request), params.agent_id, body),
    })),

    defineRoute({
      method: "POST", path: "/v1/agents/{agent_id}/transactions/simulate-bundle", summary: "Simulate a bundle of transactions",
      description: "Sequential: each transaction is simulated on the state the previous ones left.",
      operationId: "simulateBundle", tags, auth: "required",
      request: { params: AgentIdParams, body: SimulateBundleRequest }, responses: { 200: BundleSimulationResponse },
    }).handle(async ({ params, body, principal, request }) => ({
      status: 200, body: { simulations: await simulateTransactionBundle(services, intents, callerOf(principal, request),
        params.agent_id, body.transactions) },
    })),

    defineRoute({
      method: "GET", path: "/v1/agents/{agent_id}/transactions", summary: "List agent transactions", operationId: "listTransactions",
      tags, auth: "required", request: { params: AgentIdParams, query: TransactionQuery }, responses: { 200: TransactionListResponse },
    }).handle(async ({ params, query, principal }) => {
      const agent = await agentForReading(services, principal, params.agent_id);
      const rows = await listAgentTransactions(services.db, agent.id);
      return { status: 200, body: { transactions: rows.map((row) => transactionRowBody(row, includeSignedTx(query))) } };
    }),

    defineRoute({
      method: "GET", path: "/v1/agents/{agent_id}/transactions/{tx_id}", summary: "Get a transaction by ID",
      operationId: "getTransaction", tags, auth: "required", request: { params: TransactionParams, query: TransactionQuery },
      responses: { 200: TransactionResponse },
    }).handle(async ({ params, query, principal }) => {
      const agent = await agentForReading(services, principal, params.agent_id);
      const row = await findAgentTransaction(services.db, agent.id, params.tx_id);
      if (!row) throw new TransactionNotFound(params.tx_id);
      return { status: 200, body: transactionRowBody(row, includeSignedTx(query)) };
    }),
  ];
}
