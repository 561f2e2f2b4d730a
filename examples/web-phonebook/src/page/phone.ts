/**
 * The page's phone: the flows of the terminal phonebook (examples/phonebook) on a `Client` that reaches
 * its relay over WebSockets (docs/client.md "Transports") — first run with passphrase and name (RSA-4096
 * generated in the page, with progress), unlock on later visits, registration, the phonebook with
 * presence and verification, calls both ways with their safety number and live quality, and the
 * key-change alarm (docs/client.md "Contacts, pins, safety numbers"). It owns the state (phone-state.ts)
 * and tells the view when it changed; the view never touches the Client.
 */
import {
  BrowserVault,
  type CallSnapshot,
  type Client,
  type ClientStore,
  type ContactInfo,
  passphraseProblem,
  type RelayEntry,
} from '@leitung/client/browser';
import type { LeitungCrypto } from '@leitung/crypto';
import type { BrowserAudio } from '../audio/browser-audio.js';
import { CallAudio } from '../audio/call-audio.js';
import { warmUpCallAudio } from '../audio/call-audio-warm-up.js';
import type { PageCodecs } from '../audio/codecs.js';
import { onePerName } from './contact-lines.js';
import { callMarks, type PhoneMarks } from './phone-marks.js';
import type { KeyAlarm, PhoneScreen } from './phone-state.js';

/** The page's one vault in the origin's IndexedDB (docs/client.md "In a browser"). */
export const VAULT_ID = 'phonebook';

/** What the Client is built from: the unlocked vault is its identity, store and persistence. */
export interface ClientParts {
  readonly vault: BrowserVault;
  readonly name: string;
  readonly relays: readonly RelayEntry[];
  readonly codecs: readonly number[];
  readonly store: ClientStore;
}

export interface PhoneOptions {
  readonly crypto: LeitungCrypto;
  /** Whether this origin holds a vault from an earlier visit. */
  readonly hasVault: boolean;
  /** The relay list this page was served with (pinned on the first run). */
  readonly relays: () => Promise<readonly RelayEntry[]>;
  /** Builds the Client (browser defaults: WebSocket transport; the identity imported into WebCrypto). */
  readonly makeClient: (parts: ClientParts) => Client | Promise<Client>;
  readonly codecs: () => Promise<PageCodecs>;
  readonly audio: () => Promise<BrowserAudio>;
  readonly marks: PhoneMarks;
}

/** How often the live quality is refreshed on the call screen. */
const QUALITY_INTERVAL_MS = 1000;

export class Phone {
  #screen: PhoneScreen;
  readonly #listeners = new Set<() => void>();
  readonly #o: PhoneOptions;
  #client: Client | undefined;
  #callAudio: CallAudio | undefined;
  #qualityTimer: ReturnType<typeof setInterval> | undefined;
  #alarms: KeyAlarm[] = [];
  #notice: string | undefined;
  #watched = new Set<string>();

  constructor(options: PhoneOptions) {
    this.#o = options;
    this.#screen = options.hasVault
      ? { kind: 'unlock', problem: undefined }
      : { kind: 'first-run', problem: undefined };
  }

  get screen(): PhoneScreen {
    return this.#screen;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * First run: creates the identity (RSA-4096 in the page), keeps it with the name and the pinned relays in
   * a new BrowserVault under the passphrase, and registers. A name the relay refuses removes the vault
   * again, so the user can choose another.
   */
  async create(name: string, passphrase: string): Promise<void> {
    if (this.#screen.kind !== 'first-run') return;
    const problem = passphraseProblem(passphrase) ?? (name.trim() === '' ? 'Choose a name.' : undefined);
    if (problem !== undefined) return this.#show({ kind: 'first-run', problem });
    let vault: BrowserVault | undefined;
    try {
      const relays = await this.#o.relays();
      this.#show({ kind: 'creating-key', elapsedMs: 0 });
      const started = performance.now();
      const pair = await this.#o.crypto.generateRsaKeyPair({
        onProgress: (p) => this.#show({ kind: 'creating-key', elapsedMs: p.elapsedMs }),
      });
      this.#o.marks.keygenMs = performance.now() - started;
      vault = await BrowserVault.create(VAULT_ID, passphrase, { crypto: this.#o.crypto });
      vault.setIdentity(pair.privateKey);
      for (const relay of relays) vault.pinRelay(relay);
      vault.name = name.trim();
      await vault.save();
      await this.#register(vault);
    } catch (error) {
      if (vault !== undefined) {
        vault.close();
        await BrowserVault.remove(VAULT_ID).catch(() => undefined);
      }
      this.#show({ kind: 'first-run', problem: describe(error) });
    }
  }

  /** Later visits: opens the vault with the passphrase and registers. */
  async unlock(passphrase: string): Promise<void> {
    if (this.#screen.kind !== 'unlock') return;
    let vault: BrowserVault;
    try {
      vault = await BrowserVault.open(VAULT_ID, passphrase, { crypto: this.#o.crypto });
    } catch (error) {
      const wrong = (error as { code?: unknown }).code === 'CLIENT_ERR_VAULT_WRONG_PASSPHRASE';
      return this.#show({ kind: 'unlock', problem: wrong ? 'Wrong passphrase.' : describe(error) });
    }
    try {
      await this.#register(vault);
    } catch (error) {
      vault.close();
      this.#show({ kind: 'unlock', problem: describe(error) });
    }
  }

  async #register(vault: BrowserVault): Promise<void> {
    const name = vault.name ?? '';
    this.#show({ kind: 'registering', name });
    const codecs = await this.#o.codecs();
    const [client] = await Promise.all([
      this.#o.makeClient({ vault, name, relays: vault.relays(), codecs: codecs.offer, store: vault }),
      this.#o.audio(),
    ]);
    this.#client = client;
    this.#wire(client, codecs);
    const started = performance.now();
    try {
      await client.start();
    } catch (error) {
      this.#client = undefined;
      await client.close();
      throw error;
    }
    this.#o.marks.registrationMs = performance.now() - started;
    this.#watch(client.contacts);
    this.#refresh();
    // The speaker's AudioContext and worklets load now rather than in the first call's setup; the context
    // stays suspended until a call resumes it. No microphone is opened here. A failure shows at the call.
    void this.#o.audio().then(
      (audio) => audio.suspend(),
      () => undefined,
    );
    // The first call's audio code runs warm (call-audio-warm-up.ts). A call that begins stops it; a failure
    // of a throw-away call is no user's concern (a real call's failure shows at that call).
    const inCall = () => client.currentCall !== undefined && client.currentCall.phase !== 'ended';
    warmUpCallAudio(codecs, { stop: inCall }).catch(() => undefined);
  }

  /** Calls `name`; `clickedAt` is the click event's time (`event.timeStamp`), which the dial is timed from. */
  call(name: string, clickedAt?: number): void {
    const client = this.#client;
    if (client === undefined) return;
    this.#resumeAudio();
    this.#o.marks.dialAt = performance.timeOrigin + (clickedAt ?? performance.now());
    this.#o.marks.firstFrameAt = undefined;
    this.#o.marks.boundAt = undefined;
    this.#o.marks.offerSentAt = undefined;
    this.#o.marks.acceptedAt = undefined;
    this.#notice = undefined;
    client.call(name).catch((error: unknown) => {
      void this.#o.audio().then((audio) => audio.closeEarlyMicrophone(), this.#audioFailed);
      this.#notice = `Call to ${name} failed: ${describe(error)}`;
      this.#refresh();
    });
    this.#refresh();
  }

  /**
   * The user is about to call `name` (the pointer on its call button): its offer is drafted now; `pressed`
   * (the button held down) looks its key up as well.
   */
  prepareCall(name: string, { pressed = false } = {}): void {
    try {
      this.#client?.prepareCall(name, { lookup: pressed });
    } catch {
      // Only a hint: a name it cannot use changes nothing, and the click reports what is wrong with it.
    }
  }

  answer(): void {
    this.#resumeAudio();
    this.#client?.answer();
  }

  reject(): void {
    this.#client?.reject();
  }

  hangUp(): void {
    this.#client?.hangUp();
  }

  /** After comparing safety numbers out of band: trust the contact's new key. */
  acceptKey(name: string): void {
    this.#client?.acceptContactKey(name);
    this.#alarms = this.#alarms.filter((a) => a.name !== name);
    this.#refresh();
  }

  safetyNumber(name: string): string | undefined {
    try {
      return this.#client?.safetyNumber(name);
    } catch {
      return undefined;
    }
  }

  #wire(client: Client, codecs: PageCodecs): void {
    client.on('phonebook:update', (e) => {
      this.#watch(e.contacts);
      this.#refresh();
    });
    let connectingAt: number | undefined;
    client.on('connection:state', (e) => {
      if (e.state === 'connecting') connectingAt = performance.now();
      this.#refresh();
    });
    client.on('registration:complete', () => {
      // Measured like the terminal phonebook's handshakeMs: connect → verified WELCOME.
      if (connectingAt !== undefined) this.#o.marks.handshakeMs = performance.now() - connectingAt;
    });
    client.on('contact:verified', () => this.#refresh());
    client.on('contact:key-changed', (e) => {
      this.#alarms = [
        ...this.#alarms.filter((a) => a.name !== e.name),
        { name: e.name, pinnedClientId: e.pinnedClientId, newClientId: e.newClientId },
      ];
      this.#refresh();
    });
    client.on('call:state', () => this.#refresh());
    client.on('call:outgoing', () => {
      this.#o.marks.offerSentAt = performance.timeOrigin + performance.now();
      // The microphone opens while the callee's phone rings, not after the answer (browser-audio.ts), and
      // not at the dial: the key lookup and the offer come first, and a call refused before its offer
      // (unknown name, changed key) never opens it.
      void this.#o.audio().then((audio) => audio.openMicrophoneEarly(), this.#audioFailed);
    });
    client.on('call:accepted', ({ callId }) => {
      this.#o.marks.acceptedAt = performance.timeOrigin + performance.now();
      void this.#o.audio().then((audio) => {
        if (this.#callAudio !== undefined || client.currentCall?.phase === 'ended') return;
        this.#callAudio = new CallAudio({
          transport: client.mediaTransport(),
          audio,
          codec: codecs.send,
          receiveCodecs: codecs.receive,
          onFirstFrame: (at) => {
            this.#o.marks.firstFrameAt = at;
            callMarks(this.#o.marks, callId).firstFrameAt = at;
          },
          onFailure: this.#audioFailed,
        });
        this.#callAudio.prepare().catch(this.#audioFailed);
        if (client.currentCall?.phase === 'active') void this.#startAudio();
      }, this.#audioFailed);
    });
    client.on('media:bound', (e) => {
      const at = performance.timeOrigin + performance.now();
      this.#o.marks.boundAt = at;
      callMarks(this.#o.marks, e.callId).boundAt = at;
      void this.#startAudio();
    });
    client.on('call:ended', (e) => {
      const audio = this.#callAudio;
      this.#callAudio = undefined;
      void this.#o.audio().then((a) => a.closeEarlyMicrophone(), this.#audioFailed);
      this.#stopQuality();
      audio?.stop().catch(this.#audioFailed);
      if (e.code !== undefined) this.#notice = `The call ended: ${e.reason} (${e.code})`;
      this.#refresh();
    });
    client.on('call:refused', (e) => {
      this.#notice = `An incoming call failed its checks and was refused (${e.code}).`;
      this.#refresh();
    });
  }

  /** Sound trouble (no microphone, permission refused, a stream failed) is shown; the call goes on. */
  readonly #audioFailed = (error: unknown): void => {
    this.#notice = `Audio: ${describe(error)}`;
    this.#refresh();
  };

  async #startAudio(): Promise<void> {
    const audio = this.#callAudio;
    if (audio === undefined) return;
    try {
      await audio.start();
    } catch (error) {
      this.#notice = `Microphone: ${describe(error)}`;
    }
    this.#qualityTimer ??= setInterval(() => this.#refresh(), QUALITY_INTERVAL_MS);
    this.#refresh();
  }

  /** Browsers start an AudioContext suspended until a user gesture: calling and answering are one. */
  #resumeAudio(): void {
    void this.#o.audio().then((audio) => audio.resume());
  }

  #stopQuality(): void {
    if (this.#qualityTimer !== undefined) clearInterval(this.#qualityTimer);
    this.#qualityTimer = undefined;
  }

  /**
   * The relay shows presence only between clients that watch each other (docs/protocol.md "Presence"):
   * the page watches every name of its phonebook, sent again only when a new name appears.
   */
  #watch(contacts: readonly ContactInfo[]): void {
    const client = this.#client;
    if (client === undefined) return;
    const names = contacts.map((c) => c.name).filter((n) => n !== client.name);
    if (names.every((n) => this.#watched.has(n))) return;
    this.#watched = new Set(names);
    client.watchPresence(names);
  }

  #refresh(): void {
    const client = this.#client;
    if (client === undefined) return;
    const call: CallSnapshot | undefined = client.currentCall;
    const relay = client.relay;
    this.#show({
      kind: 'phonebook',
      self: { name: client.name, clientId: client.clientId },
      relay: relay === undefined ? '—' : (relay.webSocket ?? `${relay.host}:${relay.port}`),
      connected: client.connectionState === 'ready',
      contacts: onePerName(client.contacts.filter((c) => c.name !== client.name)),
      call,
      quality: this.#callAudio?.quality(),
      alarms: this.#alarms,
      notice: this.#notice,
    });
  }

  #show(screen: PhoneScreen): void {
    this.#screen = screen;
    for (const listener of this.#listeners) listener();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
