/**
 * WAV files as sources and sinks. The source streams the file (a chunk per demand, so a caller that
 * stops reading stops the disk too) and converts any rate and channel count to 48 kHz mono. The sink
 * writes 48 kHz mono 16-bit to a temporary file beside the target and renames it into place on close
 * (fsync first), so a reader never sees a half-written file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertPlayoutFrame, SAMPLE_RATE, SAMPLES_PER_MS } from '../audio-format.js';
import type { AudioSink, AudioSource } from '../audio-stream.js';
import { AudioError } from '../errors.js';
import { FormatConverter } from '../format-converter.js';
import {
  int16FromLittleEndian,
  littleEndianFromInt16,
  readWavLayout,
  WAV_HEADER_BYTES,
  type WavFormat,
  wavHeader,
} from '../wav.js';

/** Sample frames read from disk per refill (≈ 85 ms at 48 kHz). */
const READ_FRAMES = 4096;

/**
 * An audio source streaming a WAV file from disk, converted to 48 kHz mono frames; also says the file's own
 * format and length.
 */
export interface WavFileSource extends AudioSource {
  /** The file's own format, before conversion. */
  readonly format: WavFormat;
  /** Length of the audio in ms (from the data size). */
  readonly durationMs: number;
}

/**
 * Opens a 16-bit PCM WAV file of any rate and channel count as a source of 48 kHz mono frames, streamed from
 * disk (never read whole). Throws AUDIO_ERR_WAV_FORMAT for anything but 16-bit PCM and AUDIO_ERR_FILE when the
 * file cannot be read.
 */
export async function openWavFileSource(path: string): Promise<WavFileSource> {
  const handle = await fileOp(path, 'open', () => open(path, 'r'));
  try {
    const size = (await handle.stat()).size;
    const layout = await readWavLayout((offset, length) => readAt(handle, offset, length));
    const blockAlign = layout.format.channels * 2;
    const available = Math.max(0, size - layout.dataOffset);
    const dataBytes =
      Math.floor(Math.min(available, layout.dataLength ?? available) / blockAlign) * blockAlign;
    return new FileSource(handle, layout.format, layout.dataOffset, dataBytes);
  } catch (err) {
    await handle.close();
    throw err instanceof AudioError ? err : fileError(path, 'read', err);
  }
}

class FileSource implements WavFileSource {
  readonly format: WavFormat;
  readonly durationMs: number;
  readonly #handle: FileHandle;
  readonly #converter: FormatConverter;
  readonly #end: number;
  readonly #ready: Int16Array[] = [];
  #position: number;
  #exhausted = false;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(handle: FileHandle, format: WavFormat, dataOffset: number, dataBytes: number) {
    this.#handle = handle;
    this.format = format;
    this.#position = dataOffset;
    this.#end = dataOffset + dataBytes;
    this.durationMs = (dataBytes / (format.channels * 2) / format.sampleRate) * 1000;
    this.#converter = new FormatConverter(format.sampleRate, format.channels);
  }

  read(): Promise<Int16Array | null> {
    // One read at a time: refills touch shared state.
    const next = this.#queue.then(() => this.#read());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready.length = 0;
    await this.#handle.close();
  }

  async #read(): Promise<Int16Array | null> {
    while (!this.#closed && this.#ready.length === 0 && !this.#exhausted) {
      const want = Math.min(READ_FRAMES * this.format.channels * 2, this.#end - this.#position);
      if (want <= 0) {
        this.#exhausted = true;
        this.#ready.push(...this.#converter.end());
        break;
      }
      const bytes = await readAt(this.#handle, this.#position, want);
      if (bytes.length === 0) {
        this.#exhausted = true;
        this.#ready.push(...this.#converter.end());
        break;
      }
      this.#position += bytes.length;
      this.#ready.push(...this.#converter.push(int16FromLittleEndian(bytes)));
    }
    if (this.#closed) return null;
    return this.#ready.shift() ?? null;
  }
}

/**
 * An audio sink recording into a WAV file, atomically: the file appears at `path` only on `close`; `abort`
 * discards the recording.
 */
export interface WavFileSink extends AudioSink {
  /** The final path (the file appears there on `close`). */
  readonly path: string;
  readonly frames: number;
  /** Discards everything written: removes the temporary file; the target is untouched. */
  abort(): Promise<void>;
}

/**
 * Creates a sink that records 48 kHz mono 16-bit frames into a WAV file: written to a temporary file beside
 * `path`, fsynced and renamed onto `path` on `close`, so a crash never leaves a half-written file there. Throws
 * AUDIO_ERR_FILE when the file cannot be created.
 */
export async function createWavFileSink(path: string): Promise<WavFileSink> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fileOp(path, 'create', () => open(temp, 'wx', 0o644));
  try {
    await handle.write(wavHeader(0), 0, WAV_HEADER_BYTES, 0);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw fileError(path, 'write', err);
  }
  return new FileSink(handle, path, temp);
}

class FileSink implements WavFileSink {
  readonly path: string;
  readonly #temp: string;
  readonly #handle: FileHandle;
  #dataBytes = 0;
  #frames = 0;
  #state: 'open' | 'closed' = 'open';

  constructor(handle: FileHandle, path: string, temp: string) {
    this.#handle = handle;
    this.path = path;
    this.#temp = temp;
  }

  get frames(): number {
    return this.#frames;
  }

  async write(frame: Int16Array): Promise<void> {
    if (this.#state !== 'open') throw new AudioError('AUDIO_ERR_CLOSED', 'the WAV sink is closed');
    assertPlayoutFrame(frame);
    if (this.#dataBytes + frame.length * 2 > 0xffffffff - 36) {
      throw new AudioError('AUDIO_ERR_FILE', 'WAV files end at 4 GiB');
    }
    const bytes = littleEndianFromInt16(frame);
    try {
      await this.#handle.write(bytes, 0, bytes.length, WAV_HEADER_BYTES + this.#dataBytes);
    } catch (err) {
      throw fileError(this.path, 'write', err);
    }
    this.#dataBytes += bytes.length;
    this.#frames++;
  }

  async close(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    try {
      await this.#handle.write(wavHeader(this.#dataBytes, SAMPLE_RATE, 1), 0, WAV_HEADER_BYTES, 0);
      await this.#handle.sync();
      await this.#handle.close();
      await rename(this.#temp, this.path);
    } catch (err) {
      await this.#handle.close().catch(() => undefined);
      await unlink(this.#temp).catch(() => undefined);
      throw fileError(this.path, 'finish', err);
    }
  }

  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    await this.#handle.close().catch(() => undefined);
    await unlink(this.#temp).catch(() => undefined);
  }

  /** Media time written so far, ms. */
  get durationMs(): number {
    return this.#dataBytes / 2 / SAMPLES_PER_MS;
  }
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}

async function fileOp<T>(path: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fileError(path, what, err);
  }
}

function fileError(path: string, what: string, cause: unknown): AudioError {
  const code = (cause as { code?: unknown } | null)?.code;
  return new AudioError(
    'AUDIO_ERR_FILE',
    `cannot ${what} ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
    {
      cause,
    },
  );
}
