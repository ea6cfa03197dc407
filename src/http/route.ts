/**
 * Routes declared with their schemas: the same declaration validates requests, types the handler and
 * documents the API (openapi.ts).
 *
 * Paths use OpenAPI's syntax: `{name}` is one segment; `{name+}` takes the rest of the path, slashes
 * included (secret paths such as `api-keys/stripe`). Either may arrive percent-encoded and reaches the
 * handler decoded.
 */
import { z } from "zod";
import type { Principal } from "./auth.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * "none": public. "required": the app's authenticate hook must answer a principal, else 401. "optional":
 * public, with the principal when the request carries acceptable credentials (e.g. a share that is public
 * as a link and private when targeted).
 */
export type AuthMode = "none" | "optional" | "required";

/** A response body schema per status; null for a status with no body (204). */
export type ResponseSchemas = { [status: number]: z.ZodType | null };

type ParamNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `${infer Base}+` ? Base : Name) | ParamNames<Rest>
  : never;

type ObjectSchema = z.ZodObject;

/** Keys of an inferred object literal are numeric strings ("200"); handlers answer numbers. */
type StatusOf<K> = K extends number ? K : K extends `${infer N extends number}` ? N : never;

export type Reply<R extends ResponseSchemas> = {
  [K in keyof R]: R[K] extends z.ZodType
    ? { status: StatusOf<K>; body: z.input<R[K]>; headers?: Record<string, string> }
    : { status: StatusOf<K>; headers?: Record<string, string> };
}[keyof R];

export interface RequestInfo {
  /** The request id (also in the X-Request-Id response header); goes into event metadata. */
  id: string;
  ip: string;
  userAgent?: string;
  /** A request header by name, case-insensitive (for values that must stay out of URLs, such as a share passphrase). */
  header?(name: string): string | undefined;
}

export interface HandlerInput<Params, Query, Body, A extends AuthMode> {
  params: Params;
  query: Query;
  body: Body;
  principal: A extends "none" ? undefined : A extends "optional" ? Principal | undefined : Principal;
  request: RequestInfo;
}

type Output<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

export interface RouteSpec<
  Path extends string,
  P extends ObjectSchema | undefined,
  Q extends ObjectSchema | undefined,
  B extends z.ZodType | undefined,
  R extends ResponseSchemas,
  A extends AuthMode,
> {
  method: HttpMethod;
  path: Path;
  summary: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  auth: A;
  request?: { params?: P; query?: Q; body?: B };
  responses: R;
}

export type Handler<Input, R extends ResponseSchemas> = (input: Input) => Promise<Reply<R>> | Reply<R>;

/**
 * The handler is given in a second step, `.handle(fn)`: by then the response schemas are fixed, so the
 * handler's answers are checked against them with their literal types (enums, status codes) intact.
 */
export interface RouteBuilder<Input, R extends ResponseSchemas> {
  handle(handler: Handler<Input, R>): Route;
}

/** A declared route with its types erased, as the app and the OpenAPI generator see it. */
export interface Route {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  auth: AuthMode;
  request: { params: ObjectSchema; query?: ObjectSchema; body?: z.ZodType };
  responses: ResponseSchemas;
  handler(input: HandlerInput<unknown, unknown, unknown, AuthMode>): Promise<ReplyShape> | ReplyShape;
}

export interface ReplyShape {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}/g;

/** Names of the path's parameters, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(PARAM)].map((m) => m[1]);
}

/** `/v1/vaults/{vaultId}/secrets/{path+}` -> `/v1/vaults/:vaultId/secrets/*path` (path-to-regexp 8). */
export function toRouterPath(path: string): string {
  let out = "";
  let last = 0;
  for (const m of path.matchAll(PARAM)) {
    out += escapeLiteral(path.slice(last, m.index)) + (m[2] ? `*${m[1]}` : `:${m[1]}`);
    last = m.index + m[0].length;
  }
  return out + escapeLiteral(path.slice(last));
}

/** `{path+}` -> `{path}`: OpenAPI has no catch-all marker. */
export function toOpenApiPath(path: string): string {
  return path.replace(PARAM, "{$1}");
}

function escapeLiteral(text: string): string {
  return text.replace(/[{}()[\]+?!:*\\]/g, "\\$&");
}

export function defineRoute<
  Path extends string,
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends ResponseSchemas = ResponseSchemas,
  A extends AuthMode = AuthMode,
>(
  spec: RouteSpec<Path, P, Q, B, R, A>,
): RouteBuilder<
  HandlerInput<Output<P, { [K in ParamNames<Path>]: string }>, Output<Q, Record<string, never>>, Output<B, undefined>, A>,
  R
> {
  const names = pathParamNames(spec.path);
  const params = spec.request?.params ?? z.object(Object.fromEntries(names.map((n) => [n, z.string()])));
  const declared = Object.keys(params.shape).sort().join(",");
  if (declared !== [...names].sort().join(",")) {
    throw new Error(`route ${spec.method} ${spec.path}: params schema declares [${declared}], path has [${names}]`);
  }
  return {
    handle: (handler) => ({
      ...spec,
      request: { params, query: spec.request?.query, body: spec.request?.body },
      handler: handler as Route["handler"],
    }),
  };
}
