/*
 * Batched UDP I/O for the relay's media plane (docs/relay.md "Batched media I/O"): an N-API addon, built at
 * install time from this file by node-gyp (scripts/build-native.mjs), never downloaded.
 *
 * It owns one non-blocking IPv4 UDP socket and watches it with a uv_poll_t on the event loop of the thread
 * that opened it. When the socket is readable it receives up to `batch` datagrams with one recvmmsg straight
 * into a receive ArrayBuffer shared with JavaScript (one slot per datagram), writes [length, IPv4, port] per
 * datagram into a shared Uint32Array, and calls the JavaScript callback once for the whole batch. The
 * callback runs every MediaRouter check on views of the slots (no copy) and returns how many forwards it
 * wrote into the shared send table as [slot, IPv4, port]; those are sent with one sendmmsg from the very
 * slots they arrived in. Nothing is copied in user space between the kernel's receive and send. Replies of
 * the router's own (BIND_CHALLENGE, BIND_ACK: rare) go out with sendTo.
 *
 * Why uv_poll and not a thread of its own: the router (the specification of every check, docs/relay.md
 * "Media") is JavaScript and runs on the loop that owns it, so a second thread would have to hand batches
 * to that loop anyway; uv_poll wakes the loop once per batch instead of once per datagram as node:dgram
 * does (docs/benchmarks.md "Relay media forwarding" has the measurements).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

/* A readable socket is drained for at most this many batches (4 096 datagrams, ~10-20 ms of work) before the
 * loop gets control back, so timers and the control connections are still served under a UDP flood. With 8
 * batches per wake, media lost 20-30 % of its packets while registrations (~4 ms of RSA each) held the loop:
 * a wake then came only every few handshakes and took too few datagrams (docs/benchmarks.md "relay"). */
#define MAX_BATCHES_PER_WAKE 64

typedef struct media_socket {
  napi_env env;
  int fd;
  int closing;
  uv_poll_t poll;
  uint32_t batch;
  uint32_t slot;
  unsigned char *rx;      /* batch × slot bytes (the shared receive ArrayBuffer) */
  uint32_t *rx_meta;      /* batch × [length, IPv4 (host order), port] */
  uint32_t *tx_meta;      /* batch × [slot, IPv4 (host order), port] */
  struct mmsghdr *in;
  struct mmsghdr *out;
  struct iovec *in_iov;
  struct iovec *out_iov;
  struct sockaddr_in *sources;
  struct sockaddr_in *targets;
  napi_ref callback;
  napi_ref self;
  napi_async_context context;
  double received;
  double sent;
  double send_failures;
} media_socket;

#define CALL(env, expr)                                                                                         \
  do {                                                                                                          \
    if ((expr) != napi_ok) {                                                                                    \
      napi_throw_error((env), NULL, #expr " failed");                                       \
      return NULL;                                                                                              \
    }                                                                                                           \
  } while (0)

static void close_fd(media_socket *s) {
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

static void free_socket(media_socket *s) {
  free(s->in);
  free(s->out);
  free(s->in_iov);
  free(s->out_iov);
  free(s->sources);
  free(s->targets);
  free(s);
}

static void on_poll_closed(uv_handle_t *handle) {
  media_socket *s = (media_socket *)handle->data;
  close_fd(s);
  free_socket(s);
}

static void cleanup(void *data);

static void set_target(struct sockaddr_in *target, uint32_t ip, uint32_t port) {
  memset(target, 0, sizeof *target);
  target->sin_family = AF_INET;
  target->sin_addr.s_addr = htonl(ip);
  target->sin_port = htons((uint16_t)port);
}

static void send_batch(media_socket *s, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    uint32_t slot = s->tx_meta[3 * i];
    if (slot >= s->batch) continue;
    set_target(&s->targets[i], s->tx_meta[3 * i + 1], s->tx_meta[3 * i + 2]);
    s->out_iov[i].iov_base = s->rx + (size_t)slot * s->slot;
    /* The length sits in memory JavaScript can write: never let it reach past the slot (no neighbouring
     * datagram or heap bytes can leave in a forward). */
    uint32_t length = s->rx_meta[3 * slot];
    s->out_iov[i].iov_len = length <= s->slot ? length : s->slot;
    memset(&s->out[i].msg_hdr, 0, sizeof s->out[i].msg_hdr);
    s->out[i].msg_hdr.msg_iov = &s->out_iov[i];
    s->out[i].msg_hdr.msg_iovlen = 1;
    s->out[i].msg_hdr.msg_name = &s->targets[i];
    s->out[i].msg_hdr.msg_namelen = sizeof s->targets[i];
  }
  uint32_t done = 0;
  while (done < count) {
    int n = sendmmsg(s->fd, s->out + done, count - done, 0);
    if (n > 0) {
      done += (uint32_t)n;
      s->sent += n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      /* A full send buffer or an error for the first remaining datagram (e.g. a port the kernel reports
       * unreachable): that datagram is lost, as UDP allows, and the rest of the batch still goes out. */
      done++;
      s->send_failures++;
    }
  }
}

/* One batch through the JavaScript callback; returns the number of datagrams received (0: drained). */
static int pump(media_socket *s) {
  for (uint32_t i = 0; i < s->batch; i++) {
    s->in[i].msg_hdr.msg_namelen = sizeof s->sources[i];
    s->in[i].msg_hdr.msg_flags = 0;
    s->in[i].msg_len = 0;
  }
  int count = recvmmsg(s->fd, s->in, s->batch, MSG_DONTWAIT, NULL);
  if (count <= 0) return 0;
  s->received += count;
  for (int i = 0; i < count; i++) {
    uint32_t length = s->in[i].msg_len;
    /* A truncated datagram was longer than a slot, so longer than the largest allowed packet: report the
     * slot full, which the router drops as oversize. */
    if (s->in[i].msg_hdr.msg_flags & MSG_TRUNC) length = s->slot;
    s->rx_meta[3 * i] = length;
    s->rx_meta[3 * i + 1] = ntohl(s->sources[i].sin_addr.s_addr);
    s->rx_meta[3 * i + 2] = ntohs(s->sources[i].sin_port);
  }
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return 0;
  napi_value callback, self, argv[1], result;
  uint32_t sends = 0;
  napi_get_reference_value(env, s->callback, &callback);
  napi_get_reference_value(env, s->self, &self);
  napi_create_uint32(env, (uint32_t)count, &argv[0]);
  napi_status status = napi_make_callback(env, s->context, self, callback, 1, argv, &result);
  if (status == napi_ok) {
    if (napi_get_value_uint32(env, result, &sends) != napi_ok) sends = 0;
  } else {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
  if (s->closing) return 0;
  if (sends > s->batch) sends = s->batch;
  if (sends > 0) send_batch(s, sends);
  return count == (int)s->batch ? count : 0;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  media_socket *s = (media_socket *)handle->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  for (int i = 0; i < MAX_BATCHES_PER_WAKE && !s->closing; i++) {
    if (pump(s) == 0) break;
  }
}

static media_socket *unwrap(napi_env env, napi_value value) {
  media_socket *s = NULL;
  if (napi_unwrap(env, value, (void **)&s) != napi_ok) return NULL;
  return s;
}

/* The wrapped object cannot be collected while open (`self` is a strong reference) and close() removes the
 * wrap, so there is nothing to free here; the cleanup hook closes a socket its thread left open. */
static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
}

static void stop(media_socket *s) {
  s->closing = 1;
  uv_poll_stop(&s->poll);
  napi_remove_env_cleanup_hook(s->env, cleanup, s);
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
}

/* The thread (a worker) ends with the socket still open: release it with the loop. */
static void cleanup(void *data) {
  media_socket *s = (media_socket *)data;
  if (!s->closing) {
    s->closing = 1;
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  }
}

/* open(target, host, port, bufferBytes, batch, slot, callback): binds, fills target with the shared memory. */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "open needs 7 arguments");
    return NULL;
  }
  char host[64];
  size_t host_len = 0;
  uint32_t port, buffer_bytes, batch, slot;
  CALL(env, napi_get_value_string_utf8(env, argv[1], host, sizeof host, &host_len));
  CALL(env, napi_get_value_uint32(env, argv[2], &port));
  CALL(env, napi_get_value_uint32(env, argv[3], &buffer_bytes));
  CALL(env, napi_get_value_uint32(env, argv[4], &batch));
  CALL(env, napi_get_value_uint32(env, argv[5], &slot));
  if (batch == 0 || batch > 1024 || slot < 64 || slot > 65536 || port > 65535) {
    napi_throw_range_error(env, NULL, "batch, slot or port out of range");
    return NULL;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "not an IPv4 address");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  int size = (int)buffer_bytes;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int error = errno;
    close(fd);
    napi_throw_error(env, error == EADDRINUSE ? "EADDRINUSE" : NULL, strerror(error));
    return NULL;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);

  media_socket *s = calloc(1, sizeof *s);
  s->env = env;
  s->fd = fd;
  s->batch = batch;
  s->slot = slot;
  s->in = calloc(batch, sizeof *s->in);
  s->out = calloc(batch, sizeof *s->out);
  s->in_iov = calloc(batch, sizeof *s->in_iov);
  s->out_iov = calloc(batch, sizeof *s->out_iov);
  s->sources = calloc(batch, sizeof *s->sources);
  s->targets = calloc(batch, sizeof *s->targets);

  napi_value target = argv[0], rx, rx_meta_buffer, tx_meta_buffer, rx_meta, tx_meta, value;
  void *data;
  CALL(env, napi_create_arraybuffer(env, (size_t)batch * slot, &data, &rx));
  s->rx = data;
  CALL(env, napi_create_arraybuffer(env, (size_t)batch * 3 * sizeof(uint32_t), &data, &rx_meta_buffer));
  s->rx_meta = data;
  CALL(env, napi_create_arraybuffer(env, (size_t)batch * 3 * sizeof(uint32_t), &data, &tx_meta_buffer));
  s->tx_meta = data;
  CALL(env, napi_create_typedarray(env, napi_uint32_array, (size_t)batch * 3, rx_meta_buffer, 0, &rx_meta));
  CALL(env, napi_create_typedarray(env, napi_uint32_array, (size_t)batch * 3, tx_meta_buffer, 0, &tx_meta));
  for (uint32_t i = 0; i < batch; i++) {
    s->in_iov[i].iov_base = s->rx + (size_t)i * slot;
    s->in_iov[i].iov_len = slot;
    s->in[i].msg_hdr.msg_iov = &s->in_iov[i];
    s->in[i].msg_hdr.msg_iovlen = 1;
    s->in[i].msg_hdr.msg_name = &s->sources[i];
  }
  /* The buffers stay alive as properties of the target object, which JavaScript holds while open. */
  CALL(env, napi_set_named_property(env, target, "rx", rx));
  CALL(env, napi_set_named_property(env, target, "rxMeta", rx_meta));
  CALL(env, napi_set_named_property(env, target, "txMeta", tx_meta));
  CALL(env, napi_create_uint32(env, ntohs(addr.sin_port), &value));
  CALL(env, napi_set_named_property(env, target, "port", value));
  CALL(env, napi_wrap(env, target, s, finalize, NULL, NULL));
  CALL(env, napi_create_reference(env, argv[6], 1, &s->callback));
  CALL(env, napi_create_reference(env, target, 1, &s->self));
  napi_value name;
  CALL(env, napi_create_string_utf8(env, "leitung:media-batch", NAPI_AUTO_LENGTH, &name));
  CALL(env, napi_async_init(env, target, name, &s->context));

  uv_loop_t *loop;
  CALL(env, napi_get_uv_event_loop(env, &loop));
  s->poll.data = s;
  if (uv_poll_init(loop, &s->poll, fd) != 0 || uv_poll_start(&s->poll, UV_READABLE, on_readable) != 0) {
    napi_throw_error(env, NULL, "uv_poll failed");
    return NULL;
  }
  napi_add_env_cleanup_hook(env, cleanup, s);
  return target;
}

/* sendTo(target, bytes, ipv4, port): one datagram of the router's own (a reply); false if the kernel refused it. */
static napi_value send_to(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  media_socket *s = argc == 4 ? unwrap(env, argv[0]) : NULL;
  if (s == NULL || s->closing) {
    CALL(env, napi_get_boolean(env, false, &result));
    return result;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  uint32_t ip, port;
  CALL(env, napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL));
  CALL(env, napi_get_value_uint32(env, argv[2], &ip));
  CALL(env, napi_get_value_uint32(env, argv[3], &port));
  struct sockaddr_in to;
  set_target(&to, ip, port);
  ssize_t n = sendto(s->fd, data, length, 0, (struct sockaddr *)&to, sizeof to);
  if (n < 0) s->send_failures++;
  CALL(env, napi_get_boolean(env, n >= 0, &result));
  return result;
}

/* stats(target) → [received, sent, sendFailures] since open. */
static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, value;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  media_socket *s = argc == 1 ? unwrap(env, argv[0]) : NULL;
  CALL(env, napi_create_array_with_length(env, 3, &result));
  double figures[3] = {s ? s->received : 0, s ? s->sent : 0, s ? s->send_failures : 0};
  for (uint32_t i = 0; i < 3; i++) {
    CALL(env, napi_create_double(env, figures[i], &value));
    CALL(env, napi_set_element(env, result, i, value));
  }
  return result;
}

/* bufferSizes(target) → [SO_RCVBUF, SO_SNDBUF] as granted. */
static napi_value buffer_sizes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, value;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  media_socket *s = argc == 1 ? unwrap(env, argv[0]) : NULL;
  int sizes[2] = {0, 0};
  if (s != NULL && s->fd >= 0) {
    socklen_t len = sizeof sizes[0];
    getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sizes[0], &len);
    len = sizeof sizes[1];
    getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sizes[1], &len);
  }
  CALL(env, napi_create_array_with_length(env, 2, &result));
  for (uint32_t i = 0; i < 2; i++) {
    CALL(env, napi_create_int32(env, sizes[i], &value));
    CALL(env, napi_set_element(env, result, i, value));
  }
  return result;
}

/* close(target): stops watching, closes the socket once libuv released the handle. Idempotent. */
static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  media_socket *s = argc == 1 ? unwrap(env, argv[0]) : NULL;
  if (s == NULL || s->closing) return NULL;
  napi_async_destroy(env, s->context);
  napi_delete_reference(env, s->callback);
  napi_delete_reference(env, s->self);
  void *unused;
  napi_remove_wrap(env, argv[0], &unused);
  stop(s);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"sendTo", NULL, send_to, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
      {"bufferSizes", NULL, buffer_sizes, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
