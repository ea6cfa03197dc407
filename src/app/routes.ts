/** Every HTTP route the server answers, by feature. */
import { healthRoutes } from "../http/routes/health.js";
import type { Route } from "../http/route.js";
import type { Services } from "./services.js";

export function appRoutes(services: Services): Route[] {
  return [...healthRoutes({ keys: services.keys })];
}
