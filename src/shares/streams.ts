/** Refused reads of a share go to a stream of their own, so guessing never lengthens the share's stream. */
import { streamName } from "../eventstore/port.js";

export const shareRefusalsStream = (shareId: string) => streamName("share_refusals", shareId);
