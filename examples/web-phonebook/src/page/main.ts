/**
 * The page's entry: builds the phone from the browser's parts — @leitung/crypto's node-free build, the
 * Client on the WebSocket transport, Opus in WebAssembly, the AudioWorklet sound — and mounts the view.
 * The relay list comes from `relays.json` beside the page (the demo server writes it from the relay's
 * `--info-out`); it is pinned on the first run. `?record` keeps what the speaker played, for the tests.
 */
import { BrowserVault, Client, createWebSocketTransport, warmUpCrypto } from '@leitung/client/browser';
import { createCrypto } from '@leitung/crypto';
import { BrowserAudio } from '../audio/browser-audio.js';
import { loadCodecs, type PageCodecs } from '../audio/codecs.js';
import type { PlaybackReport } from '../audio/worklet-protocol.js';
import { Phone, VAULT_ID } from './phone.js';
import { emptyMarks, type PhoneMarks } from './phone-marks.js';
import { fetchRelays } from './relay-list.js';
import { mountView } from './view.js';

declare global {
  interface Window {
    /** Measurements for the benchmarks and tests (phone-marks.ts). */
    leitungMarks: PhoneMarks;
    /** With `?record`: what the speaker played so far, 48 kHz mono 16-bit PCM, base64. */
    leitungRecording?: () => Promise<string>;
    /** With `?record`: the speaker worklet's counters (times it ran dry, frames dropped, its pre-buffer). */
    leitungPlayback?: () => Promise<PlaybackReport>;
  }
}

const base = new URL('./', location.href);
const record = new URL(location.href).searchParams.has('record');
const crypto = createCrypto();
const transport = createWebSocketTransport();
const marks = emptyMarks();
window.leitungMarks = marks;

let audio: Promise<BrowserAudio> | undefined;
let codecs: Promise<PageCodecs> | undefined;
const openAudio = () => {
  audio ??= BrowserAudio.open(new URL('worklet.js', base).href, record);
  return audio;
};

const phone = new Phone({
  crypto,
  hasVault: await BrowserVault.exists(VAULT_ID),
  relays: () => fetchRelays(new URL('relays.json', base)),
  // The identity runs in the browser's own RSA, non-extractable (docs/client.md "Identity held elsewhere").
  makeClient: async ({ vault, name, relays, codecs: offer, store }) =>
    new Client({
      identity: await vault.webCryptoIdentity(),
      name,
      relays,
      crypto,
      transport,
      codecs: offer,
      store,
      persist: () => vault.save(),
    }),
  codecs: () => {
    codecs ??= loadCodecs(base);
    return codecs;
  },
  audio: openAudio,
  marks,
});

if (record) {
  window.leitungRecording = async () => {
    const pcm = (await openAudio()).recording();
    const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  };
  window.leitungPlayback = async () => (await openAudio()).playback();
}

const root = document.getElementById('app');
if (root !== null) mountView(root, phone);
// The crypto code's first-use cost is paid now, while the passphrase is typed, not in the login handshake.
setTimeout(() => warmUpCrypto(crypto), 0);
