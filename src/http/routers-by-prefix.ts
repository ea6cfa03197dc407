/**
 * @koa/router tests every route's regular expression on every request; with ~150 routes that was an eighth of
 * a `GET /v1/health`'s CPU (issue 12). Here routes are split by their first two path segments, static text in
 * nearly every route: a request runs only the router of its own two segments. Routes whose first two segments
 * hold a parameter or pattern syntax ("wild" ones) are registered in every router, in their place in the
 * order, so each router holds every route that could match its paths, in registration order, and answers
 * exactly as one router of all routes would (`ctx.matched` included).
 */
import Router, { type Layer, type RouterMiddleware } from "@koa/router";
import type Koa from "koa";

/** Characters of path-to-regexp syntax: a prefix holding one is not plain text. */
const PATTERN_SYNTAX = /[:*{}()?+\\]/;

/**
 * The first two segments of a path, lower-cased (routers match case-insensitively), with a trailing slash
 * when there is only one: "/v1/vaults/x" and "/v1/vaults" -> "/v1/vaults"; "/mcp" and "/mcp/" -> "/mcp/".
 */
export function prefixOf(path: string): string {
  const first = path.indexOf("/", 1);
  if (first < 0) return `${path}/`.toLowerCase();
  const second = path.indexOf("/", first + 1);
  return (second < 0 ? path : path.slice(0, second)).toLowerCase();
}

interface Entry<T> {
  path: string;
  methods: string[];
  middleware: RouterMiddleware;
  tag?: T;
}

export class RoutersByPrefix<T> {
  private readonly routers = new Map<string, Router>();
  /** Serves paths whose prefix no route names: it holds the wild routes only. */
  private readonly wildOnly = new Router();
  private readonly wild: Array<Entry<T>> = [];
  private readonly tags = new Map<Layer, T>();

  /** Adds a route after the ones registered before; `tag` is what `tagOf` answers for its layers. */
  register(path: string, methods: string[], middleware: RouterMiddleware, tag?: T): void {
    const entry = { path, methods, middleware, tag };
    const prefix = prefixOf(path);
    if (!PATTERN_SYNTAX.test(prefix)) {
      this.add(this.routerFor(prefix), entry);
      return;
    }
    this.wild.push(entry);
    for (const router of [this.wildOnly, ...this.routers.values()]) this.add(router, entry);
  }

  /** What the route behind a matched layer was registered with. */
  tagOf(layer: Layer): T | undefined {
    return this.tags.get(layer);
  }

  middleware(): Koa.Middleware {
    const wildOnly = this.wildOnly.routes();
    const byPrefix = new Map([...this.routers].map(([prefix, router]) => [prefix, router.routes()]));
    return (ctx, next) => (byPrefix.get(prefixOf(ctx.path)) ?? wildOnly)(ctx as never, next);
  }

  private routerFor(prefix: string): Router {
    let router = this.routers.get(prefix);
    if (!router) {
      router = new Router();
      // The wild routes registered so far come first, as they did in the order of registration.
      for (const entry of this.wild) this.add(router, entry);
      this.routers.set(prefix, router);
    }
    return router;
  }

  private add(router: Router, { path, methods, middleware, tag }: Entry<T>): void {
    const layer = router.register(path, methods, middleware) as Layer;
    if (tag !== undefined) this.tags.set(layer, tag);
  }
}
