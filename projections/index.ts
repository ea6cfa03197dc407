/** Every read model the server keeps. The runner feeds each from the event store's global order. */
import type { Projection } from "./projection.js";

export const allProjections: readonly Projection[] = [];
