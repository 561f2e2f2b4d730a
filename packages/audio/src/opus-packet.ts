/**
 * Just enough of the Opus packet format (RFC 6716 §3.1, §4.1, §4.2.3) to tell whether a packet carries
 * in-band FEC (SILK LBRR) data, so that concealment reports honestly whether it used FEC or PLC.
 */

/** Operating mode from the TOC byte's configuration number (RFC 6716 §3.1, Table 2). */
export type OpusMode = 'silk' | 'hybrid' | 'celt';

/**
 * The operating mode of an Opus packet (SILK, hybrid or CELT) from its TOC byte (RFC 6716 §3.1); undefined for
 * an empty packet.
 */
export function opusPacketMode(packet: Uint8Array): OpusMode | undefined {
  const toc = packet[0];
  if (toc === undefined) return undefined;
  const config = toc >> 3;
  return config < 12 ? 'silk' : config < 16 ? 'hybrid' : 'celt';
}

/**
 * True when a mono, single-frame SILK or hybrid packet sets the LBRR flag, i.e. holds an FEC copy of the
 * previous frame. For a 20 ms mono frame the SILK layer starts with two bits coded with probability 1/2
 * each: the VAD flag, then the LBRR flag (RFC 6716 §4.2.3); decode them with the range decoder of §4.1
 * (ec_dec_init / ec_dec_bit_logp). The frame starts after the TOC byte (code 0) or, in a code 3 packet of
 * one frame, after the frame-count byte and the padding length (§3.2.5): libopus pads a constant-bitrate
 * packet that way whenever the coded frame is shorter than the rate allows, as SILK frames with FEC at
 * 24 kbit/s mostly are (docs/benchmarks.md, "audio quality"). Other packet shapes answer false (never claimed).
 */
export function opusPacketHasFec(packet: Uint8Array): boolean {
  const toc = packet[0];
  if (toc === undefined || packet.length < 3) return false;
  const mode = opusPacketMode(packet);
  const stereo = (toc & 0x04) !== 0;
  if (mode === 'celt' || stereo) return false;
  const start = singleFrameStart(packet);
  if (start === undefined || start >= packet.length) return false;
  const dec = new RangeDecoder(packet, start);
  dec.bit(); // VAD flag
  return dec.bit();
}

/** Where the one frame of a code 0 or code 3 (M = 1) packet starts (RFC 6716 §3.2.1, §3.2.5); else undefined. */
function singleFrameStart(packet: Uint8Array): number | undefined {
  const code = packet[0]! & 0x03;
  if (code === 0) return 1;
  if (code !== 3) return undefined;
  const countByte = packet[1]!;
  if ((countByte & 0x3f) !== 1) return undefined;
  let at = 2;
  if ((countByte & 0x40) !== 0) {
    // Padding length: bytes of 255 add 254 and continue; the first byte below 255 ends it.
    while (at < packet.length && packet[at] === 255) at++;
    at++;
  }
  return at;
}

/** The range decoder of RFC 6716 §4.1, reduced to ec_dec_bit_logp(1). */
class RangeDecoder {
  readonly #data: Uint8Array;
  #pos: number;
  #rng = 128;
  #val: number;
  #rem: number;

  constructor(data: Uint8Array, offset: number) {
    this.#data = data;
    this.#pos = offset;
    this.#rem = this.#byte();
    this.#val = this.#rng - 1 - (this.#rem >> 1);
    this.#normalize();
  }

  /** ec_dec_bit_logp(dec, 1): a binary symbol whose 1 has probability 1/2. */
  bit(): boolean {
    const s = this.#rng >>> 1;
    const one = this.#val < s;
    if (!one) this.#val -= s;
    this.#rng = one ? s : this.#rng - s;
    this.#normalize();
    return one;
  }

  #byte(): number {
    // Reading past the end yields zeros (§4.1.1).
    return this.#pos < this.#data.length ? this.#data[this.#pos++]! : 0;
  }

  #normalize(): void {
    while (this.#rng <= 1 << 23) {
      this.#rng = this.#rng * 256;
      const previous = this.#rem;
      this.#rem = this.#byte();
      const sym = ((previous << 8) | this.#rem) >> 1;
      this.#val = ((this.#val * 256 + (255 & ~sym)) & 0x7fffffff) >>> 0;
    }
  }
}
