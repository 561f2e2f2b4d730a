/*
 * The native media plane's session table and DATA decision (docs/relay.md "Native media plane"): a C copy of
 * the DATA path of the relay's MediaRouter (packages/relay/src/media/media-router.ts), which stays the
 * specification. The router tells the table every session it opens, every address a side confirms and every
 * session it frees; the table then checks and forwards DATA on the media thread without the event loop:
 * size, header, session, the side's confirmed source, the other side's confirmed address and the side's
 * packet-rate bucket, in the router's order and with its drop reasons. Everything else (BIND, KEEPALIVE,
 * BIND_CONFIRM, DATA to or from a WebSocket media leg) is passed to the router on the loop.
 *
 * Sans-I/O: bytes, a source and `now` in, a decision out. Not thread-safe by itself; the addon holds one mutex
 * around every call.
 */
#ifndef LEITUNG_MEDIA_TABLE_H
#define LEITUNG_MEDIA_TABLE_H

#include <stdint.h>

/* Decisions. The drop codes follow MEDIA_DROP_REASONS' names (media-router.ts); their order here is the order
 * of mt_table.drops and of the report (native-media-plane.ts maps them by name). */
enum {
  MT_FORWARD = 0,
  MT_PASS = 1,
  MT_DROP_OVERSIZE = 2,
  MT_DROP_MALFORMED,
  MT_DROP_UNKNOWN_SESSION,
  MT_DROP_UNBOUND,
  MT_DROP_WRONG_SOURCE,
  MT_DROP_PEER_UNBOUND,
  MT_DROP_RATE,
  MT_DECISIONS
};
#define MT_DROP_REASONS (MT_DECISIONS - MT_DROP_OVERSIZE)

/* How a side is bound: not yet, a UDP address, or a WebSocket media leg (the router's port 0). */
enum { MT_UNBOUND = 0, MT_UDP = 1, MT_LEG = 2 };

typedef struct {
  uint32_t ip;
  uint16_t port;
  uint8_t kind;
} mt_endpoint;

typedef struct {
  double tokens;
  double at;
} mt_bucket;

typedef struct {
  uint32_t id;
  uint8_t used;
  /* A DATA packet was accepted since the last report. */
  uint8_t active;
  mt_endpoint endpoints[2];
  mt_bucket buckets[2];
  double activity;
} mt_session;

typedef struct {
  mt_session *slots;
  uint32_t capacity; /* a power of two, at least twice the sessions in use */
  uint32_t count;
  uint32_t max_packet;
  double per_second;
  double burst;
  /* Since the last report. */
  double forwarded_packets;
  double forwarded_bytes;
  double drops[MT_DROP_REASONS];
  uint32_t active_count;
} mt_table;

/* 0 on success, -1 when out of memory. */
int mt_init(mt_table *t, uint32_t max_packet, double per_second, double burst);
void mt_free(mt_table *t);

/* A session the router opened: unbound, both buckets full at `now`. -1 when out of memory. */
int mt_open(mt_table *t, uint32_t id, double now);
/* A side's confirmed address (kind MT_UDP or MT_LEG). 0, or -1 for an unknown session. */
int mt_bind(mt_table *t, uint32_t id, int side, uint32_t ip, uint16_t port, int kind);
/* A freed session. 0, or -1 for an unknown session. */
int mt_close(mt_table *t, uint32_t id);
/* One packet from a side's bucket (the router's control packets share it with DATA): 1 taken, 0 empty,
 * -1 unknown session. */
int mt_take(mt_table *t, uint32_t id, int side, double now);

/* One received datagram of `length` bytes from ip:port. MT_FORWARD fills *to; MT_PASS means the router on the
 * loop decides; a drop code has been counted. */
int mt_decide(mt_table *t, const uint8_t *bytes, uint32_t length, uint32_t ip, uint16_t port, double now,
              mt_endpoint *to);

/* Doubles mt_report writes: [forwarded packets, forwarded bytes, drops by code, n, n × (id, last activity)]. */
uint32_t mt_report_length(const mt_table *t);
/* What happened since the last report (the counters restart at zero; sessions with a DATA packet accepted). */
void mt_report(mt_table *t, double *out);

#endif
