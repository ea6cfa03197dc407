/** The access layer's refusals; kept free of imports so the HTTP problem table can name them without cycles. */
import { Forbidden, Invalid } from "../../commands/errors.js";

/** A request the caller is authenticated for but not permitted (403). The reason goes to the audit log. */
export class AccessDenied extends Forbidden {
  constructor(readonly reason: string) {
    super("you do not have permission for this; ask a vault owner for a policy");
    this.name = "AccessDenied";
  }
}

export class PolicyNotManageable extends Forbidden {
  constructor() {
    super("only the vault's creator and organisation owners and admins manage its policies");
    this.name = "PolicyNotManageable";
  }
}

/** An agent managing its own vault may not grant itself access: its humans decide what it reaches. */
export class SelfGrant extends Forbidden {
  constructor() {
    super("an agent cannot grant itself access; ask your human for a policy");
    this.name = "SelfGrant";
  }
}

/** An agent changes or revokes only the policies it created on its vault. */
export class PolicyNotYours extends Forbidden {
  constructor() {
    super("this policy was set by someone else; only they, the organisation's owners and admins can change it");
    this.name = "PolicyNotYours";
  }
}

export class UnknownPolicyPrincipal extends Invalid {
  constructor(type: string) {
    super(`principal_id does not name a ${type} of your organisation`);
    this.name = "UnknownPolicyPrincipal";
  }
}
