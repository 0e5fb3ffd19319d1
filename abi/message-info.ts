/**
 * The message-info word (`seL4_MessageInfo`): label [31:12], capsUnwrapped [11:9],
 * extraCaps [8:7], length [6:0].
 *
 * @module
 */
import { MSG_MAX_LENGTH } from './config.js';

/** A decoded message-info word (l4v `message_info`). */
export interface MessageInfo {
  /** The label: an invocation label, an error code, or a fault label. */
  readonly label: number;
  /** Bit i set: extra cap i was unwrapped to its badge. */
  readonly capsUnwrapped: number;
  /** Number of extra caps (0..3). */
  readonly extraCaps: number;
  /** Number of message registers (0..120). */
  readonly length: number;
}

/**
 * Decodes a message-info word as the kernel does (`messageInfoFromWord`): a length above
 * 120 is clamped to 120.
 */
export function messageInfoFromWord(w: number): MessageInfo {
  const length = w & 0x7f;
  return {
    label: w >>> 12,
    capsUnwrapped: (w >>> 9) & 0x7,
    extraCaps: (w >>> 7) & 0x3,
    length: length > MSG_MAX_LENGTH ? MSG_MAX_LENGTH : length,
  };
}

/** Encodes a message-info word (`wordFromMessageInfo`). */
export function wordFromMessageInfo(mi: MessageInfo): number {
  return (
    (((mi.label & 0xfffff) << 12) |
      ((mi.capsUnwrapped & 0x7) << 9) |
      ((mi.extraCaps & 0x3) << 7) |
      (mi.length & 0x7f)) >>>
    0
  );
}
