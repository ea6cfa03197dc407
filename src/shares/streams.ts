/** Where shares live: one stream per share. */
import { streamName } from "../eventstore/port.js";

export const shareStream = (shareId: string) => streamName("share", shareId);
export const shareRefusalsStream = (shareId: string) => streamName("share_refusals", shareId);
