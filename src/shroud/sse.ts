/**
 * Server-sent events as providers stream them: events separated by a blank line, `event:` and `data:`
 * fields (several data lines join with "\n"). Upstream bytes may be cut anywhere, even inside a UTF-8
 * character: the parser keeps what it has not seen the end of.
 */
export interface SseEvent {
  /** Field lines other than data, in order (`event: x`, `id: 1`, comments). */
  fields: string[];
  event?: string;
  data: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder();
  private pending = "";

  push(chunk: Uint8Array): SseEvent[] {
    this.pending += this.decoder.decode(chunk, { stream: true });
    return this.take(false);
  }

  end(): SseEvent[] {
    this.pending += this.decoder.decode();
    return this.take(true);
  }

  private take(final: boolean): SseEvent[] {
    const events: SseEvent[] = [];
    const normalized = this.pending.replace(/\r\n?/g, "\n");
    const blocks = normalized.split("\n\n");
    this.pending = final ? "" : blocks.pop()!;
    for (const block of blocks) {
      if (block.trim() === "") continue;
      const event: SseEvent = { fields: [], data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        else {
          if (line.startsWith("event:")) event.event = line.slice(6).trim();
          event.fields.push(line);
        }
      }
      event.data = data.join("\n");
      if (data.length > 0 || event.fields.length > 0) events.push(event);
    }
    return events;
  }
}

export function formatSse(event: SseEvent): string {
  const data = event.data.split("\n").map((line) => `data: ${line}`);
  return `${[...event.fields, ...data].join("\n")}\n\n`;
}
