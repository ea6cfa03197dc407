/** What every client action gets: the session (settings, SDK client) and where to print. */
import { Output } from "./output.js";
import { openSession, type GlobalOptions, type Session } from "./session.js";

export interface Context {
  session: Session;
  out: Output;
}

export async function openContext(globals: GlobalOptions): Promise<Context> {
  const session = await openSession(globals);
  const format = globals.json ? "json" : session.config.outputFormat ?? "table";
  return { session, out: new Output(format) };
}
