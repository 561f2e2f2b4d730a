/**
 * RIFF/WAVE for 16-bit PCM (Microsoft "Multimedia Programming Interface and Data Specifications 1.0",
 * WAVE_FORMAT_PCM; WAVE_FORMAT_EXTENSIBLE with the PCM sub-format). Pure byte handling, usable in
 * browsers; the file source and sink in node/wav-file.ts stream through the same parser.
 */
import { SAMPLE_RATE } from './audio-format.js';
import { AudioError } from './errors.js';

/** The sample format of a WAV file: its rate in Hz and channel count; only 16-bit PCM is read or written. */
export interface WavFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: 16;
}

/**
 * Where the samples of a WAV file are: its format, the byte offset of the `data` chunk's samples and its
 * declared length ({@link readWavLayout}'s result).
 */
export interface WavLayout {
  readonly format: WavFormat;
  /** Byte offset of the sample data. */
  readonly dataOffset: number;
  /** Declared data length in bytes; undefined when the writer left it open (0 or 0xFFFFFFFF). */
  readonly dataLength: number | undefined;
}

/**
 * Length of the canonical WAV header {@link wavHeader} writes (44 bytes): the byte offset of the samples in a
 * file this package writes.
 */
export const WAV_HEADER_BYTES = 44;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

/** Walks the RIFF chunks up to `data`; throws AUDIO_ERR_WAV_FORMAT for anything but 16-bit PCM. */
export async function readWavLayout(read: ByteReader): Promise<WavLayout> {
  const riff = await read(0, 12);
  if (riff.length < 12 || tag(riff, 0) !== 'RIFF' || tag(riff, 8) !== 'WAVE') {
    throw wavError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: WavFormat | undefined;
  // A WAV header has a handful of chunks; a bound stops a crafted file from making us walk forever.
  for (let chunks = 0; chunks < 64; chunks++) {
    const head = await read(offset, 8);
    if (head.length < 8) break;
    const id = tag(head, 0);
    const size = view(head).getUint32(4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = parseFmt(await read(body, Math.min(size, 40)));
    } else if (id === 'data') {
      if (format === undefined) throw wavError('data chunk before fmt chunk');
      const open = size === 0 || size === 0xffffffff;
      return { format, dataOffset: body, dataLength: open ? undefined : size };
    }
    offset = body + size + (size % 2);
  }
  throw wavError('no data chunk');
}

/** Parses a whole WAV file held in memory into interleaved samples. */
export async function decodeWav(bytes: Uint8Array): Promise<{ format: WavFormat; samples: Int16Array }> {
  const layout = await readWavLayout(async (offset, length) => bytes.subarray(offset, offset + length));
  const end = Math.min(bytes.length, layout.dataOffset + (layout.dataLength ?? bytes.length));
  const blockAlign = layout.format.channels * 2;
  const usable = Math.floor((end - layout.dataOffset) / blockAlign) * blockAlign;
  return {
    format: layout.format,
    samples: int16FromLittleEndian(bytes.subarray(layout.dataOffset, layout.dataOffset + usable)),
  };
}

/** A complete 16-bit PCM WAV file (48 kHz mono unless told otherwise). */
export function encodeWav(samples: Int16Array, sampleRate = SAMPLE_RATE, channels = 1): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_BYTES + samples.length * 2);
  out.set(wavHeader(samples.length * 2, sampleRate, channels));
  out.set(littleEndianFromInt16(samples), WAV_HEADER_BYTES);
  return out;
}

/** The canonical 44-byte header for `dataBytes` of 16-bit PCM. */
export function wavHeader(dataBytes: number, sampleRate = SAMPLE_RATE, channels = 1): Uint8Array {
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > 0xffffffff - 36) {
    throw new AudioError('AUDIO_ERR_WAV_FORMAT', 'WAV data must be below 4 GiB');
  }
  const h = new Uint8Array(WAV_HEADER_BYTES);
  const v = view(h);
  writeTag(h, 0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  writeTag(h, 8, 'WAVE');
  writeTag(h, 12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, WAVE_FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  writeTag(h, 36, 'data');
  v.setUint32(40, dataBytes, true);
  return h;
}

export function int16FromLittleEndian(bytes: Uint8Array): Int16Array {
  const n = Math.floor(bytes.length / 2);
  const out = new Int16Array(n);
  const v = view(bytes);
  for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, true);
  return out;
}

export function littleEndianFromInt16(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const v = view(out);
  for (let i = 0; i < samples.length; i++) v.setInt16(i * 2, samples[i]!, true);
  return out;
}

function parseFmt(b: Uint8Array): WavFormat {
  if (b.length < 16) throw wavError('fmt chunk too short');
  const v = view(b);
  let formatTag = v.getUint16(0, true);
  const channels = v.getUint16(2, true);
  const sampleRate = v.getUint32(4, true);
  const blockAlign = v.getUint16(12, true);
  const bits = v.getUint16(14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (b.length < 26) throw wavError('extensible fmt chunk too short');
    formatTag = v.getUint16(24, true); // first two bytes of the sub-format GUID
  }
  if (formatTag !== WAVE_FORMAT_PCM) throw wavError(`format ${formatTag} is not integer PCM`);
  if (bits !== 16) throw wavError(`${bits}-bit samples are not supported (16-bit only)`);
  if (channels < 1 || channels > 64) throw wavError(`${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 768_000) throw wavError(`sample rate ${sampleRate} Hz`);
  if (blockAlign !== channels * 2) throw wavError('block alignment does not match the channel count');
  return { sampleRate, channels, bitsPerSample: 16 };
}

function tag(b: Uint8Array, offset: number): string {
  return String.fromCharCode(b[offset]!, b[offset + 1]!, b[offset + 2]!, b[offset + 3]!);
}

function writeTag(b: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < 4; i++) b[offset + i] = text.charCodeAt(i);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function wavError(message: string): AudioError {
  return new AudioError('AUDIO_ERR_WAV_FORMAT', `WAV: ${message}`);
}
