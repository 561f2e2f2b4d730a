/**
 * Hand-written messages, at least one per type, with realistic sizes for RSA-4096 material
 * (550-byte SPKI DER, 512-byte signatures and OAEP ciphertexts).
 */
import type {
  Contact,
  ControlMessage,
  DirectoryEntry,
  MessageTypeName,
  PhonebookPage,
  SignedTreeHead,
} from '../../src/index.js';

/** `length` bytes counting up from `seed` (recognisable in a hex dump, different per field). */
export function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i) & 0xff);
}

const spki = (seed: number) => pattern(550, seed);
const hash = (seed: number) => pattern(32, seed);

export const treeHead: SignedTreeHead = {
  size: 1_234_567,
  root: hash(0x10),
  mapRoot: hash(0x18),
  time: 1_700_000_000_000,
  logId: hash(0x20),
  signature: pattern(512, 0x30),
};

export const entry: DirectoryEntry = {
  index: 1_234_566,
  clientId: hash(0x40),
  name: 'Zoë Müller',
  publicKey: spki(0x50),
  time: 1_699_999_999_000,
};

export const contacts: Contact[] = [
  { clientId: hash(0x60), name: 'alice', online: true },
  { clientId: hash(0x61), name: 'bob', online: false },
  { clientId: hash(0x62), name: 'Ωμέγα 🎧', online: true },
];

export const page: PhonebookPage = { offset: 0, total: 3, contacts };

const proof = (n: number, seed: number) => Array.from({ length: n }, (_, i) => hash(seed + i));

export const fixtures: readonly (readonly [string, ControlMessage])[] = [
  [
    'REGISTER',
    { type: 'REGISTER', name: 'alice', publicKey: spki(1), clientNonce: hash(2), knownTreeSize: 0 },
  ],
  [
    'CHALLENGE without key list',
    {
      type: 'CHALLENGE',
      relayPublicKey: spki(3),
      relayNonce: hash(4),
      sealedChallenge: pattern(512, 5),
      treeHead,
      consistencyProof: proof(21, 6),
    },
  ],
  [
    'CHALLENGE with directory',
    {
      type: 'CHALLENGE',
      relayPublicKey: spki(3),
      relayNonce: hash(4),
      sealedChallenge: pattern(512, 5),
      treeHead: { ...treeHead, size: 3 },
      consistencyProof: [],
      directory: [7, 8, 9].map((n, index) => ({
        index,
        clientId: hash(n),
        name: `user${n}`,
        publicKey: spki(n),
        time: 1_700_000_000_000 + n,
      })),
    },
  ],
  ['REGISTER_SEALED', { type: 'REGISTER_SEALED', sealed: pattern(1249, 12) }],
  ['PROVE', { type: 'PROVE', sealed: pattern(512, 10), confirm: pattern(32, 11) }],
  [
    'WELCOME',
    {
      type: 'WELCOME',
      clientId: entry.clientId,
      entry,
      inclusionProof: proof(21, 11),
      treeHead,
      consistencyProof: proof(2, 12),
      mapProof: { siblings: proof(17, 16), terminal: { kind: 'leaf', key: hash(0x60), value: hash(0x61) } },
      phonebook: page,
    },
  ],
  ['PHONEBOOK_REQUEST', { type: 'PHONEBOOK_REQUEST', requestId: 1, offset: 256, limit: 256 }],
  ['PHONEBOOK_PAGE', { type: 'PHONEBOOK_PAGE', requestId: 1, page }],
  [
    'PHONEBOOK_PAGE empty',
    { type: 'PHONEBOOK_PAGE', requestId: 2, page: { offset: 9, total: 9, contacts: [] } },
  ],
  [
    'PHONEBOOK_DELTA',
    {
      type: 'PHONEBOOK_DELTA',
      changes: [
        { kind: 'added', contact: contacts[2]! },
        { kind: 'online', contact: contacts[1]! },
        { kind: 'offline', contact: contacts[0]! },
      ],
    },
  ],
  ['PRESENCE_WATCH', { type: 'PRESENCE_WATCH', clientIds: [hash(16), hash(17)] }],
  ['PRESENCE_WATCH empty', { type: 'PRESENCE_WATCH', clientIds: [] }],
  ['GET_PUBLIC_KEY by name', { type: 'GET_PUBLIC_KEY', requestId: 7, target: { by: 'name', name: 'bob' } }],
  [
    'GET_PUBLIC_KEY by id',
    { type: 'GET_PUBLIC_KEY', requestId: 8, target: { by: 'clientId', clientId: hash(13) } },
  ],
  [
    'PUBLIC_KEY',
    {
      type: 'PUBLIC_KEY',
      requestId: 7,
      entry,
      inclusionProof: proof(21, 14),
      treeHead,
      mapProof: { siblings: proof(18, 17), terminal: { kind: 'leaf', key: hash(0x62), value: hash(0x63) } },
    },
  ],
  [
    'PUBLIC_KEY empty map terminal',
    {
      type: 'PUBLIC_KEY',
      requestId: 7,
      entry,
      inclusionProof: proof(21, 14),
      treeHead,
      mapProof: { siblings: [], terminal: { kind: 'empty' } },
    },
  ],
  ['GET_CONSISTENCY latest', { type: 'GET_CONSISTENCY', requestId: 9, fromSize: 100 }],
  ['GET_CONSISTENCY to size', { type: 'GET_CONSISTENCY', requestId: 10, fromSize: 100, toSize: 1_234_567 }],
  ['CONSISTENCY', { type: 'CONSISTENCY', requestId: 9, fromSize: 100, treeHead, proof: proof(30, 15) }],
  [
    'ROTATE_KEY',
    {
      type: 'ROTATE_KEY',
      requestId: 11,
      publicKey: spki(0x70),
      signature: pattern(512, 0x71),
      possession: pattern(512, 0x72),
    },
  ],
  [
    'PUBLIC_KEY of a key rotation',
    {
      type: 'PUBLIC_KEY',
      requestId: 11,
      entry: { ...entry, rotation: { previous: hash(0x73), signature: pattern(512, 0x74) } },
      inclusionProof: proof(21, 14),
      treeHead,
      mapProof: { siblings: [], terminal: { kind: 'empty' } },
    },
  ],
  [
    'CALL_REQUEST',
    { type: 'CALL_REQUEST', callId: pattern(16, 16), callee: hash(17), sealedCallData: pattern(1400, 18) },
  ],
  [
    'INCOMING_CALL',
    {
      type: 'INCOMING_CALL',
      callId: pattern(16, 16),
      caller: hash(19),
      callerName: 'alice',
      sealedCallData: pattern(1400, 18),
    },
  ],
  [
    'CALL_RESPONSE accept',
    {
      type: 'CALL_RESPONSE',
      callId: pattern(16, 16),
      decision: 'accept',
      ephemeral: hash(20),
      confirm: pattern(512, 21),
      kem: pattern(1088, 22),
    },
  ],
  ['CALL_RESPONSE busy', { type: 'CALL_RESPONSE', callId: pattern(16, 16), decision: 'busy' }],
  ['CALL_END', { type: 'CALL_END', callId: pattern(16, 16), reason: 'relay-shutdown' }],
  [
    'CALL_RESUME',
    { type: 'CALL_RESUME', callId: pattern(16, 16), peer: hash(22), lastSequence: 0xffff_ffff },
  ],
  ['CALL_RESUME without sequence', { type: 'CALL_RESUME', callId: pattern(16, 16), peer: hash(22) }],
  [
    'MEDIA_GRANT',
    {
      type: 'MEDIA_GRANT',
      callId: pattern(16, 16),
      sessionId: 0xdead_beef,
      token: hash(23),
      side: 'callee',
      expiresAt: 1_700_000_030_000,
    },
  ],
  [
    'MEDIA_GRANT on another relay of the cluster',
    {
      type: 'MEDIA_GRANT',
      callId: pattern(16, 16),
      sessionId: 7,
      token: hash(23),
      side: 'caller',
      expiresAt: 1_700_000_030_000,
      mediaRelay: hash(25),
    },
  ],
  ['PING', { type: 'PING', nonce: pattern(8, 24), sentAt: 1_700_000_000_000 }],
  [
    'PONG',
    {
      type: 'PONG',
      nonce: pattern(8, 24),
      load: { clients: 1200, calls: 300, packetsPerSecond: 30_000, capacity: 75_000 },
    },
  ],
  [
    'ERROR',
    { type: 'ERROR', requestId: 7, code: 'WIRE_ERR_MALFORMED', message: 'name: not UTF-8', fatal: false },
  ],
  ['ERROR fatal', { type: 'ERROR', code: 'RELAY_ERR_HANDSHAKE', message: 'bad proof', fatal: true }],
];

/** The first fixture of each type. */
export function fixtureOf(type: MessageTypeName): ControlMessage {
  const found = fixtures.find(([, m]) => m.type === type);
  if (found === undefined) throw new Error(`no fixture for ${type}`);
  return found[1];
}
