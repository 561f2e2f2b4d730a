/**
 * The phonebook's controller: one registered Client, the audio of its calls (CallMedia), and the state the
 * UI shows. The terminal UI and the headless mode both drive this class, so what the end-to-end test
 * exercises is what a person runs. Commands never throw: a failure becomes a notice and an event.
 */
import type { AudioCodec } from '@leitung/audio';
import {
  type CallEndedEvent,
  type Client,
  type ContactInfo,
  type CoreEvent,
  errorCodeOf,
  type SecurityFinding,
  type SecurityMonitor,
} from '@leitung/client';
import { describeError, PhonebookErrorCode } from '../errors.js';
import { AudioCheck, type AudioCheckState } from '../media/audio-check.js';
import { type AudioControls, clampVolume, VOLUME_DEFAULT } from '../media/audio-controls.js';
import type { AudioChoice } from '../media/audio-io.js';
import { CallMedia } from '../media/call-media.js';
import { wallClock } from '../media/clock.js';
import { sendCodecFor } from '../media/codecs.js';
import { type AudioEnvironment, audioProblems, type DeviceAccess } from '../media/devices.js';
import { EarlyMicrophone } from '../media/early-microphone.js';
import { RingTone } from '../media/ring-tone.js';
import { callFailure } from './call-failure.js';
import {
  type CallRecord,
  CallTracker,
  isUnseenMissed,
  loadHistory,
  memorySettings,
  type SettingsStore,
  storeHistory,
} from './call-log.js';
import { type RegisterOptions, registerClient, relayAddress, sameName } from './registration.js';
import type { SessionEvent, StampedEvent } from './session-events.js';
import { callStage, type KeyAlarm, type Notice, type PhonebookState, type SoundState } from './state.js';

/** Settings key of the audio choices kept in the vault: devices and volume (no secrets). */
export const AUDIO_SETTINGS_KEY = 'phonebook.audio';

export interface PhonebookSessionOptions {
  readonly client: Client;
  readonly monitor?: SecurityMonitor | undefined;
  /** Codec to send with. */
  readonly codec: AudioCodec;
  /** Codecs to decode (Opus and PCM16). */
  readonly receiveCodecs: readonly AudioCodec[];
  readonly audio: AudioChoice;
  /** Period of `call:quality` updates; default 1000 ms. */
  readonly qualityIntervalMs?: number;
  /**
   * Contacts whose presence to watch from the start (e.g. the pinned contacts of the vault). Names this
   * session calls or looks up are added. Relays show a contact online only when it watches back.
   */
  readonly watch?: readonly string[];
  /** A notice to show from the start (e.g. the relays pinned by this run, with their fingerprints). */
  readonly initialNotice?: Omit<Notice, 'at'>;
  /**
   * Where call history and audio settings are kept: the vault's settings in the program (atomic saves);
   * default: memory only.
   */
  readonly settings?: SettingsStore;
  /**
   * The system's sound devices. Given (the terminal UI), they are probed once at `start()` and a missing
   * microphone or speaker is reported in plain words; calls then send silence / discard without trying.
   * Not given (headless), calls open the system's devices as they come.
   */
  readonly devices?: DeviceAccess;
  /** Play a ring tone on the speaker while an incoming call rings (needs `devices` and a speaker). */
  readonly ringTone?: boolean;
}

type Listener = () => void;
type EventListener = (event: StampedEvent) => void;

interface ActiveMedia {
  readonly callId: string;
  readonly media: CallMedia;
  readonly role: 'caller' | 'callee';
  readonly peerName: string;
  readonly dialAt: number | undefined;
  firstFrameReported: boolean;
}

export class PhonebookSession {
  readonly client: Client;
  readonly #o: PhonebookSessionOptions;
  readonly #listeners = new Set<Listener>();
  readonly #eventListeners = new Set<EventListener>();
  #state: PhonebookState;
  #media: ActiveMedia | undefined;
  #dial: { peer: string; at: number; abort: AbortController } | undefined;
  #connectingAt: number | undefined;
  /** The codecs the caller of the last incoming call offered (docs/session-protocol.md §3). */
  #offered: { readonly callId: string; readonly codecs: readonly number[] } | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #closed = false;
  /** While `start()` runs: its failed attempts are reported by registerClient, not by the listener. */
  #registering = false;
  /** Names whose presence is watched (docs/client.md "Presence"). */
  readonly #watched = new Set<string>();
  /** Settles once the media of the current call has stopped and its statistics were reported. */
  #stopping: Promise<void> = Promise.resolve();
  readonly #settings: SettingsStore;
  /** Mute and volume, shared with the live call's media (read at every frame). */
  readonly #controls: AudioControls;
  readonly #tracker = new CallTracker();
  #ring: RingTone | undefined;
  readonly #earlyMicrophone = new EarlyMicrophone();
  #probing: Promise<void> | undefined;

  constructor(options: PhonebookSessionOptions) {
    this.#o = options;
    this.client = options.client;
    this.#settings = options.settings ?? memorySettings();
    const saved = audioSettings(this.#settings);
    this.#controls = { muted: false, volume: saved.volume };
    const history = loadHistory(this.#settings);
    this.#state = {
      self: { name: options.client.name, clientId: options.client.clientId },
      connection: options.client.connectionState,
      relay: options.client.relay,
      contacts: [],
      call: options.client.currentCall,
      audio: undefined,
      alarms: [],
      findings: [],
      notice: options.initialNotice === undefined ? undefined : { ...options.initialNotice, at: wallClock() },
      history,
      missed: history.filter(isUnseenMissed).length,
      waiting: undefined,
      sound: {
        environment: undefined,
        problems: [],
        inputDevice: saved.inputDevice,
        outputDevice: saved.outputDevice,
        files: { input: options.audio.input, output: options.audio.output, tone: options.audio.tone },
        muted: false,
        volume: saved.volume,
        ringing: false,
      },
    };
    this.#wire();
    this.watch(options.watch ?? []);
  }

  // ─── observing ──────────────────────────────────────────────────────────────────────────────────────

  /** The current snapshot (a new object after every change). */
  readonly getState = (): PhonebookState => this.#state;

  /** For useSyncExternalStore: called after every state change. */
  readonly subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Every session event, stamped with its wall-clock time. */
  onEvent(listener: EventListener): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Resolves when the last call's media has stopped (its output WAV is complete, `call:stats` sent). */
  settled(): Promise<void> {
    return this.#stopping;
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Looks for the microphone and speaker (with the chosen devices) and says in plain words what is
   * missing. Run once by `start()`, again when the devices change; nothing without `devices`.
   */
  async probeAudio(): Promise<void> {
    const devices = this.#o.devices;
    if (devices === undefined) return;
    const sound = this.#state.sound;
    let environment: AudioEnvironment;
    try {
      environment = await devices.probe({ input: sound.inputDevice, output: sound.outputDevice });
    } catch (error) {
      this.#notice('warn', `the sound devices could not be checked: ${describeError(error)}`);
      return;
    }
    const problems = audioProblems(environment, sound.files);
    // The screens show the problems on lines of their own (they stay true); the events say them once.
    this.#update({ sound: { ...this.#state.sound, environment, problems } });
    for (const text of problems) this.#emit({ event: 'notice', level: 'warn', text });
  }

  /** Mutes or unmutes the microphone: while muted the other side receives silence. */
  toggleMute(): void {
    this.#controls.muted = !this.#controls.muted;
    this.#updateSound({ muted: this.#controls.muted });
  }

  /** Changes the playback volume by `delta` percent (0–150 %); kept in the vault for the next calls. */
  changeVolume(delta: number): void {
    const volume = clampVolume(this.#controls.volume + delta);
    if (volume === this.#controls.volume) return;
    this.#controls.volume = volume;
    this.#updateSound({ volume });
    this.#saveAudioSettings();
  }

  /** Chooses the devices for the next call (undefined: the system's default), stores and probes them. */
  async setDevices(choice: {
    readonly input?: string | undefined;
    readonly output?: string | undefined;
  }): Promise<void> {
    const patch: Partial<SoundState> = {
      ...('input' in choice ? { inputDevice: choice.input } : {}),
      ...('output' in choice ? { outputDevice: choice.output } : {}),
    };
    this.#updateSound(patch);
    this.#ring = undefined; // opened with the new output next time
    this.#saveAudioSettings();
    await this.probeAudio();
  }

  /** The audio check with the chosen devices: record a few seconds, play them back. */
  audioCheck(onChange: (state: AudioCheckState) => void, seconds?: number): AudioCheck | undefined {
    const devices = this.#o.devices;
    if (devices === undefined) return undefined;
    const sound = this.#state.sound;
    return new AudioCheck({
      devices,
      input: sound.inputDevice,
      output: sound.outputDevice,
      playback: sound.environment?.output.works ?? true,
      ...(seconds === undefined ? {} : { seconds }),
      onChange,
    });
  }

  /** Marks the missed calls as seen (the history screen was opened). */
  markMissedSeen(): void {
    if (this.#state.missed === 0) return;
    const history = this.#state.history.map((r) => (isUnseenMissed(r) ? { ...r, seen: true } : r));
    this.#update({ history, missed: 0 });
    storeHistory(this.#settings, history);
    this.#save();
  }

  /**
   * Probes the relays and registers. Each failed attempt is a `registration:failed` event and the notice;
   * a taken or invalid name and a relay showing another key stop at once, an unreachable relay is tried
   * again until `timeoutMs`; then it rejects with a RegistrationError that says why (registration.ts).
   */
  async start(options: RegisterOptions = {}): Promise<void> {
    this.#probing ??= this.probeAudio();
    const findings = this.#o.monitor?.scan() ?? [];
    if (findings.length > 0) this.#update({ findings: dedupe([...this.#state.findings, ...findings]) });
    for (const finding of findings) this.#emit({ event: 'security:finding', finding });
    this.#registering = true;
    try {
      await registerClient(this.client, {
        ...options,
        onAttempt: (a) => {
          this.#update({ notice: { level: 'error', text: `${a.text} (${a.code})`, at: wallClock() } });
          this.#emit({
            event: 'registration:failed',
            relay: relayAddress(a.relay),
            attempt: a.attempt,
            problem: a.problem,
            code: a.code,
            text: a.text,
          });
          options.onAttempt?.(a);
        },
      });
    } finally {
      this.#registering = false;
    }
  }

  /** Adds contacts to the presence watch; they show online once they watch this client too. */
  watch(names: readonly string[]): void {
    const before = this.#watched.size;
    for (const name of names) if (name !== this.client.name) this.#watched.add(name);
    // A phonebook is small; beyond the protocol's 256 the newest names are not watched.
    if (this.#watched.size !== before)
      this.#try(() => this.client.watchPresence([...this.#watched].slice(0, 256)));
  }

  /** Looks the contact up (verified against the directory), then calls it. */
  async call(name: string): Promise<void> {
    if (sameName(name, this.client.name)) {
      const text = `"${name}" is your own name: a phonebook cannot call itself.`;
      this.#emit({ event: 'call:failed', peer: name, code: PhonebookErrorCode.SelfCall, text });
      this.#notice('error', `${text} (${PhonebookErrorCode.SelfCall})`);
      return;
    }
    this.watch([name]);
    if (callStage(this.client.currentCall) !== 'none') {
      this.#notice('warn', 'already in a call');
      return;
    }
    const abort = new AbortController();
    this.#dial = { peer: name, at: wallClock(), abort };
    this.#update({ notice: undefined });
    this.#emit({ event: 'call:dialing', peer: name });
    try {
      await this.client.call(name, { signal: abort.signal });
    } catch (error) {
      const snapshot = this.client.currentCall;
      const { code, text } = callFailure(name, error, snapshot);
      this.#dial = undefined;
      this.#emit({ event: 'call:failed', peer: name, code, text });
      // The call panel shows the code of a call that ended on a failed check: print it once.
      const shownThere = snapshot?.phase === 'ended' && snapshot.code === code;
      this.#notice(
        errorCodeOf(error) === 'CLIENT_ERR_ABORTED' ? 'info' : 'error',
        shownThere ? text : `${text} (${code})`,
      );
    }
  }

  /** The user may call `name` soon (the cursor rests on it): its offer is prepared (docs/client.md). */
  prepareCall(name: string): void {
    this.#try(() => this.client.prepareCall(name));
  }

  answer(): void {
    this.#try(() => this.client.answer());
  }

  reject(): void {
    this.#try(() => this.client.reject());
  }

  /** Ends the call, or stops dialing. */
  hangUp(): void {
    if (this.client.currentCall?.phase === 'dialing' && this.#dial) {
      this.#dial.abort.abort();
      return;
    }
    // Take the media counters while the call is still up: they are gone once it has ended.
    this.#media?.media.quality();
    this.#try(() => this.client.hangUp());
  }

  /** Verifies a contact's key against the directory (inclusion proof) and pins it on first use. */
  async lookup(name: string): Promise<void> {
    this.watch([name]);
    try {
      const contact = await this.client.lookup(name);
      if (!contact.keyChanged) this.#notice('info', `${name}: key verified against the directory and pinned`);
    } catch (error) {
      const failure = callFailure(name, error, undefined);
      const text =
        failure.code === 'RELAY_ERR_NOT_FOUND'
          ? failure.text
          : `Look-up of "${name}" failed: ${describeError(error)}`;
      this.#notice('error', failure.code === 'RELAY_ERR_NOT_FOUND' ? `${text} (${failure.code})` : text);
    }
  }

  /** Pins the new key of a contact after a key-change alarm (compare the safety number first). */
  acceptKey(name: string): void {
    try {
      this.client.acceptContactKey(name);
      this.#update({ alarms: this.#state.alarms.filter((a) => a.name !== name) });
      this.#notice('warn', `new key of ${name} accepted and pinned`);
    } catch (error) {
      this.#notice('error', `${describeError(error)} (press l to look ${name} up first)`);
    }
  }

  /** Hides an alarm; the contact stays marked and calls to it stay blocked. */
  dismissAlarm(name: string): void {
    this.#update({ alarms: this.#state.alarms.filter((a) => a.name !== name) });
  }

  /** Shows (and emits) a notice of the program's own. */
  notify(level: Notice['level'], text: string): void {
    this.#notice(level, text);
  }

  dismissNotice(): void {
    if (this.#state.notice !== undefined) this.#update({ notice: undefined });
  }

  /** Safety number with a pinned contact, or undefined when its key is not pinned yet. */
  safetyNumber(name: string): string | undefined {
    try {
      return this.client.safetyNumber(name);
    } catch {
      return undefined;
    }
  }

  /** The safety number with whoever holds the key `clientId` (hex fingerprint), pinned or not. */
  #safetyNumberWith(clientId: string): string | undefined {
    try {
      return this.client.crypto.safetyNumber(this.client.clientId, clientId);
    } catch {
      return undefined;
    }
  }

  /** Hangs up, stops the audio, closes the client. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#dial?.abort.abort();
    await this.#ring?.stop();
    await this.#earlyMicrophone.close();
    clearInterval(this.#ticker);
    await this.client.close();
    await this.#stopMedia();
    await this.#stopping;
    this.#o.monitor?.stop();
  }

  // ─── client events ──────────────────────────────────────────────────────────────────────────────────

  #wire(): void {
    const c = this.client;
    c.on('connection:state', (e) => {
      if (e.state === 'connecting') this.#connectingAt = wallClock();
      this.#update({ connection: e.state, relay: e.relay ?? this.#state.relay });
      this.#emit({ event: 'connection:state', state: e.state });
    });
    c.on('registration:complete', (e) => {
      const handshakeMs = this.#connectingAt === undefined ? undefined : wallClock() - this.#connectingAt;
      this.#update({ connection: 'ready', relay: e.relay, contacts: this.#others(c.contacts) });
      this.#emit({
        event: 'registration:complete',
        name: e.name,
        clientId: e.clientId,
        relay: e.relay,
        handshakeMs,
        treeHeadChange: e.treeHeadChange,
      });
    });
    c.on('registration:failed', (e) => {
      // After a lost relay (failover); during start() registerClient explains each attempt.
      if (this.#registering) return;
      this.#notice(
        'error',
        `registration with the relay at ${relayAddress(e.relay)} failed: ${describeError(e.error)}`,
      );
    });
    c.on('connection:error', (e) => this.#notice('warn', `connection problem: ${describeError(e.error)}`));
    c.on('phonebook:update', (e) => {
      const contacts = this.#others(e.contacts);
      this.#update({ contacts });
      this.#emit({ event: 'phonebook:update', contacts });
    });
    c.on('contact:verified', (e) => {
      this.#update({ contacts: this.#others(c.contacts) });
      this.#emit({ event: 'contact:verified', name: e.contact.name, clientId: e.contact.clientId });
    });
    c.on('contact:key-changed', (e) => this.#keyChanged(e));
    c.on('contact:key-rotated', (e) => {
      // The old key vouched for the new one: no alarm, but say so (the safety number changed).
      this.#update({
        alarms: this.#state.alarms.filter((a) => a.name !== e.name),
        contacts: this.#others(c.contacts),
      });
      this.#notice('info', `${e.name} rotated their key (signed by the old key); the safety number changed`);
      this.#emit({
        event: 'contact:key-rotated',
        name: e.name,
        previousClientId: e.previousClientId,
        clientId: e.clientId,
      });
    });
    c.on('contact:rejected', (e) => {
      this.#notice('warn', `the relay sent a contact with an invalid name (${e.reason}), dropped: ${e.name}`);
      this.#emit({ event: 'contact:rejected', clientId: e.clientId, name: e.name, reason: e.reason });
    });
    // The one source of the call on screen (docs/client.md "Call state"); the handlers below only start
    // and stop the audio and report events.
    c.on('call:state', (e) => {
      this.#update({ call: e.call });
      this.#ringFor(e.call);
      const record = this.#tracker.update(e.call, wallClock());
      if (record !== undefined) this.#record(record);
    });
    c.on('call:waiting', (e) => {
      // Call waiting: answered busy by the client; the caller gets "busy", the user sees who tried.
      const known = this.#state.contacts.find((contact) => contact.clientId === e.callerId)?.name;
      const name = known ?? e.callerName ?? `unknown caller ${e.callerId.slice(0, 8)}`;
      const at = wallClock();
      this.#update({ waiting: { name, at } });
      this.#record({ at, peer: name, direction: 'incoming', durationMs: 0, outcome: 'busy', seen: false });
      this.#emit({ event: 'call:waiting', peer: name, callerId: e.callerId });
    });
    c.on('call:outgoing', (e) => {
      // The callee's phone rings: the caller's microphone opens now, not after the answer.
      this.#earlyMicrophone.open(
        e.callId,
        this.#callAudio(),
        (text) => this.#notice('warn', text),
        this.#o.devices,
      );
      this.#emit({ event: 'call:ringing', peer: e.peer, callId: e.callId });
    });
    c.on('call:incoming', (e) => {
      this.#offered = { callId: e.callId, codecs: e.codecs };
      this.#emit({ event: 'call:incoming', peer: e.peer, callId: e.callId, safetyNumber: e.safetyNumber });
    });
    c.on('call:refused', (e) => {
      this.#notice('error', `incoming call refused: ${e.code}`);
      this.#emit({ event: 'call:refused', callerId: e.callerId, code: e.code });
    });
    c.on('call:accepted', (e) => this.#accepted(e));
    c.on('media:bound', (e) => this.#bound(e.callId, e.sessionId));
    c.on('media:failed', (e) => {
      this.#emit({ event: 'media:failed', callId: e.callId, code: e.code });
      this.#notice('error', `media could not be bound at the relay (${e.code}); hanging up`);
      this.hangUp();
    });
    c.on('call:ended', (e) => this.#ended(e));
    c.on('relay:lost', (e) => {
      this.#notice('warn', `relay ${e.relay.host}:${e.relay.port} lost (${e.code}); failing over`);
      this.#emit({ event: 'relay:lost', relay: e.relay, code: e.code });
    });
    c.on('relay:switched', (e) => {
      this.#update({ relay: e.to });
      this.#notice('info', `now on relay ${e.to.host}:${e.to.port} (${e.reason})`);
      this.#emit({ event: 'relay:switched', to: e.to, reason: e.reason });
    });
    c.on('security:finding', (finding) => {
      this.#update({ findings: dedupe([...this.#state.findings, finding]) });
      this.#emit({ event: 'security:finding', finding });
    });
  }

  #keyChanged(e: Extract<CoreEvent, { type: 'contact:key-changed' }>): void {
    const alarm: KeyAlarm = {
      name: e.name,
      pinnedClientId: e.pinnedClientId,
      newClientId: e.newClientId,
      safetyNumber: this.#safetyNumberWith(e.newClientId),
      source: e.source,
      at: wallClock(),
    };
    // A newer alarm for the same contact replaces the old one (a lookup upgrades a phonebook alarm).
    this.#update({
      alarms: [...this.#state.alarms.filter((a) => a.name !== e.name), alarm],
      contacts: this.#others(this.client.contacts),
    });
    this.#emit({
      event: 'contact:key-changed',
      name: e.name,
      pinnedClientId: e.pinnedClientId,
      newClientId: e.newClientId,
      source: e.source,
    });
  }

  #accepted(e: Extract<CoreEvent, { type: 'call:accepted' }>): void {
    const call = this.client.currentCall;
    const safetyNumber =
      call !== undefined && call.callId === e.callId && 'safetyNumber' in call
        ? call.safetyNumber
        : undefined;
    const dialAt = e.role === 'caller' ? this.#dial?.at : undefined;
    this.#dial = undefined;
    const offered = this.#offered?.callId === e.callId ? this.#offered.codecs : undefined;
    const codec = sendCodecFor(
      this.#o.codec,
      this.#o.receiveCodecs,
      e.role === 'callee' ? offered : undefined,
    );
    if (codec === undefined) {
      this.#notice(
        'error',
        `the caller offered no codec this phonebook has (${offered?.join(', ')}); hanging up`,
      );
      this.hangUp();
      return;
    }
    const media: CallMedia = new CallMedia({
      client: this.client,
      codec,
      receiveCodecs: this.#o.receiveCodecs,
      audio: this.#callAudio(),
      controls: this.#controls,
      ...(this.#o.devices === undefined ? {} : { devices: this.#o.devices }),
      microphone: this.#earlyMicrophone.take(e.callId),
      notify: (text) => this.#notice('warn', text),
      onFirstFrame: () => {
        const current = this.#media;
        if (current?.media === media) this.#reportFirstFrame(current);
      },
    });
    const active: ActiveMedia = {
      callId: e.callId,
      media,
      role: e.role,
      peerName: e.peer.name,
      dialAt,
      firstFrameReported: false,
    };
    this.#media = active;
    // The ring tone gives the speaker back before the call opens it.
    const ringStopped = this.#ring?.stop() ?? Promise.resolve();
    this.#update({
      audio: { callId: e.callId, playing: false, quality: undefined, source: '', sink: '' },
      notice: undefined,
    });
    this.#emit({
      event: 'call:accepted',
      peer: e.peer,
      callId: e.callId,
      role: e.role,
      safetyNumber,
      keyExchange: e.keyExchange,
    });
    // Open files or devices now, but after the client has sent its BIND (this handler runs inside the
    // client's output loop), so that neither waits for the other.
    setImmediate(() =>
      ringStopped.then(() => media.prepare()).catch((error: unknown) => this.#audioFailed(error)),
    );
  }

  #audioFailed(error: unknown): void {
    this.#notice('error', `audio could not start: ${describeError(error)}`);
    this.hangUp();
  }

  #bound(callId: string, sessionId: number): void {
    const active = this.#media;
    this.#emit({ event: 'media:bound', callId, sessionId });
    if (!active || active.callId !== callId) return;
    if (active.media.marks.boundAt !== undefined) return; // re-bound after a NAT change or failover
    active.media.marks.boundAt = wallClock();
    active.media.start().then(
      () => {
        const audio = this.#state.audio;
        if (audio?.callId === callId) {
          const { sourceLabel: source, sinkLabel: sink } = active.media;
          this.#update({ audio: { ...audio, playing: true, source, sink } });
        }
      },
      (error: unknown) => this.#audioFailed(error),
    );
    this.#startTicker();
  }

  #startTicker(): void {
    clearInterval(this.#ticker);
    const interval = this.#o.qualityIntervalMs ?? 1000;
    this.#ticker = setInterval(() => {
      const active = this.#media;
      if (!active) return;
      const quality = active.media.quality();
      const audio = this.#state.audio;
      if (audio?.callId === active.callId) {
        const { sourceLabel: source, sinkLabel: sink } = active.media;
        this.#update({ audio: { ...audio, quality, source, sink } });
      }
      this.#emit({ event: 'call:quality', callId: active.callId, quality });
    }, interval);
    this.#ticker.unref();
  }

  #reportFirstFrame(active: ActiveMedia): void {
    const { firstFrameAt, firstDecodedAt } = active.media.marks;
    if (active.firstFrameReported || firstFrameAt === undefined) return;
    active.firstFrameReported = true;
    this.#emit({ event: 'media:first-frame', callId: active.callId, firstFrameAt, firstDecodedAt });
  }

  #ended(e: CallEndedEvent): void {
    this.#dial = undefined;
    // A phone unmutes when the call ends; the waiting caller is in the history as a missed call.
    this.#controls.muted = false;
    this.#update({
      audio: undefined,
      waiting: undefined,
      sound: { ...this.#state.sound, muted: false },
    });
    this.#emit({
      event: 'call:ended',
      callId: e.callId,
      peer: e.peer?.name,
      reason: e.reason,
      by: e.by,
      code: e.code,
    });
    void this.#earlyMicrophone.release(e.callId);
    void this.#stopMedia();
  }

  #stopMedia(): Promise<void> {
    const active = this.#media;
    if (!active) return this.#stopping;
    this.#media = undefined;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    const previous = this.#stopping;
    this.#stopping = (async () => {
      await previous;
      const stats = await active.media.stop();
      this.#reportFirstFrame(active);
      this.#emit({
        event: 'call:stats',
        callId: active.callId,
        role: active.role,
        peer: active.peerName,
        dialAt: active.dialAt,
        marks: stats.marks,
        stats,
      });
    })().catch((error: unknown) =>
      this.#notice('error', `audio did not stop cleanly: ${describeError(error)}`),
    );
    return this.#stopping;
  }

  // ─── sound, history ─────────────────────────────────────────────────────────────────────────────────

  /** The audio of the next call: the command line's files, else the chosen devices as probed. */
  #callAudio(): AudioChoice {
    const sound = this.#state.sound;
    const env = sound.environment;
    return {
      ...this.#o.audio,
      inputDevice: sound.inputDevice,
      outputDevice: sound.outputDevice,
      ...(env === undefined ? {} : { microphone: env.input.works, speaker: env.output.works }),
    };
  }

  /** Rings while an incoming call rings (on the speaker, when there is one), and stops otherwise. */
  #ringFor(call: PhonebookState['call']): void {
    const ringing = call?.phase === 'ringing' && call.direction === 'incoming';
    const devices = this.#o.devices;
    if (
      ringing &&
      this.#o.ringTone === true &&
      devices !== undefined &&
      this.#state.sound.environment?.output.works
    ) {
      const output = this.#state.sound.outputDevice;
      this.#ring ??= new RingTone(() => devices.openPlayback(output), {
        onError: (error) => this.#notice('warn', `the ring tone could not play: ${describeError(error)}`),
      });
      this.#ring.start();
      if (!this.#state.sound.ringing) this.#updateSound({ ringing: true });
    } else if (!ringing && this.#state.sound.ringing) {
      void this.#ring?.stop();
      this.#updateSound({ ringing: false });
    }
  }

  #record(record: CallRecord): void {
    const history = [record, ...this.#state.history].slice(0, 200);
    this.#update({ history, missed: history.filter(isUnseenMissed).length });
    storeHistory(this.#settings, history);
    this.#save();
  }

  #updateSound(patch: Partial<SoundState>): void {
    this.#update({ sound: { ...this.#state.sound, ...patch } });
  }

  #saveAudioSettings(): void {
    const sound = this.#state.sound;
    this.#settings.set(AUDIO_SETTINGS_KEY, {
      inputDevice: sound.inputDevice ?? null,
      outputDevice: sound.outputDevice ?? null,
      volume: sound.volume,
    });
    this.#save();
  }

  #save(): void {
    this.#settings.save().catch((error: unknown) => {
      this.#notice('error', `the vault could not be saved: ${describeError(error)}`);
    });
  }

  // ─── helpers ────────────────────────────────────────────────────────────────────────────────────────

  #others(contacts: readonly ContactInfo[]): ContactInfo[] {
    return contacts
      .filter((c) => c.clientId !== this.client.clientId)
      .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
  }

  #try(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.#notice('warn', describeError(error));
    }
  }

  #notice(level: Notice['level'], text: string): void {
    this.#update({ notice: { level, text, at: wallClock() } });
    this.#emit({ event: 'notice', level, text });
  }

  #update(patch: Partial<PhonebookState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of [...this.#listeners]) listener();
  }

  #emit(event: SessionEvent): void {
    const stamped = { ...event, t: wallClock() } as StampedEvent;
    for (const listener of [...this.#eventListeners]) listener(stamped);
  }
}

/** The stored audio choices (devices, volume), or the defaults. */
function audioSettings(store: SettingsStore): {
  inputDevice: string | undefined;
  outputDevice: string | undefined;
  volume: number;
} {
  const value = store.get(AUDIO_SETTINGS_KEY);
  const o = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  return {
    inputDevice: typeof o.inputDevice === 'string' ? o.inputDevice : undefined,
    outputDevice: typeof o.outputDevice === 'string' ? o.outputDevice : undefined,
    volume: typeof o.volume === 'number' ? clampVolume(o.volume) : VOLUME_DEFAULT,
  };
}

function dedupe(findings: readonly SecurityFinding[]): SecurityFinding[] {
  const seen = new Map<string, SecurityFinding>();
  for (const f of findings) seen.set(`${f.code}:${JSON.stringify(f.detail ?? {})}`, f);
  return [...seen.values()];
}
