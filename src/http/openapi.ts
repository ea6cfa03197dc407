/**
 * The OpenAPI 3.1 document, generated from the declared routes. zod emits JSON Schema 2020-12, which is
 * OpenAPI 3.1's schema dialect; schemas named with `.meta({ id })` become shared components.
 */
import { STATUS_CODES } from "node:http";
import { z } from "zod";
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from "./problems.js";
import { toOpenApiPath, type Route } from "./route.js";

type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  /** Base URL of the API, when known (KEYLEDGER_PUBLIC_URL). */
  serverUrl?: string;
}

/** Converts schemas, moving each named sub-schema into `components` and pointing `$ref`s there. */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    const json = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
    const { $schema: _dialect, $defs, ...rest } = json;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      this.components[name] = relink(def) as JsonSchema;
    }
    return relink(rest) as JsonSchema;
  }

  /** The schema itself when it is a reference to a component (a named params or query object). */
  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    return typeof ref === "string" ? (this.components[ref.replace("#/components/schemas/", "")] ?? schema) : schema;
  }
}

function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === "$ref" && typeof v === "string" ? v.replace(/^#\/\$defs\//, "#/components/schemas/") : relink(v),
    ]),
  );
}

function problemResponse(status: number) {
  return {
    description: STATUS_CODES[status] ?? "Error",
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/ProblemDetails" } } },
  };
}

function parameters(schemas: SchemaCollector, schema: z.ZodObject | undefined, where: "path" | "query") {
  if (!schema) return [];
  const json = schemas.resolve(schemas.convert(schema, "input"));
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: property,
  }));
}

function operation(schemas: SchemaCollector, route: Route) {
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    const description = STATUS_CODES[Number(status)] ?? "Response";
    responses[status] = schema
      ? { description, content: { "application/json": { schema: schemas.convert(schema, "output") } } }
      : { description };
  }
  responses["400"] ??= problemResponse(400);
  if (route.auth !== "none") responses["401"] ??= problemResponse(401);
  responses.default = problemResponse(500);

  const body = route.request.body;
  return {
    ...(route.operationId && { operationId: route.operationId }),
    summary: route.summary,
    ...(route.description && { description: route.description }),
    ...(route.tags && { tags: route.tags }),
    ...(route.auth === "none" && { security: [] }),
    // Optional: a bearer token when the caller has one, else anonymous.
    ...(route.auth === "optional" && { security: [{ bearerAuth: [] }, {}] }),
    parameters: [
      ...parameters(schemas, route.request.params, "path"),
      ...parameters(schemas, route.request.query, "query"),
    ],
    ...(body && {
      requestBody: {
        required: !body.safeParse(undefined).success,
        content: { "application/json": { schema: schemas.convert(body, "input") } },
      },
    }),
    responses,
  };
}

export function openApiDocument(routes: readonly Route[], info: OpenApiInfo): Record<string, unknown> {
  const schemas = new SchemaCollector();
  schemas.convert(ProblemSchema, "output");
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(schemas, route);
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description && { description: info.description }) },
    ...(info.serverUrl && { servers: [{ url: info.serverUrl }] }),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: schemas.components,
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
    },
  };
}
