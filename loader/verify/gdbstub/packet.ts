/**
 * GDB remote protocol framing (the GDB manual's "Overview" and "Packet Acknowledgment"): packets
 * are `$payload#cs` with a modulo-256 checksum; replies may be run-length encoded and binary ones
 * escape `#$}*` with `}`. Bytes in, events out, and what the client does about each event.
 */

/** The checksum of a packet: the sum of its payload bytes (as sent, escapes included) modulo 256. */
export function packetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return sum;
}

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const STAR = 0x2a;
const PERCENT = 0x25;

/** `$payload#cs`, with `$`, `#`, `}` and `*` escaped so that any bytes travel intact. */
export function encodePacket(payload: string | Uint8Array): Buffer {
  if (typeof payload === 'string' && !/[$#}*]/.test(payload)) {
    // Commands are plain text: one string, one buffer.
    let sum = 0;
    for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
    return Buffer.from(`$${payload}#${sum.toString(16).padStart(2, '0')}`, 'latin1');
  }
  const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const escaped: number[] = [];
  for (const byte of data) {
    if (byte === DOLLAR || byte === HASH || byte === ESCAPE || byte === STAR) escaped.push(ESCAPE, byte ^ 0x20);
    else escaped.push(byte);
  }
  const body = Buffer.from(escaped);
  const checksum = packetChecksum(body).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$', 'latin1'), body, Buffer.from(`#${checksum}`, 'latin1')]);
}

/**
 * The data of a received packet: run-length encoding expanded first, then `}` escapes undone,
 * the order in which GDB reads them (`X*n` repeats the byte before `*` n-29 more times).
 */
export function decodePayload(raw: Buffer): Buffer {
  if (!raw.includes(STAR) && !raw.includes(ESCAPE)) return raw;
  const expanded: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] as number;
    if (byte === STAR && expanded.length > 0 && i + 1 < raw.length) {
      const previous = expanded[expanded.length - 1] as number;
      const count = (raw[i + 1] as number) - 29;
      for (let k = 0; k < count; k++) expanded.push(previous);
      i++;
    } else {
      expanded.push(byte);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < expanded.length; i++) {
    const byte = expanded[i] as number;
    if (byte === ESCAPE && i + 1 < expanded.length) out.push((expanded[++i] as number) ^ 0x20);
    else out.push(byte);
  }
  return Buffer.from(out);
}

export type WireEvent =
  | { readonly type: 'ack' }
  | { readonly type: 'nak' }
  | {
      readonly type: 'packet';
      /** The payload as received, between `$` (or `%`) and `#`: still escaped and run-length encoded. */
      readonly raw: Buffer;
      /** The two checksum characters as received. */
      readonly checksum: string;
      readonly valid: boolean;
      readonly notification: boolean;
    };

/**
 * Splits the incoming byte stream into acknowledgements and packets, checking checksums. Payloads
 * are views of the chunks fed, which must not change afterwards.
 */
export class PacketScanner {
  private state: 'idle' | 'body' | 'sum1' | 'sum2' = 'idle';
  private parts: Buffer[] = [];
  private sum = 0;
  private sumText = '';
  private notification = false;

  feed(chunk: Buffer, emit: (event: WireEvent) => void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        // Payloads are long and `#` ends them (it is escaped inside), so search rather than step.
        const end = chunk.indexOf(HASH, i);
        const stop = end < 0 ? chunk.length : end;
        let sum = this.sum;
        for (let k = i; k < stop; k++) sum += chunk[k] as number;
        this.sum = sum & 0xff;
        this.parts.push(chunk.subarray(i, stop));
        i = stop;
        if (end >= 0) {
          this.state = 'sum1';
          i++;
        }
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 'idle') {
        if (byte === 0x2b) emit({ type: 'ack' });
        else if (byte === 0x2d) emit({ type: 'nak' });
        else if (byte === DOLLAR || byte === PERCENT) {
          this.state = 'body';
          this.notification = byte === PERCENT;
          this.parts = [];
          this.sum = 0;
        }
        // Anything else between packets is line noise; the protocol says to ignore it.
      } else if (this.state === 'sum1') {
        this.sumText = String.fromCharCode(byte);
        this.state = 'sum2';
      } else {
        this.sumText += String.fromCharCode(byte);
        this.state = 'idle';
        // Socket chunks are fresh buffers, never reused, so a view of one can be kept.
        const raw = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
        this.parts = [];
        const valid = /^[0-9a-fA-F]{2}$/.test(this.sumText) && parseInt(this.sumText, 16) === this.sum;
        emit({ type: 'packet', raw, checksum: this.sumText, valid, notification: this.notification });
      }
    }
  }
}

/** What the client does about one event from the wire. */
export type WireAction =
  | { readonly kind: 'none' }
  /** Send the packet in flight again: the stub refused it with `-`. */
  | { readonly kind: 'retransmit' }
  /** Answer `-`: the packet arrived with a bad checksum, the stub is to send it again. */
  | { readonly kind: 'ask again' }
  /** The stream cannot be trusted any more. */
  | { readonly kind: 'fail'; readonly message: string }
  /** A packet whose checksum holds: its decoded payload. Notifications (`%`) answer nothing and need no acknowledgement. */
  | { readonly kind: 'reply'; readonly payload: Buffer; readonly notification: boolean };

export interface WireState {
  /** QStartNoAckMode is on: neither side acknowledges, so nothing can be sent again. */
  readonly noAck: boolean;
  /** A command waits for its reply. */
  readonly waiting: boolean;
  /** How often the stub has refused the command in flight already. */
  readonly naks: number;
}

/** How often one packet is sent again before the connection is given up. */
export const MAX_RETRANSMISSIONS = 5;

/** The GDB manual's "Packet Acknowledgment" rules, as the client follows them. */
export function wireAction(event: WireEvent, state: WireState): WireAction {
  if (event.type === 'ack') return { kind: 'none' };
  if (event.type === 'nak') {
    if (!state.waiting || state.noAck) return { kind: 'none' };
    if (state.naks >= MAX_RETRANSMISSIONS) return { kind: 'fail', message: `refused ${state.naks + 1} times` };
    return { kind: 'retransmit' };
  }
  if (!event.valid) {
    return state.noAck ? { kind: 'fail', message: 'a packet with a bad checksum and no way to ask again' } : { kind: 'ask again' };
  }
  return { kind: 'reply', payload: decodePayload(event.raw), notification: event.notification };
}
