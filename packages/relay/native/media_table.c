/*
 * The native media plane's session table and DATA decision: see media_table.h. The rules are those of
 * MediaRouter.datagram's DATA path and of TokenBucket (packages/relay/src/media/media-router.ts,
 * src/protection/token-bucket.ts), in the same order; test/native-media-plane.test.ts runs both on the same
 * datagrams and compares every decision and counter.
 */
#include "media_table.h"

#include <stdlib.h>
#include <string.h>

/* docs/protocol.md §5: a 14-byte header and a 16-byte tag at least; version 1 in the high nibble. */
#define MEDIA_PROTOCOL_VERSION 1
#define MIN_PACKET_SIZE (14 + 16)
#define TYPE_DATA 1
#define INITIAL_CAPACITY 1024u

/* Session ids are random u32s the relay chose; the multiply spreads them anyway, so ids an attacker names in
 * DATA it sends (unknown sessions) cost a short probe like any other. */
static uint32_t home(const mt_table *t, uint32_t id) {
  return (uint32_t)(id * 2654435761u) & (t->capacity - 1);
}

static mt_session *find(const mt_table *t, uint32_t id) {
  for (uint32_t i = home(t, id);; i = (i + 1) & (t->capacity - 1)) {
    mt_session *s = &t->slots[i];
    if (!s->used) return NULL;
    if (s->id == id) return s;
  }
}

int mt_init(mt_table *t, uint32_t max_packet, double per_second, double burst) {
  memset(t, 0, sizeof *t);
  t->slots = calloc(INITIAL_CAPACITY, sizeof *t->slots);
  if (t->slots == NULL) return -1;
  t->capacity = INITIAL_CAPACITY;
  t->max_packet = max_packet;
  t->per_second = per_second;
  t->burst = burst;
  return 0;
}

void mt_free(mt_table *t) {
  free(t->slots);
  t->slots = NULL;
  t->capacity = 0;
  t->count = 0;
}

static void place(mt_table *t, const mt_session *session) {
  uint32_t i = home(t, session->id);
  while (t->slots[i].used) i = (i + 1) & (t->capacity - 1);
  t->slots[i] = *session;
}

static int grow(mt_table *t) {
  mt_session *old = t->slots;
  uint32_t old_capacity = t->capacity;
  mt_session *slots = calloc((size_t)old_capacity * 2, sizeof *slots);
  if (slots == NULL) return -1;
  t->slots = slots;
  t->capacity = old_capacity * 2;
  for (uint32_t i = 0; i < old_capacity; i++)
    if (old[i].used) place(t, &old[i]);
  free(old);
  return 0;
}

int mt_open(mt_table *t, uint32_t id, double now) {
  /* Reopened under the same id: forget everything about the old one. */
  if (find(t, id) != NULL) mt_close(t, id);
  if ((t->count + 1) * 2 > t->capacity && grow(t) != 0) return -1;
  t->count++;
  mt_session session;
  memset(&session, 0, sizeof session);
  session.id = id;
  session.used = 1;
  /* TokenBucket: a bucket starts full. */
  session.buckets[0].tokens = session.buckets[1].tokens = t->burst;
  session.buckets[0].at = session.buckets[1].at = now;
  session.activity = now;
  place(t, &session);
  return 0;
}

int mt_bind(mt_table *t, uint32_t id, int side, uint32_t ip, uint16_t port, int kind) {
  mt_session *s = find(t, id);
  if (s == NULL || side < 0 || side > 1) return -1;
  s->endpoints[side].ip = ip;
  s->endpoints[side].port = port;
  s->endpoints[side].kind = (uint8_t)kind;
  return 0;
}

int mt_close(mt_table *t, uint32_t id) {
  uint32_t mask = t->capacity - 1;
  uint32_t i = home(t, id);
  while (t->slots[i].used && t->slots[i].id != id) i = (i + 1) & mask;
  if (!t->slots[i].used) return -1;
  if (t->slots[i].active) t->active_count--;
  /* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
  uint32_t hole = i;
  for (uint32_t j = (i + 1) & mask; t->slots[j].used; j = (j + 1) & mask) {
    uint32_t want = home(t, t->slots[j].id);
    /* Move j into the hole unless its home lies cyclically in (hole, j]. */
    int stays = hole <= j ? (want > hole && want <= j) : (want > hole || want <= j);
    if (!stays) {
      t->slots[hole] = t->slots[j];
      hole = j;
    }
  }
  memset(&t->slots[hole], 0, sizeof t->slots[hole]);
  t->count--;
  return 0;
}

/* TokenBucket.take (protection/token-bucket.ts): refill by the elapsed time, then one token if there is one. */
static int take(mt_table *t, mt_bucket *b, double now) {
  double elapsed = now - b->at;
  if (elapsed > 0) {
    double tokens = b->tokens + (elapsed * t->per_second) / 1000;
    b->tokens = tokens < t->burst ? tokens : t->burst;
    b->at = now;
  }
  if (b->tokens < 1) return 0;
  b->tokens -= 1;
  return 1;
}

int mt_take(mt_table *t, uint32_t id, int side, double now) {
  mt_session *s = find(t, id);
  if (s == NULL || side < 0 || side > 1) return -1;
  return take(t, &s->buckets[side], now);
}

static int drop(mt_table *t, int code) {
  t->drops[code - MT_DROP_OVERSIZE]++;
  return code;
}

int mt_decide(mt_table *t, const uint8_t *bytes, uint32_t length, uint32_t ip, uint16_t port, double now,
              mt_endpoint *to) {
  /* The router's size and header rules (docs/protocol.md §5), in its order. */
  if (length > t->max_packet) return drop(t, MT_DROP_OVERSIZE);
  if (length < MIN_PACKET_SIZE) return drop(t, MT_DROP_MALFORMED);
  uint8_t first = bytes[0], flags = bytes[1];
  if ((first >> 4) != MEDIA_PROTOCOL_VERSION || (flags & 0xfe) != 0) return drop(t, MT_DROP_MALFORMED);
  /* BIND, KEEPALIVE, BIND_CONFIRM need the token's HMAC and may answer: the router's. */
  if ((first & 0x0f) != TYPE_DATA) return MT_PASS;
  uint32_t id = ((uint32_t)bytes[2] << 24) | ((uint32_t)bytes[3] << 16) | ((uint32_t)bytes[4] << 8) | bytes[5];
  mt_session *s = find(t, id);
  if (s == NULL) return drop(t, MT_DROP_UNKNOWN_SESSION);
  int side = flags;
  const mt_endpoint *bound = &s->endpoints[side];
  if (bound->kind == MT_UNBOUND) return drop(t, MT_DROP_UNBOUND);
  /* A leg's address is a connection, never a UDP source (the router compares port 0). */
  if (bound->kind != MT_UDP || bound->ip != ip || bound->port != port) return drop(t, MT_DROP_WRONG_SOURCE);
  const mt_endpoint *peer = &s->endpoints[side ^ 1];
  if (peer->kind == MT_UNBOUND) return drop(t, MT_DROP_PEER_UNBOUND);
  /* Forwarding to a WebSocket media leg is the loop's: the router checks it again and charges the bucket. */
  if (peer->kind == MT_LEG) return MT_PASS;
  if (!take(t, &s->buckets[side], now)) return drop(t, MT_DROP_RATE);
  s->activity = now;
  if (!s->active) {
    s->active = 1;
    t->active_count++;
  }
  t->forwarded_packets += 1;
  t->forwarded_bytes += length;
  *to = *peer;
  return MT_FORWARD;
}

uint32_t mt_report_length(const mt_table *t) {
  return 2 + MT_DROP_REASONS + 1 + 2 * t->active_count;
}

void mt_report(mt_table *t, double *out) {
  uint32_t at = 0;
  out[at++] = t->forwarded_packets;
  out[at++] = t->forwarded_bytes;
  for (int i = 0; i < MT_DROP_REASONS; i++) out[at++] = t->drops[i];
  out[at++] = t->active_count;
  for (uint32_t i = 0; i < t->capacity && t->active_count > 0; i++) {
    mt_session *s = &t->slots[i];
    if (!s->used || !s->active) continue;
    out[at++] = s->id;
    out[at++] = s->activity;
    s->active = 0;
    t->active_count--;
  }
  t->forwarded_packets = 0;
  t->forwarded_bytes = 0;
  memset(t->drops, 0, sizeof t->drops);
}
