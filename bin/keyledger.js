#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so the bin works straight after `npm install`.
import { register } from "tsx/esm/api";
register();
await import("../src/cli/main.ts");
