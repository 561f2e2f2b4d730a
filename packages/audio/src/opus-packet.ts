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
 * True when a mono, single-frame (TOC code 0) SILK or hybrid packet sets the LBRR flag, i.e. holds an
 * FEC copy of the previous frame. For a 20 ms mono frame the SILK layer starts with two bits coded with
 * probability 1/2 each: the VAD flag, then the LBRR flag (RFC 6716 §4.2.3); decode them with the range
 * decoder of §4.1 (ec_dec_init / ec_dec_bit_logp). Other packet shapes answer false (never claimed).
 */
export function opusPacketHasFec(packet: Uint8Array): boolean {
  const toc = packet[0];
  if (toc === undefined || packet.length < 3) return false;
  const mode = opusPacketMode(packet);
  const stereo = (toc & 0x04) !== 0;
  const code = toc & 0x03;
  if (mode === 'celt' || stereo || code !== 0) return false;
  const dec = new RangeDecoder(packet, 1);
  dec.bit(); // VAD flag
  return dec.bit();
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
