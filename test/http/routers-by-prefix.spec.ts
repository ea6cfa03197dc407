import Router, { type Layer, type RouterContext } from "@koa/router";
import { expect } from "chai";
import Koa from "koa";
import { prefixOf, RoutersByPrefix } from "../../src/http/routers-by-prefix.js";

/** Registration order matters to koa-router (earlier layers run first), so the routes mix static and wild prefixes. */
const ROUTES: Array<[string, string]> = [
  ["GET", "/v1/health"],
  ["GET", "/v1/:anything/version"],
  ["GET", "/v1/vaults/:vaultId/secrets/*path"],
  ["PUT", "/v1/vaults/:vaultId/secrets/*path"],
  ["GET", "/v1/vaults"],
  ["POST", "/v1/agents/batch-delete"],
  ["GET", "/v1/agents/:agentId"],
  ["GET", "/mcp"],
  ["GET", "/openapi.json"],
  ["GET", "/:page"],
];

const PATHS = [
  "/v1/health", "/V1/Health", "/v1/health/", "/v1/health/hsm", "/v1/vaults", "/v1/vaults/", "/v1/vaults/v/secrets/a/b",
  "/v1/agents/batch-delete", "/v1/agents/x", "/v1/vaults/version", "/v1/other/version", "/mcp", "/mcp/", "/MCP",
  "/openapi.json", "/dashboard", "/", "//v1/health", "/v1", "/v1/", "/nothing/here/at/all",
];

/** The layers a request matched and the methods of the ones that ran, through the given router middleware. */
async function dispatch(middleware: Koa.Middleware, method: string, path: string) {
  const app = new Koa();
  const ran: string[] = [];
  const ctx = app.createContext(
    { method, url: path, headers: {}, socket: {} } as never,
    { getHeader: () => undefined, setHeader: () => undefined, removeHeader: () => undefined } as never);
  (ctx.state as { ran: string[] }).ran = ran;
  await middleware(ctx, async () => undefined);
  const matched = ((ctx as unknown as RouterContext).matched ?? []).map((layer: Layer) => `${layer.methods.join(",")} ${layer.path}`);
  return { matched, ran };
}

function record(method: string, path: string) {
  return async (ctx: Koa.Context, next: Koa.Next) => {
    (ctx.state as { ran: string[] }).ran.push(`${method} ${path}`);
    await next();
  };
}

describe("Routers by prefix", () => {
  it("names a path by its first two segments, lower-cased", () => {
    expect(prefixOf("/v1/vaults/x/secrets")).to.equal("/v1/vaults");
    expect(prefixOf("/V1/Vaults")).to.equal("/v1/vaults");
    expect(prefixOf("/v1/vaults/")).to.equal("/v1/vaults");
    expect(prefixOf("/mcp")).to.equal("/mcp/");
    expect(prefixOf("/mcp/")).to.equal("/mcp/");
    expect(prefixOf("/")).to.equal("//");
  });

  it("matches and runs exactly what one router of every route does, in the same order", async () => {
    const single = new Router();
    const split = new RoutersByPrefix<string>();
    for (const [method, path] of ROUTES) {
      single.register(path, [method], record(method, path));
      split.register(path, [method], record(method, path), `${method} ${path}`);
    }
    let ran = 0;
    for (const method of ["GET", "PUT", "POST", "DELETE"]) {
      for (const path of PATHS) {
        const expected = await dispatch(single.routes() as unknown as Koa.Middleware, method, path);
        const actual = await dispatch(split.middleware(), method, path);
        expect(actual, `${method} ${path}`).to.deep.equal(expected);
        ran += expected.ran.length;
      }
    }
    expect(ran, "routes that ran").to.be.greaterThan(15);
  });

  it("tells which route a matched layer belongs to", async () => {
    const split = new RoutersByPrefix<string>();
    split.register("/v1/:anything/version", ["GET"], async () => undefined, "wild");
    split.register("/v1/vaults", ["GET"], async () => undefined, "vaults");
    const app = new Koa();
    const ctx = app.createContext({ method: "GET", url: "/v1/vaults/version", headers: {}, socket: {} } as never,
      { getHeader: () => undefined, setHeader: () => undefined, removeHeader: () => undefined } as never);
    await split.middleware()(ctx, async () => undefined);
    const tags = ((ctx as unknown as RouterContext).matched ?? []).map((layer: Layer) => split.tagOf(layer));
    expect(tags).to.deep.equal(["wild"]);
  });
});
