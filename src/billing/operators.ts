/**
 * Who operates this install: the people who run the server, not the owners of an organisation in it. Over
 * HTTP an operator is a signed-in user whose email the server's environment lists (KEYLEDGER_OPERATOR_EMAILS),
 * something no organisation can change through the API; on the machine, whoever can run `keyledger` against
 * the stores (DATABASE_URL, the data directory) is one already.
 */
import { Forbidden } from "../../commands/errors.js";
import type { BillingActor } from "../../commands/billing.js";
import { requireUser } from "../auth/guards.js";
import type { Principal } from "../auth/principal.js";

export class OperatorsOnly extends Forbidden {
  constructor() {
    super("only operators of this install may do this (users listed in KEYLEDGER_OPERATOR_EMAILS); an organisation's owner is not one");
    this.name = "OperatorsOnly";
  }
}

export function requireOperator(principal: Principal | undefined, operatorEmails: readonly string[]): BillingActor {
  const user = requireUser(principal);
  if (!operatorEmails.includes(user.email.toLowerCase())) throw new OperatorsOnly();
  return { type: "operator", id: user.email.toLowerCase() };
}
