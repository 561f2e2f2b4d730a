// A UDP proxy in front of the relay's media port that impairs media DATA packets (protocol.md §5: type 1)
// per a plan indexed by the packet's sequence number, separately for each direction (the D flag). Every
// client address gets its own upstream socket, so the relay sees one address per client, as through a
// NAT. BIND and BIND_ACK pass untouched: the bench measures the audio, not the binding's retries. A packet
// is impaired once, on its way to the relay: the relay forwards DATA verbatim (same session, direction and
// sequence) back through this proxy to the other side, where impairing it again would apply the same plan
// step twice (0–80 ms of extra delay for the 0–40 ms condition).
import { createSocket } from 'node:dgram';

export async function startUdpProxy(target) {
  const front = createSocket('udp4');
  const upstreams = new Map(); // client "address:port" → socket towards the relay
  let plans = { forward: [], backward: [] };
  const firstSequence = new Map(); // "session/direction" → first sequence seen
  const timers = new Set();

  const impair = (packet, deliver) => {
    if (packet.length < 14 || (packet[0] & 0x0f) !== 1) return deliver();
    const direction = packet[1] & 1;
    const key = `${packet.readUInt32BE(2)}/${direction}`;
    const sequence = packet.readUInt32BE(6);
    if (!firstSequence.has(key)) firstSequence.set(key, sequence);
    const index = (sequence - firstSequence.get(key)) >>> 0;
    const step = (direction === 0 ? plans.forward : plans.backward)[index];
    if (step?.drop) return;
    if (!step || step.extraMs <= 0) return deliver();
    const timer = setTimeout(() => {
      timers.delete(timer);
      deliver();
    }, step.extraMs);
    timers.add(timer);
  };

  front.on('message', (packet, from) => {
    const client = `${from.address}:${from.port}`;
    let up = upstreams.get(client);
    if (up === undefined) {
      up = createSocket('udp4');
      up.bind(0, '127.0.0.1');
      up.on('message', (reply) => front.send(reply, from.port, from.address));
      upstreams.set(client, up);
    }
    const socket = up;
    impair(packet, () => socket.send(packet, target.port, target.host));
  });
  await new Promise((resolve) => front.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    /** Plans for the next call: `forward` for caller → callee packets, `backward` for the other way. */
    setPlans(next) {
      plans = next;
      firstSequence.clear();
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const up of upstreams.values()) up.close();
      front.close();
    },
  };
}
