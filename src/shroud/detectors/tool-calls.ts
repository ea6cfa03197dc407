/**
 * Tool-call inspection: the tools a request offers the model and the calls either side makes (OpenAI
 * `tools`/`tool_calls`, Anthropic `tool_use`, Responses `function_call`, Gemini `functionCall`), checked
 * against the agent's allowed and denied tool names; the arguments of calls go through the command-injection,
 * network and filesystem detectors, and are refused when they carry a credential (exfiltration through a tool).
 */
import { detectCommandInjection, type CommandInjectionOptions } from "./command-injection.js";
import { detectFilesystemThreats } from "./filesystem.js";
import { detectNetworkThreats, type NetworkOptions } from "./network.js";
import { findCredentials } from "./response.js";
import type { Threat } from "./threat.js";

export interface ToolCall {
  name: string;
  /** The arguments as text (JSON as the provider sent it); empty for a tool that is only offered. */
  arguments: string;
  /** Offered to the model (a declaration), not called. */
  offered: boolean;
}

type Json = Record<string, any>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const argumentText = (value: unknown) => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));

/** Every tool offered or called anywhere in a request or response body, whatever the provider's shape. */
export function extractToolCalls(body: unknown, into: ToolCall[] = []): ToolCall[] {
  if (Array.isArray(body)) {
    for (const item of body) extractToolCalls(item, into);
    return into;
  }
  if (!isObject(body)) return into;
  if (body.type === "function" && isObject(body.function) && typeof body.function.name === "string") {
    const offered = !("arguments" in body.function);
    into.push({ name: body.function.name, arguments: argumentText(body.function.arguments), offered });
  } else if ((body.type === "tool_use" || body.type === "function_call") && typeof body.name === "string") {
    into.push({ name: body.name, arguments: argumentText(body.type === "tool_use" ? body.input : body.arguments), offered: false });
  } else if (isObject(body.functionCall) && typeof body.functionCall.name === "string") {
    into.push({ name: body.functionCall.name, arguments: argumentText(body.functionCall.args), offered: false });
  }
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) {
      if (!isObject(tool)) continue;
      // OpenAI chat declares `{type: "function", function: {name}}`; Anthropic and Responses `{name}`; Gemini below.
      const declaredName = isObject(tool.function) ? tool.function.name : tool.name;
      if (typeof declaredName === "string") into.push({ name: declaredName, arguments: "", offered: true });
      for (const declared of Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []) {
        if (isObject(declared) && typeof declared.name === "string") into.push({ name: declared.name, arguments: "", offered: true });
      }
    }
  }
  for (const [key, value] of Object.entries(body)) {
    if (key === "tools" || key === "functionCall") continue;
    if (key === "function" && body.type === "function") continue;
    if (typeof value === "object" && value !== null) extractToolCalls(value, into);
  }
  return into;
}

export interface ToolCallOptions {
  allowedNames: readonly string[];
  deniedNames: readonly string[];
  scanArguments: boolean;
  blockCredentialExfil: boolean;
  commandInjection: CommandInjectionOptions;
  network: NetworkOptions;
  blockedPaths: readonly string[];
}

export interface ToolCallViolation {
  /** Content-free label for the call's record. */
  category: string;
  /** The refusal, in 1claw's style. */
  reason: string;
}

/** A tool's name as shown in a refusal: identifiers only (a name is model output, so anything else is not echoed). */
const shownName = (name: string) => (/^[A-Za-z0-9_.:-]{1,64}$/.test(name) ? name : "(unprintable)");

/** A redaction tag in the arguments: a vault secret was there (redacted before this layer). */
const REDACTED_SECRET = /\[REDACTED:#[0-9a-f]{8}\]/;

export function inspectToolCalls(calls: readonly ToolCall[], options: ToolCallOptions, location: Threat["location"]):
  { violations: ToolCallViolation[]; threats: Threat[] } {
  const violations: ToolCallViolation[] = [];
  const threats: Threat[] = [];
  for (const call of calls) {
    const name = shownName(call.name);
    if (options.deniedNames.includes(call.name)) {
      violations.push({ category: "denied_tool", reason: `tool '${name}' is in denied_tool_names` });
    } else if (options.allowedNames.length > 0 && !options.allowedNames.includes(call.name)) {
      violations.push({ category: "tool_not_allowed", reason: `tool '${name}' not in allowed_tool_names` });
    }
    if (call.offered || call.arguments === "") continue;
    if (options.scanArguments) {
      const found = [...detectCommandInjection(call.arguments, options.commandInjection, location),
        ...detectNetworkThreats(call.arguments, options.network, location).threats,
        ...detectFilesystemThreats(call.arguments, options.blockedPaths, location)];
      threats.push(...found);
      for (const threat of found) {
        violations.push({ category: `${threat.threat_type}:${threat.pattern}`,
          reason: `tool call '${name}' arguments: ${threat.threat_type.replace(/_/g, " ")} detected (${threat.pattern})` });
      }
    }
    if (options.blockCredentialExfil) {
      const kinds = [...findCredentials(call.arguments), ...(REDACTED_SECRET.test(call.arguments) ? ["vault_secret"] : [])];
      if (kinds.length > 0) {
        threats.push({ threat_type: "tool_call", pattern: "credential_exfiltration", location, severity: "critical" });
        violations.push({ category: "credential_exfiltration", reason: `tool call '${name}' arguments carry a credential (${kinds.join(", ")})` });
      }
    }
  }
  return { violations, threats };
}
