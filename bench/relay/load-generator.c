/*
 * Load generator for bench/relay (compiled at bench time into a temporary directory; never committed as a
 * binary). It plays both parties of N calls: 2N streams of fixed-size media packets at a fixed rate, each
 * stream with a random phase, sent from a small pool of UDP sockets to a forwarder (or, in direct mode,
 * straight to the peer's socket as the latency baseline). Every packet carries its CLOCK_MONOTONIC send
 * time, so the one-way latency of each forwarded packet is measured in one process, on one clock.
 *
 * It is written in C so that it costs a few µs per packet: on a 2-core machine a Node generator would
 * need more than a core of its own at 70 k packets/s and would measure its own event-loop backlog.
 *
 *   load-generator CONFIG   (CONFIG written by run.mjs; one JSON line of results on stdout)
 *
 * CONFIG: "ip port pps bytes warmup_ms window_ms sockets_per_side forwarder_pid expect_acks streams", then
 * one line per stream: "socket peer_socket session_id side bind_hex token_hex" (bind_hex "-" = no BIND,
 * token_hex "-" = no token). port 0 = direct; expect_acks 0 = the forwarder does not answer BINDs (bare
 * forwarders). A BIND_CHALLENGE is answered with a BIND_CONFIRM under the stream's token
 * (docs/session-protocol.md §4.1, §4.2), which is why this links libcrypto (HMAC-SHA256).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

typedef struct {
  int socket;
  int peer;
  uint32_t session;
  int side;
  uint32_t sequence;
  unsigned char bind[64];
  int bind_len;
  unsigned char token[32];
  int has_token;
  long long next_ns;
} stream_t;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long cpu_us(int pid) {
  if (pid <= 0) return 0;
  char path[64], buffer[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buffer, 1, sizeof buffer - 1, f);
  fclose(f);
  buffer[n] = 0;
  char *p = strrchr(buffer, ')');
  if (!p) return 0;
  p += 2;
  long long utime = 0, stime = 0;
  /* Fields after the command: state is field 3; utime and stime are fields 14 and 15. */
  for (int field = 3; field <= 15 && *p; field++) {
    if (field == 14) utime = atoll(p);
    if (field == 15) stime = atoll(p);
    p = strchr(p, ' ');
    if (!p) break;
    p++;
  }
  return (utime + stime) * (1000000LL / sysconf(_SC_CLK_TCK));
}

static int compare(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* BIND_CONFIRM = header(type 6, counter 2, clock) ‖ nonce ‖ HMAC-SHA256(token, label ‖ header ‖ nonce)[0..16]. */
static void answer_challenge(stream_t *streams, int count, int socket, int fd, const unsigned char *challenge,
                             const struct sockaddr_in *target) {
  static const char label[] = "leitung/v1 bind-confirm";
  uint32_t session;
  memcpy(&session, challenge + 2, 4);
  session = ntohl(session);
  for (int k = 0; k < count; k++) {
    stream_t *s = &streams[k];
    if (s->socket != socket || s->session != session || s->side != challenge[1] || !s->has_token) continue;
    unsigned char confirm[46], input[sizeof label - 1 + 30], tag[32];
    unsigned int tag_len = 0;
    confirm[0] = 0x16;
    confirm[1] = (unsigned char)s->side;
    memcpy(confirm + 2, challenge + 2, 4);
    uint32_t counter = htonl(2), clock = htonl((uint32_t)time(NULL));
    memcpy(confirm + 6, &counter, 4);
    memcpy(confirm + 10, &clock, 4);
    memcpy(confirm + 14, challenge + 14, 16);
    memcpy(input, label, sizeof label - 1);
    memcpy(input + sizeof label - 1, confirm, 30);
    HMAC(EVP_sha256(), s->token, 32, input, sizeof input, tag, &tag_len);
    memcpy(confirm + 30, tag, 16);
    sendto(fd, confirm, sizeof confirm, 0, (const struct sockaddr *)target, sizeof *target);
    return;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  FILE *config = fopen(argv[1], "r");
  if (!config) return 2;
  char ip[64];
  int port, pps, bytes, warmup_ms, window_ms, per_side, pid, expect_acks, count;
  if (fscanf(config, "%63s %d %d %d %d %d %d %d %d %d", ip, &port, &pps, &bytes, &warmup_ms, &window_ms, &per_side,
             &pid, &expect_acks, &count) != 10)
    return 2;
  stream_t *streams = calloc((size_t)count, sizeof *streams);
  char hex[256], token_hex[256];
  for (int i = 0; i < count; i++) {
    stream_t *s = &streams[i];
    if (fscanf(config, "%d %d %u %d %255s %255s", &s->socket, &s->peer, &s->session, &s->side, hex, token_hex) != 6)
      return 2;
    if (hex[0] != '-') {
      for (int j = 0; hex[2 * j] && hex[2 * j + 1] && j < 64; j++) {
        s->bind[j] = (unsigned char)(hex_value(hex[2 * j]) * 16 + hex_value(hex[2 * j + 1]));
        s->bind_len = j + 1;
      }
    }
    if (token_hex[0] != '-' && strlen(token_hex) == 64) {
      for (int j = 0; j < 32; j++)
        s->token[j] = (unsigned char)(hex_value(token_hex[2 * j]) * 16 + hex_value(token_hex[2 * j + 1]));
      s->has_token = 1;
    }
  }
  fclose(config);

  int sockets = 2 * per_side;
  int *fds = calloc((size_t)sockets, sizeof *fds);
  struct sockaddr_in *addrs = calloc((size_t)sockets, sizeof *addrs);
  struct pollfd *polls = calloc((size_t)sockets, sizeof *polls);
  for (int i = 0; i < sockets; i++) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof addrs[i];
    getsockname(fd, (struct sockaddr *)&addrs[i], &len);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fds[i] = fd;
    polls[i].fd = fd;
    polls[i].events = POLLIN;
  }
  struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, ip, &target.sin_addr);

  unsigned char packet[2048];
  int binds = 0, acks = 0;
  for (int i = 0; i < count; i++) {
    if (streams[i].bind_len == 0) continue;
    sendto(fds[streams[i].socket], streams[i].bind, (size_t)streams[i].bind_len, 0, (struct sockaddr *)&target,
           sizeof target);
    binds++;
  }
  long long deadline = now_ns() + (expect_acks ? 3000000000LL : 100000000LL);
  while ((expect_acks ? acks < binds : 1) && now_ns() < deadline) {
    poll(polls, (nfds_t)sockets, 10);
    for (int i = 0; i < sockets; i++) {
      ssize_t n;
      while ((n = recv(fds[i], packet, sizeof packet, 0)) > 0) {
        if ((packet[0] & 15) == 3) acks++;
        if ((packet[0] & 15) == 5 && n == 30) answer_challenge(streams, count, i, fds[i], packet, &target);
      }
    }
  }

  long long period = 1000000000LL / pps;
  long long start = now_ns();
  srand(12345);
  for (int i = 0; i < count; i++) streams[i].next_ns = start + (long long)((double)rand() / RAND_MAX * (double)period);
  long long window_start = start + (long long)warmup_ms * 1000000LL;
  long long window_end = window_start + (long long)window_ms * 1000000LL;
  size_t capacity = (size_t)count * (size_t)pps * (size_t)window_ms / 1000 * 12 / 10 + 16;
  long long *latencies = malloc(capacity * sizeof *latencies);
  size_t received = 0, sent = 0, stray = 0;
  long long cpu_start = -1, cpu_end = 0, wall_start = 0, wall_end = 0;
  struct rusage usage_start, usage_end;
  long long drain_until = window_end + 200000000LL;

  for (;;) {
    long long t = now_ns();
    if (cpu_start < 0 && t >= window_start) {
      cpu_start = cpu_us(pid);
      wall_start = t;
      getrusage(RUSAGE_SELF, &usage_start);
    }
    if (t >= window_end && wall_end == 0) {
      cpu_end = cpu_us(pid);
      wall_end = t;
      getrusage(RUSAGE_SELF, &usage_end);
    }
    if (t >= drain_until) break;
    long long next = drain_until;
    if (t < window_end) {
      for (int i = 0; i < count; i++) {
        stream_t *s = &streams[i];
        while (s->next_ns <= t) {
          memset(packet, 0xa5, (size_t)bytes);
          packet[0] = 0x11;
          packet[1] = (unsigned char)s->side;
          uint32_t v = htonl(s->session);
          memcpy(packet + 2, &v, 4);
          v = htonl(s->sequence++);
          memcpy(packet + 6, &v, 4);
          memset(packet + 10, 0, 4);
          long long stamp = now_ns();
          memcpy(packet + 14, &stamp, 8);
          struct sockaddr_in *to = port == 0 ? &addrs[s->peer] : &target;
          sendto(fds[s->socket], packet, (size_t)bytes, 0, (struct sockaddr *)to, sizeof *to);
          if (stamp >= window_start && stamp < window_end) sent++;
          s->next_ns += period;
        }
        if (s->next_ns < next) next = s->next_ns;
      }
    }
    long long wait = next - now_ns();
    struct timespec timeout = {.tv_sec = 0, .tv_nsec = wait > 0 ? (wait < 1000000 ? wait : 1000000) : 0};
    ppoll(polls, (nfds_t)sockets, &timeout, NULL);
    for (int i = 0; i < sockets; i++) {
      if (!(polls[i].revents & POLLIN)) continue;
      ssize_t n;
      while ((n = recv(fds[i], packet, sizeof packet, 0)) > 0) {
        long long arrived = now_ns();
        if (n != bytes || (packet[0] & 15) != 1) {
          stray++;
          continue;
        }
        long long stamp;
        memcpy(&stamp, packet + 14, 8);
        if (stamp < window_start || stamp >= window_end) continue;
        if (received < capacity) latencies[received] = arrived - stamp;
        received++;
      }
    }
  }
  size_t stored = received < capacity ? received : capacity;
  qsort(latencies, stored, sizeof *latencies, compare);
  double seconds = (double)(wall_end - wall_start) / 1e9;
  double p50 = stored ? latencies[stored / 2] / 1000.0 : -1;
  double p99 = stored ? latencies[(size_t)((double)stored * 0.99)] / 1000.0 : -1;
  double generator = (double)(usage_end.ru_utime.tv_sec - usage_start.ru_utime.tv_sec +
                              usage_end.ru_stime.tv_sec - usage_start.ru_stime.tv_sec) +
                     (double)(usage_end.ru_utime.tv_usec - usage_start.ru_utime.tv_usec +
                              usage_end.ru_stime.tv_usec - usage_start.ru_stime.tv_usec) / 1e6;
  printf("{\"acks\":%d,\"binds\":%d,\"sent\":%zu,\"received\":%zu,\"stray\":%zu,\"seconds\":%.4f,\"p50us\":%.1f,"
         "\"p99us\":%.1f,\"cpuUs\":%lld,\"generatorCpuS\":%.4f}\n",
         acks, binds, sent, received, stray, seconds, p50, p99, cpu_end - cpu_start, generator);
  return 0;
}
