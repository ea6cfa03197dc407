#!/usr/bin/env node
// Runs the compiled JavaScript (dist/), built by `npm run build`, which `npm ci` and `npm install` run
// through `prepare`: no TypeScript loader at run time, so the command starts fast.
try {
  await import("../dist/src/cli/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/src/cli/main.js")) {
    process.stderr.write("keyledger: the compiled code is missing; run `npm run build` in the package directory\n");
    process.exit(1);
  }
  throw error;
}
