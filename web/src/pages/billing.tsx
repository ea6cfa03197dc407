/**
 * Billing: the organisation's tier, this month's requests against the quota (warned from 80 %), resources against
 * the tier's limits, the prepaid credit balance with what expires soon, the credit ledger, recent usage, and the
 * overage method (owners and admins change it). On a self-hosted install an operator sets tiers and grants credits.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorBox, Form, Notice, PageTitle, useAction, useLoad, when } from "../ui";

interface UsageMeter { used: number; limit: number }
interface Subscription {
  tier: string; status: string; period_end?: string; credit_balance_usd: string; overage_method: string;
  usage: Record<string, UsageMeter>;
}
interface MonthUsage { current_month: { total_requests: number; paid_requests: number; free_requests: number; total_cost_usd: string } }
interface CreditBalance { balance_usd: string; expiring_within_90_days?: { amount_cents: number; earliest_expiry: string | null } }
interface CreditTransaction { id: string; type: string; amount_cents: number; balance_after_cents: number; description?: string; created_at: string }
interface UsageEvent { id: string; method: string; endpoint: string; status_code: number; price_usd: string; is_paid: boolean; created_at: string }

/** The API's "no limit" (the enterprise tier). */
const UNLIMITED = -1;
const WARN_AT_PERCENT = 80;
const OVERAGE_METHODS = [
  ["credits", "Prepaid credits", "requests over the quota are debited from the credit balance"],
  ["x402", "x402 micropayments", "requests over the quota answer 402 until the caller pays per request"],
] as const;
const RESOURCES = [["vaults", "Vaults"], ["secrets", "Secrets"], ["agents", "Agents"]] as const;

/** The API's exact dollar text ("25", "0.0015") shown with at least cents: "$25.00", "$0.0015". */
function usd(text: string): string {
  const [whole, fraction = ""] = text.replace(/^-/, "").split(".");
  return `${text.startsWith("-") ? "−" : ""}$${whole}.${fraction.padEnd(2, "0")}`;
}
const dollars = (cents: number) => `${cents < 0 ? "−" : ""}$${(Math.abs(cents) / 100).toFixed(2)}`;
const percentOf = (meter: UsageMeter) => meter.limit > 0 ? Math.min(100, Math.floor(meter.used * 100 / meter.limit)) : 0;

function Meter(props: { label: string; meter: UsageMeter }) {
  const { used, limit } = props.meter;
  if (limit === UNLIMITED) return <p><strong>{props.label}:</strong> {used.toLocaleString()} (unlimited)</p>;
  const percent = percentOf(props.meter);
  return (
    <div class="meter">
      <p><strong>{props.label}:</strong> {used.toLocaleString()} of {limit.toLocaleString()} ({percent} %)</p>
      <progress max={100} value={percent} aria-label={`${props.label}: ${percent} % used`} />
    </div>
  );
}

export function BillingPage() {
  const billing = useLoad(async () => {
    const [subscription, month, me] = await Promise.all([
      api<Subscription>("GET", "/v1/billing/subscription"),
      api<MonthUsage>("GET", "/v1/billing/usage"),
      api<{ role: string }>("GET", "/v1/auth/me"),
    ]);
    return { subscription, month: month.current_month, canManage: me.role === "owner" || me.role === "admin" };
  }, []);
  const credits = useLoad(async () => {
    const [balance, ledger, history] = await Promise.all([
      api<CreditBalance>("GET", "/v1/billing/credits/balance"),
      api<{ transactions: CreditTransaction[] }>("GET", "/v1/billing/credits/transactions?limit=50"),
      api<{ events: UsageEvent[] }>("GET", "/v1/billing/history?limit=20"),
    ]);
    return { balance, transactions: ledger.transactions, history: history.events };
  }, []);
  const sub = billing.data?.subscription;
  const [method, setMethod] = useState("");
  const [saved, setSaved] = useState<string>();
  useEffect(() => { if (sub) setMethod(sub.overage_method); }, [sub?.overage_method]);
  const save = useAction(async () => {
    setSaved(undefined);
    setSaved((await api<{ overage_method: string }>("PATCH", "/v1/billing/overage-method", { method })).overage_method);
    billing.reload();
  });

  const requests = sub?.usage.requests;
  const expiring = credits.data?.balance.expiring_within_90_days;
  return (
    <main id="main">
      <PageTitle>Billing</PageTitle>
      <ErrorBox error={billing.error} />
      {sub && billing.data && (
        <section class="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading">Plan</h2>
          <dl>
            <dt>Tier</dt><dd data-testid="billing-tier">{sub.tier}</dd>
            <dt>Status</dt><dd>{sub.status}</dd>
            {sub.period_end && <><dt>Paid until</dt><dd>{when(sub.period_end)}</dd></>}
          </dl>
          <p class="hint">Tiers are set by the install's operator (<code>keyledger org set-tier</code>); no payment provider is
            configured on a self-hosted install.</p>
        </section>
      )}
      {requests && billing.data && (
        <section class="card" aria-labelledby="usage-heading">
          <h2 id="usage-heading">Usage this month</h2>
          <Meter label="Requests" meter={requests} />
          {requests.limit !== UNLIMITED && percentOf(requests) >= WARN_AT_PERCENT && (
            <p class="warning" role="status">You have used {percentOf(requests)} % of this month's requests. Over the quota,
              requests are paid by the overage method below.</p>
          )}
          <p class="meta">{billing.data.month.free_requests.toLocaleString()} within the quota,{" "}
            {billing.data.month.paid_requests.toLocaleString()} paid as overage ({usd(billing.data.month.total_cost_usd)}).</p>
          <h3>Resources</h3>
          {RESOURCES.filter(([key]) => sub.usage[key]).map(([key, label]) => <Meter key={key} label={label} meter={sub.usage[key]} />)}
        </section>
      )}

      <section class="card" aria-labelledby="credits-heading">
        <h2 id="credits-heading">Prepaid credits</h2>
        <ErrorBox error={credits.error} />
        {credits.data && (
          <>
            <p>Balance: <strong data-testid="credit-balance">{usd(credits.data.balance.balance_usd)}</strong></p>
            {expiring && expiring.amount_cents > 0 && (
              <p class="warning">{dollars(expiring.amount_cents)} expire{expiring.earliest_expiry && <> from {when(expiring.earliest_expiry)}</>} (within 90 days).</p>
            )}
            <p class="hint">Credits expire 12 months after they are added. Top-ups are granted by the install's operator
              (<code>keyledger credits grant</code>).</p>
            <table>
              <caption>Credit transactions</caption>
              <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Amount</th><th scope="col">Balance after</th><th scope="col">Description</th></tr></thead>
              <tbody>{credits.data.transactions.map((entry) => (
                <tr key={entry.id}><td>{when(entry.created_at)}</td><td>{entry.type}</td><td>{dollars(entry.amount_cents)}</td>
                  <td>{dollars(entry.balance_after_cents)}</td><td>{entry.description ?? ""}</td></tr>
              ))}</tbody>
            </table>
            {credits.data.transactions.length === 0 && <p class="meta">No credit transactions yet.</p>}
          </>
        )}
      </section>

      {sub && billing.data && (
        <Form label="Overage method" onSubmit={() => save.run()}>
          <h2>Overage method</h2>
          <fieldset disabled={!billing.data.canManage}>
            <legend>How requests over the monthly quota are paid</legend>
            {OVERAGE_METHODS.map(([value, label, hint]) => (
              <div key={value}>
                <label><input type="radio" name="overage-method" value={value} checked={method === value}
                  onChange={() => { setMethod(value); setSaved(undefined); }} /> {label}</label>
                <small class="hint"> {hint}</small>
              </div>
            ))}
          </fieldset>
          {!billing.data.canManage && <p class="hint">Only owners and admins change the overage method.</p>}
          <ErrorBox error={save.error} />
          {saved && <Notice>Overage method saved: {saved}.</Notice>}
          {billing.data.canManage && <button type="submit" disabled={save.busy || method === sub.overage_method}>Save overage method</button>}
        </Form>
      )}

      {credits.data && (
        <table>
          <caption>Recent requests</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Request</th><th scope="col">Status</th><th scope="col">Price</th></tr></thead>
          <tbody>{credits.data.history.map((event) => (
            <tr key={event.id}><td>{when(event.created_at)}</td><td><code>{event.method} {event.endpoint}</code></td>
              <td>{event.status_code}</td><td>{event.is_paid ? usd(event.price_usd) : "within quota"}</td></tr>
          ))}</tbody>
        </table>
      )}
    </main>
  );
}
