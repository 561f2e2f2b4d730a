// The Node floor for bench/relay: the same bare forwarding as bare-forwarder.c (learn addresses from
// BIND-type packets, forward DATA to the other side, no authentication) in a few lines of node:dgram, so
// the cost of Node's UDP path can be told apart from the cost of the relay's checks.
import { createSocket } from 'node:dgram';

const peers = new Map();
const socket = createSocket({
  type: 'udp4',
  recvBufferSize: 4 << 20,
  sendBufferSize: 4 << 20,
  lookup: (address, _options, callback) => callback(null, address, 4),
});
socket.on('message', (packet, from) => {
  if (packet.length < 14) return;
  const key = packet.readUInt32BE(2) * 2;
  const side = packet[1] & 1;
  const type = packet[0] & 15;
  if (type === 2) peers.set(key + side, { port: from.port, address: from.address });
  else if (type === 1) {
    const to = peers.get(key + 1 - side);
    if (to !== undefined) socket.send(packet, to.port, to.address);
  }
});
socket.bind(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(socket.address().port);
});
