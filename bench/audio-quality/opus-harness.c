/*
 * The system's libopus (Debian: libopus-dev, the build opusenc links) driven frame by frame, so that the
 * audio-quality bench can compare the same encoder settings on this build and on @evan/opus's builds
 * (docs/benchmarks.md, "audio quality"). Compiled at bench time by libopus-builds.mjs: cc -O2 ... -lopus.
 *
 *   opus-harness version
 *   opus-harness encode IN.raw OUT.pkts app=voip|audio complexity=0..10 fec=0|1 loss=0..100
 *                signal=voice|auto input=int16|float|surround|delayed
 *       IN.raw: 48 kHz mono s16le. Encodes 24 kbit/s hard CBR in 20 ms frames, frame by frame through the
 *       lookahead (zero padded), as the bench's encodeFrames does. input=float feeds opus_encode_float with
 *       LSB depth 16; input=surround does what libopusenc does for a mono file (a multistream encoder made by
 *       opus_multistream_surround_encoder_create, mapping family 0, float samples, 20 ms frame duration);
 *       input=delayed also hands each call all samples buffered ahead, up to libopusenc's 2 s decision delay
 *       (libopusenc's encode_buffer() passes its whole buffer as the frame size; libopus codes 20 ms of it
 *       and its signal analysis reads the rest).
 *       Prints the lookahead. OUT.pkts: per packet a little-endian u16 length and the packet.
 *   opus-harness decode IN.pkts DROPS OUT.raw fec=flag|always|never
 *       DROPS: one byte per packet, '1' = lost. An ideal receiver: a lost frame is decoded from the next
 *       packet's FEC (opus_decode with decode_fec = 1) when that packet arrived — fec=flag only when its
 *       SILK header says it carries LBRR data (as Leitung's decoder), fec=always whenever it arrived,
 *       fec=never not at all — else by PLC (opus_decode with no data).
 */
#include <opus/opus.h>
#include <opus/opus_multistream.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME 960
#define MAX_PACKET 4000
#define DELAY 96000 /* libopusenc's default decision delay, 2 s at 48 kHz */

static const char *arg(int argc, char **argv, const char *name, const char *fallback) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') return argv[i] + n + 1;
  return fallback;
}

static void fail(const char *what, int code) {
  fprintf(stderr, "opus-harness: %s: %s\n", what, code < 0 ? opus_strerror(code) : "failed");
  exit(1);
}

static unsigned char *read_all(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (!f) fail(path, 1);
  fseek(f, 0, SEEK_END);
  *size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc(*size + 1);
  if (fread(bytes, 1, *size, f) != (size_t)*size) fail(path, 1);
  fclose(f);
  return bytes;
}

/* RFC 6716 §4.1: the range decoder, reduced to ec_dec_bit_logp(1) (as packages/audio/src/opus-packet.ts). */
struct range { const unsigned char *data; int len, pos; unsigned rng, val, rem; };

static unsigned next_byte(struct range *d) { return d->pos < d->len ? d->data[d->pos++] : 0; }

static void normalize(struct range *d) {
  while (d->rng <= 1u << 23) {
    d->rng <<= 8;
    unsigned sym = d->rem;
    d->rem = next_byte(d);
    sym = (sym << 8 | d->rem) >> 1;
    d->val = ((d->val << 8) + (255 & ~sym)) & 0x7fffffff;
  }
}

static int range_bit(struct range *d) {
  unsigned s = d->rng >> 1;
  int one = d->val < s;
  if (!one) d->val -= s;
  d->rng = one ? s : d->rng - s;
  normalize(d);
  return one;
}

/* RFC 6716 §4.2.3: a SILK or hybrid 20 ms mono packet of one frame carries LBRR data when its second
 * range-coded bit (after the VAD flag) is set; the frame starts after the TOC byte (code 0) or after the
 * frame-count byte and padding length of a code 3 packet (§3.2.5). */
static int has_lbrr(const unsigned char *packet, int len) {
  if (len < 3 || packet[0] >> 3 >= 16 || (packet[0] & 4) != 0) return 0;
  int start = 1;
  if ((packet[0] & 3) == 3 && (packet[1] & 0x3f) == 1) {
    start = 2;
    if (packet[1] & 0x40) {
      while (start < len && packet[start] == 255) start++;
      start++;
    }
  } else if ((packet[0] & 3) != 0) {
    return 0;
  }
  if (start >= len) return 0;
  struct range d = {packet, len, start, 128, 0, 0};
  d.rem = next_byte(&d);
  d.val = d.rng - 1 - (d.rem >> 1);
  normalize(&d);
  range_bit(&d);
  return range_bit(&d);
}

#define CTL(call) \
  do { \
    int r_ = (call); \
    if (r_ < 0) fail(#call, r_); \
  } while (0)

static int encode(int argc, char **argv) {
  long size;
  short *input = (short *)read_all(argv[2], &size);
  long samples = size / 2;
  int application = strcmp(arg(argc, argv, "app", "voip"), "audio") == 0 ? OPUS_APPLICATION_AUDIO
                                                                          : OPUS_APPLICATION_VOIP;
  int complexity = atoi(arg(argc, argv, "complexity", "9"));
  int fec = atoi(arg(argc, argv, "fec", "1"));
  int loss = atoi(arg(argc, argv, "loss", "0"));
  int signal = strcmp(arg(argc, argv, "signal", "voice"), "auto") == 0 ? OPUS_AUTO : OPUS_SIGNAL_VOICE;
  const char *kind = arg(argc, argv, "input", "int16");
  int delayed = strcmp(kind, "delayed") == 0;
  int surround = delayed || strcmp(kind, "surround") == 0;
  int use_float = surround || strcmp(kind, "float") == 0;
  int err = 0, lookahead = 0;
  OpusEncoder *enc = NULL;
  OpusMSEncoder *ms = NULL;
  if (surround) {
    int streams, coupled;
    unsigned char mapping[1];
    ms = opus_multistream_surround_encoder_create(48000, 1, 0, &streams, &coupled, mapping, application, &err);
    if (err != OPUS_OK) fail("opus_multistream_surround_encoder_create", err);
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_BITRATE(24000)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_VBR(0)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_COMPLEXITY(complexity)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_SIGNAL(signal)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_INBAND_FEC(fec)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_PACKET_LOSS_PERC(loss)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_LSB_DEPTH(16)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS)));
    CTL(opus_multistream_encoder_ctl(ms, OPUS_GET_LOOKAHEAD(&lookahead)));
  } else {
    enc = opus_encoder_create(48000, 1, application, &err);
    if (err != OPUS_OK) fail("opus_encoder_create", err);
    CTL(opus_encoder_ctl(enc, OPUS_SET_SIGNAL(signal)));
    CTL(opus_encoder_ctl(enc, OPUS_SET_BITRATE(24000)));
    CTL(opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity)));
    CTL(opus_encoder_ctl(enc, OPUS_SET_VBR(0)));
    CTL(opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(fec)));
    CTL(opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(loss)));
    CTL(opus_encoder_ctl(enc, OPUS_SET_DTX(0)));
    if (use_float) CTL(opus_encoder_ctl(enc, OPUS_SET_LSB_DEPTH(16)));
    CTL(opus_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(&lookahead)));
  }
  FILE *out = fopen(argv[3], "wb");
  if (!out) fail(argv[3], 1);
  long frames = (samples + lookahead + FRAME - 1) / FRAME;
  float *all = calloc(frames * FRAME + DELAY, sizeof *all);
  for (long i = 0; i < samples; i++) all[i] = input[i] / 32768.0f;
  unsigned char packet[MAX_PACKET];
  short pcm[FRAME];
  float pcmf[FRAME];
  for (long k = 0; k * FRAME < samples + lookahead; k++) {
    for (int i = 0; i < FRAME; i++) {
      long at = k * FRAME + i;
      pcm[i] = at < samples ? input[at] : 0;
      pcmf[i] = pcm[i] / 32768.0f;
    }
    long ahead = frames * FRAME - k * FRAME;
    int span = delayed ? (int)(ahead < FRAME + DELAY ? ahead : FRAME + DELAY) : FRAME;
    int n = delayed     ? opus_multistream_encode_float(ms, all + k * FRAME, span, packet, MAX_PACKET)
            : surround  ? opus_multistream_encode_float(ms, pcmf, FRAME, packet, MAX_PACKET)
            : use_float ? opus_encode_float(enc, pcmf, FRAME, packet, MAX_PACKET)
                        : opus_encode(enc, pcm, FRAME, packet, MAX_PACKET);
    if (n < 0) fail("encode", n);
    unsigned char length[2] = {n & 255, n >> 8};
    fwrite(length, 1, 2, out);
    fwrite(packet, 1, n, out);
  }
  fclose(out);
  printf("%d\n", lookahead);
  return 0;
}

static int decode(int argc, char **argv) {
  long size, count;
  unsigned char *bytes = read_all(argv[2], &size);
  unsigned char *drops = read_all(argv[3], &count);
  const char *fec = arg(argc, argv, "fec", "flag");
  unsigned char **packets = calloc(count, sizeof *packets);
  int *lengths = calloc(count, sizeof *lengths);
  long at = 0;
  for (long k = 0; k < count; k++) {
    if (at + 2 > size) fail("fewer packets than drop flags", 1);
    lengths[k] = bytes[at] | bytes[at + 1] << 8;
    packets[k] = bytes + at + 2;
    at += 2 + lengths[k];
  }
  int err = 0;
  OpusDecoder *dec = opus_decoder_create(48000, 1, &err);
  if (err != OPUS_OK) fail("opus_decoder_create", err);
  FILE *out = fopen(argv[4], "wb");
  if (!out) fail(argv[4], 1);
  short pcm[FRAME];
  for (long k = 0; k < count; k++) {
    int n;
    if (drops[k] != '1') {
      n = opus_decode(dec, packets[k], lengths[k], pcm, FRAME, 0);
    } else {
      int next = k + 1 < count && drops[k + 1] != '1';
      int use = next && (strcmp(fec, "always") == 0 ||
                         (strcmp(fec, "flag") == 0 && has_lbrr(packets[k + 1], lengths[k + 1])));
      n = use ? opus_decode(dec, packets[k + 1], lengths[k + 1], pcm, FRAME, 1)
              : opus_decode(dec, NULL, 0, pcm, FRAME, 0);
    }
    if (n != FRAME) fail("opus_decode", n);
    fwrite(pcm, 2, FRAME, out);
  }
  fclose(out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "version") == 0) {
    printf("%s\n", opus_get_version_string());
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "encode") == 0) return encode(argc, argv);
  if (argc >= 5 && strcmp(argv[1], "decode") == 0) return decode(argc, argv);
  fprintf(stderr, "usage: opus-harness version | encode IN.raw OUT.pkts [k=v...] | decode IN.pkts DROPS OUT.raw\n");
  return 2;
}
