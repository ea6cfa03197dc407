/**
 * Shroud's activity log: one row per proxied call (allowed, warned or blocked), for `GET /v1/shroud/activity`
 * and the threat summary. Content-free like the events it comes from.
 */
import { occurredAt } from "../events/recorded.js";
import { ShroudCallRecorded } from "../events/shroud.js";
import { on, projection } from "./projection.js";

export const shroudCallsProjection = projection({
  name: "shroud_calls",
  version: 1,
  tables: ["shroud_calls"],
  schema: `
    create table shroud_calls (
      call_id uuid primary key,
      org_id uuid not null,
      agent_id uuid not null,
      provider text not null,
      model text not null,
      route text not null,
      action text not null,
      status int not null,
      streamed boolean not null,
      request_tokens int not null,
      response_tokens int not null,
      cost_micro_usd bigint not null,
      latency_ms int not null,
      secrets_redacted int not null,
      pii_detected jsonb not null,
      injection_score double precision not null,
      context_injection_score double precision not null,
      response_injection_score double precision not null,
      response_context_injection_score double precision not null,
      findings jsonb not null,
      policy_violations jsonb not null,
      external_urls_flagged int not null,
      unexpected_code_blocks boolean not null,
      content_filtered boolean not null,
      occurred_at timestamptz not null
    );
    create index shroud_calls_org_time on shroud_calls (org_id, occurred_at desc);
    create index shroud_calls_agent_time on shroud_calls (agent_id, occurred_at desc);`,
  handlers: [
    on(ShroudCallRecorded, async (event, tx) => {
      const d = event.data;
      await tx.query(
        `insert into shroud_calls (call_id, org_id, agent_id, provider, model, route, action, status, streamed, request_tokens,
           response_tokens, cost_micro_usd, latency_ms, secrets_redacted, pii_detected, injection_score, context_injection_score,
           response_injection_score, response_context_injection_score, findings, policy_violations, external_urls_flagged,
           unexpected_code_blocks, content_filtered, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
         on conflict (call_id) do nothing`,
        [d.call_id, d.org_id, d.agent_id, d.provider, d.model, d.route, d.action, d.status, d.streamed, d.request_tokens,
          d.response_tokens, d.cost_micro_usd, d.latency_ms, d.secrets_redacted, JSON.stringify(d.pii_detected), d.injection_score,
          d.context_injection_score, d.response_injection_score, d.response_context_injection_score, JSON.stringify(d.findings),
          JSON.stringify(d.policy_violations), d.external_urls_flagged, d.unexpected_code_blocks, d.content_filtered,
          occurredAt(event)]);
    }),
  ],
});
