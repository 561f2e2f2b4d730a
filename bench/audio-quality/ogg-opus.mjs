// Reads the Opus packets out of an Ogg Opus file (RFC 7845): pages are "OggS" + 27-byte header + lacing
// table; packets are concatenated lacing segments, a segment shorter than 255 bytes ending a packet. The
// first packet is OpusHead (pre-skip at bytes 10–11), the second OpusTags; the rest are audio.

export function readOggOpus(bytes) {
  const packets = [];
  let pending = [];
  let offset = 0;
  while (offset + 27 <= bytes.length) {
    if (String.fromCharCode(...bytes.subarray(offset, offset + 4)) !== 'OggS') {
      throw new Error(`no Ogg page at byte ${offset}`);
    }
    const segments = bytes[offset + 26];
    const table = bytes.subarray(offset + 27, offset + 27 + segments);
    let body = offset + 27 + segments;
    for (const size of table) {
      pending.push(bytes.subarray(body, body + size));
      body += size;
      if (size < 255) {
        const length = pending.reduce((n, p) => n + p.length, 0);
        const packet = new Uint8Array(length);
        let at = 0;
        for (const p of pending) {
          packet.set(p, at);
          at += p.length;
        }
        packets.push(packet);
        pending = [];
      }
    }
    offset = body;
  }
  const head = packets[0];
  if (head === undefined || String.fromCharCode(...head.subarray(0, 8)) !== 'OpusHead') {
    throw new Error('not an Ogg Opus file');
  }
  const preSkip = head[10] | (head[11] << 8);
  return { preSkip, packets: packets.slice(2) };
}
