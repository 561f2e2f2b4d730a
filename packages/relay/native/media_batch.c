/*
 * Batched UDP I/O for the relay's media plane (docs/relay.md "Batched media I/O", "Native media plane"): an N-API
 * addon, built at install time from this file and media_table.c by node-gyp (scripts/build-native.mjs), never
 * downloaded. It owns one non-blocking IPv4 UDP socket, in one of two modes.
 *
 * Batched (uv_poll): the socket is watched on the event loop of the thread that opened it. When it is readable
 * up to `batch` datagrams are received with one recvmmsg straight into a receive ArrayBuffer shared with
 * JavaScript (one slot per datagram), [length, IPv4, port] per datagram go into a shared Uint32Array, and the
 * JavaScript callback is called once for the whole batch. The callback runs every MediaRouter check on views of
 * the slots (no copy) and returns how many forwards it wrote into the shared send table as [slot, IPv4, port];
 * those are sent with one sendmmsg from the very slots they arrived in. Replies of the router's own
 * (BIND_CHALLENGE, BIND_ACK: rare) go out with sendTo.
 *
 * Native plane (a thread of its own): a media thread blocks in recvmmsg on the socket,
 * decides every DATA packet with the session table (media_table.c, a copy of the router's DATA path that the
 * router keeps up to date) and forwards with sendmmsg, without the event loop: a registration or any other work
 * on the loop no longer delays audio. What the table does not decide (BIND, KEEPALIVE, BIND_CONFIRM, DATA to or
 * from a WebSocket media leg) is copied into a bounded queue and handed to the loop, which runs it through the
 * same JavaScript callback as the batched mode.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "media_table.h"

/* A readable socket is drained for at most this many batches (4 096 datagrams, ~10-20 ms of work) before the
 * loop gets control back, so timers and the control connections are still served under a UDP flood. With 8
 * batches per wake, media lost 20-30 % of its packets while registrations (~4 ms of RSA each) held the loop:
 * a wake then came only every few handshakes and took too few datagrams (docs/benchmarks.md "relay"). */
#define MAX_BATCHES_PER_WAKE 64

/* Datagrams the media thread may hand to the loop before it drops more (native plane): as many as the socket's
 * 4 MiB receive buffer holds of BINDs (~5 000), so a thousand calls starting at once wait for the loop here as
 * they would in the kernel on the batched path (a queue of 1 024 lost a third of 1 400 BINDs in bench/relay).
 * Under a flood of control packets the queue, like the kernel's buffer, sheds what the loop cannot take; DATA of
 * bound sessions is not queued at all. QUEUE_SLOTS × slot bytes are reserved, and touched only when used. */
#define QUEUE_SLOTS 8192

/* The media thread's own receive and send arrays (native plane). */
typedef struct {
  unsigned char *rx;
  struct mmsghdr *in;
  struct mmsghdr *out;
  struct iovec *in_iov;
  struct iovec *out_iov;
  struct sockaddr_in *sources;
  struct sockaddr_in *targets;
} io_arrays;

typedef struct media_socket {
  napi_env env;
  int fd;
  int closing;
  int threaded;
  uv_poll_t poll;
  uv_async_t async;
  uint32_t batch;
  uint32_t slot;
  unsigned char *rx;      /* batch × slot bytes (the shared receive ArrayBuffer) */
  uint32_t *rx_meta;      /* batch × [length, IPv4 (host order), port] */
  uint32_t *tx_meta;      /* batch × [slot, IPv4 (host order), port] */
  io_arrays loop_io;      /* rx is the shared buffer; used on the loop's thread only */
  io_arrays thread_io;    /* native plane: used on the media thread only */
  napi_ref callback;
  napi_ref self;
  napi_async_context context;
  _Atomic uint64_t received;
  _Atomic uint64_t sent;
  _Atomic uint64_t send_failures;
  _Atomic uint64_t queue_drops;
  /* Native plane: the table and the queue to the loop, both under `lock`. */
  pthread_mutex_t lock;
  mt_table table;
  pthread_t thread;
  sem_t started;
  /* Asked for, then what the thread has (its nice value; Linux sets it per thread). */
  int thread_nice;
  atomic_int stopping;
  unsigned char *queue;   /* QUEUE_SLOTS × slot bytes */
  uint32_t *queue_meta;   /* QUEUE_SLOTS × [length, IPv4, port] */
  uint32_t queue_head;
  uint32_t queue_count;
} media_socket;

#define CALL(env, expr)                                                                                         \
  do {                                                                                                          \
    if ((expr) != napi_ok) {                                                                                    \
      napi_throw_error((env), NULL, #expr " failed");                                       \
      return NULL;                                                                                              \
    }                                                                                                           \
  } while (0)

static int alloc_io(io_arrays *io, uint32_t batch, uint32_t slot, unsigned char *rx) {
  io->rx = rx != NULL ? rx : malloc((size_t)batch * slot);
  io->in = calloc(batch, sizeof *io->in);
  io->out = calloc(batch, sizeof *io->out);
  io->in_iov = calloc(batch, sizeof *io->in_iov);
  io->out_iov = calloc(batch, sizeof *io->out_iov);
  io->sources = calloc(batch, sizeof *io->sources);
  io->targets = calloc(batch, sizeof *io->targets);
  if (!io->rx || !io->in || !io->out || !io->in_iov || !io->out_iov || !io->sources || !io->targets) return -1;
  for (uint32_t i = 0; i < batch; i++) {
    io->in_iov[i].iov_base = io->rx + (size_t)i * slot;
    io->in_iov[i].iov_len = slot;
    io->in[i].msg_hdr.msg_iov = &io->in_iov[i];
    io->in[i].msg_hdr.msg_iovlen = 1;
    io->in[i].msg_hdr.msg_name = &io->sources[i];
  }
  return 0;
}

static void free_io(io_arrays *io, int owns_rx) {
  if (owns_rx) free(io->rx);
  free(io->in);
  free(io->out);
  free(io->in_iov);
  free(io->out_iov);
  free(io->sources);
  free(io->targets);
}

static void free_socket(media_socket *s) {
  if (s->fd >= 0) close(s->fd);
  free_io(&s->loop_io, 0);
  if (s->threaded) {
    free_io(&s->thread_io, 1);
    free(s->queue);
    free(s->queue_meta);
    mt_free(&s->table);
    pthread_mutex_destroy(&s->lock);
    sem_destroy(&s->started);
  }
  free(s);
}

static void on_handle_closed(uv_handle_t *handle) {
  free_socket((media_socket *)handle->data);
}

static void cleanup(void *data);

static void set_target(struct sockaddr_in *target, uint32_t ip, uint32_t port) {
  memset(target, 0, sizeof *target);
  target->sin_family = AF_INET;
  target->sin_addr.s_addr = htonl(ip);
  target->sin_port = htons((uint16_t)port);
}

static void prepare_send(io_arrays *io, uint32_t i, unsigned char *bytes, uint32_t length) {
  io->out_iov[i].iov_base = bytes;
  io->out_iov[i].iov_len = length;
  memset(&io->out[i].msg_hdr, 0, sizeof io->out[i].msg_hdr);
  io->out[i].msg_hdr.msg_iov = &io->out_iov[i];
  io->out[i].msg_hdr.msg_iovlen = 1;
  io->out[i].msg_hdr.msg_name = &io->targets[i];
  io->out[i].msg_hdr.msg_namelen = sizeof io->targets[i];
}

/* The loop never waits for the kernel (MSG_DONTWAIT); the media thread may, on its own time. */
static void send_prepared(media_socket *s, io_arrays *io, uint32_t count, int flags) {
  uint32_t done = 0;
  while (done < count) {
    int n = sendmmsg(s->fd, io->out + done, count - done, flags);
    if (n > 0) {
      done += (uint32_t)n;
      s->sent += (uint64_t)n;
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

/* The forwards JavaScript wrote into the send table, from the shared slots they arrived in. */
static void send_batch(media_socket *s, uint32_t count) {
  io_arrays *io = &s->loop_io;
  uint32_t prepared = 0;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t slot = s->tx_meta[3 * i];
    /* The table sits in memory JavaScript can write: an entry naming no slot of this batch is skipped, and a
     * length never reaches past its slot (no neighbouring datagram or heap bytes can leave in a forward). */
    if (slot >= s->batch) continue;
    set_target(&io->targets[prepared], s->tx_meta[3 * i + 1], s->tx_meta[3 * i + 2]);
    uint32_t length = s->rx_meta[3 * slot];
    prepare_send(io, prepared, s->rx + (size_t)slot * s->slot, length <= s->slot ? length : s->slot);
    prepared++;
  }
  send_prepared(s, io, prepared, MSG_DONTWAIT);
}

/* Hands `count` datagrams in the shared slots to the JavaScript callback and sends the forwards it returns. */
static void deliver(media_socket *s, uint32_t count) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, self, argv[1], result;
  uint32_t sends = 0;
  napi_get_reference_value(env, s->callback, &callback);
  napi_get_reference_value(env, s->self, &self);
  napi_create_uint32(env, count, &argv[0]);
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
  if (s->closing) return;
  if (sends > s->batch) sends = s->batch;
  if (sends > 0) send_batch(s, sends);
}

/* One recvmmsg into `io` (its lengths and sources reset first). */
static int receive(media_socket *s, io_arrays *io, int flags) {
  for (uint32_t i = 0; i < s->batch; i++) {
    io->in[i].msg_hdr.msg_namelen = sizeof io->sources[i];
    io->in[i].msg_hdr.msg_flags = 0;
    io->in[i].msg_len = 0;
  }
  int count = recvmmsg(s->fd, io->in, s->batch, flags, NULL);
  if (count > 0) s->received += (uint64_t)count;
  return count;
}

/* A truncated datagram was longer than a slot, so longer than the largest allowed packet: report the slot full,
 * which the router (and the table) drops as oversize. */
static uint32_t received_length(media_socket *s, io_arrays *io, int i) {
  return (io->in[i].msg_hdr.msg_flags & MSG_TRUNC) ? s->slot : io->in[i].msg_len;
}

/* Batched mode: one batch through the JavaScript callback; returns whether the socket may have more. */
static int pump(media_socket *s) {
  io_arrays *io = &s->loop_io;
  int count = receive(s, io, MSG_DONTWAIT);
  if (count <= 0) return 0;
  for (int i = 0; i < count; i++) {
    s->rx_meta[3 * i] = received_length(s, io, i);
    s->rx_meta[3 * i + 1] = ntohl(io->sources[i].sin_addr.s_addr);
    s->rx_meta[3 * i + 2] = ntohs(io->sources[i].sin_port);
  }
  deliver(s, (uint32_t)count);
  return !s->closing && count == (int)s->batch;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  media_socket *s = (media_socket *)handle->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  for (int i = 0; i < MAX_BATCHES_PER_WAKE && !s->closing; i++) {
    if (!pump(s)) break;
  }
}

/* Wall-clock milliseconds, the clock of the router's `now` (Date.now). */
static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000 + (double)(ts.tv_nsec / 1000000);
}

/* Native plane, media thread: decides one received batch with the table, forwards, queues the rest for the loop. */
static void plane_batch(media_socket *s, int count) {
  io_arrays *io = &s->thread_io;
  double now = now_ms();
  uint32_t sends = 0, queued = 0;
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < count; i++) {
    uint32_t length = received_length(s, io, i);
    uint32_t ip = ntohl(io->sources[i].sin_addr.s_addr);
    uint16_t port = ntohs(io->sources[i].sin_port);
    unsigned char *bytes = io->rx + (size_t)i * s->slot;
    mt_endpoint to;
    int decision = mt_decide(&s->table, bytes, length, ip, port, now, &to);
    if (decision == MT_FORWARD) {
      set_target(&io->targets[sends], to.ip, to.port);
      prepare_send(io, sends, bytes, length);
      sends++;
    } else if (decision == MT_PASS) {
      if (s->queue_count == QUEUE_SLOTS) {
        s->queue_drops++;
        continue;
      }
      uint32_t at = (s->queue_head + s->queue_count) % QUEUE_SLOTS;
      memcpy(s->queue + (size_t)at * s->slot, bytes, length);
      s->queue_meta[3 * at] = length;
      s->queue_meta[3 * at + 1] = ip;
      s->queue_meta[3 * at + 2] = port;
      s->queue_count++;
      queued++;
    }
  }
  pthread_mutex_unlock(&s->lock);
  if (sends > 0) send_prepared(s, io, sends, 0);
  if (queued > 0) uv_async_send(&s->async);
}

/* The media thread: asks for its priority, then blocks in recvmmsg until a datagram comes (MSG_WAITFORONE: and
 * takes whatever else is queued by then), like the batched bare forwarder of bench/relay: one system call per
 * wake to receive, one to send. close() wakes it with shutdown(SHUT_RD); the receive timeout is the fallback. */
static void *plane_thread(void *data) {
  media_socket *s = (media_socket *)data;
  /* Linux keeps the nice value per thread: this raises the media thread only, where the process may (root,
   * CAP_SYS_NICE, or RLIMIT_NICE: systemd's LimitNICE=). Otherwise it keeps the process's. */
  id_t tid = (id_t)syscall(SYS_gettid);
  errno = 0;
  int current = getpriority(PRIO_PROCESS, tid);
  if (errno != 0) current = 0;
  int wanted = s->thread_nice;
  s->thread_nice = wanted < current && setpriority(PRIO_PROCESS, tid, wanted) == 0 ? wanted : current;
  sem_post(&s->started);
  while (!atomic_load(&s->stopping)) {
    int count = receive(s, &s->thread_io, MSG_WAITFORONE);
    if (count > 0) {
      plane_batch(s, count);
    } else if (count < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      /* Any other error (ENOMEM under memory pressure, …) is no reason to stop forwarding audio for good: the
       * thread waits 1 ms and receives again. Only close() ends it. */
      struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};
      nanosleep(&pause, NULL);
    }
  }
  return NULL;
}

/* Native plane, loop: the queued datagrams, a batch at a time, through the JavaScript callback. */
static void on_queued(uv_async_t *handle) {
  media_socket *s = (media_socket *)handle->data;
  for (int round = 0; round < MAX_BATCHES_PER_WAKE && !s->closing; round++) {
    pthread_mutex_lock(&s->lock);
    uint32_t count = s->queue_count < s->batch ? s->queue_count : s->batch;
    for (uint32_t i = 0; i < count; i++) {
      uint32_t at = (s->queue_head + i) % QUEUE_SLOTS;
      uint32_t length = s->queue_meta[3 * at];
      memcpy(s->rx + (size_t)i * s->slot, s->queue + (size_t)at * s->slot, length);
      s->rx_meta[3 * i] = length;
      s->rx_meta[3 * i + 1] = s->queue_meta[3 * at + 1];
      s->rx_meta[3 * i + 2] = s->queue_meta[3 * at + 2];
    }
    s->queue_head = (s->queue_head + count) % QUEUE_SLOTS;
    s->queue_count -= count;
    uint32_t left = s->queue_count;
    pthread_mutex_unlock(&s->lock);
    if (count > 0) deliver(s, count);
    if (left == 0) return;
  }
  /* More than MAX_BATCHES_PER_WAKE batches: the loop gets control back first, the rest comes next turn. */
  if (!s->closing) uv_async_send(&s->async);
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

/* Stops the media thread (native plane) or the poll watcher, then lets libuv release the handle and the memory. */
static void stop(media_socket *s) {
  s->closing = 1;
  if (s->threaded) {
    atomic_store(&s->stopping, 1);
    /* Wakes the thread out of recvmmsg (Linux wakes readers of an unconnected UDP socket too, and answers
     * ENOTCONN, which changes nothing here). */
    shutdown(s->fd, SHUT_RD);
    pthread_join(s->thread, NULL);
    uv_close((uv_handle_t *)&s->async, on_handle_closed);
  } else {
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_handle_closed);
  }
}

/* The thread (a worker) ends with the socket still open: release it with the loop. */
static void cleanup(void *data) {
  media_socket *s = (media_socket *)data;
  if (!s->closing) stop(s);
}

/* The media thread, with every signal blocked (Node's handlers belong to its own threads); returns once the
 * thread has its priority. */
static int start_thread(media_socket *s) {
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  int error = pthread_create(&s->thread, NULL, plane_thread, s);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (error != 0) return error;
  pthread_setname_np(s->thread, "leitung-media");
  while (sem_wait(&s->started) != 0 && errno == EINTR) {
  }
  return 0;
}

/* open(target, host, port, bufferBytes, batch, slot, callback[, plane]): binds, fills target with the shared
 * memory. `plane` ([maxPacket, packetsPerSecond, burst]) selects the native plane. */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
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
  int threaded = 0;
  double plane[4] = {0, 0, 0, 0};
  if (argc >= 8) {
    napi_valuetype type;
    CALL(env, napi_typeof(env, argv[7], &type));
    if (type == napi_object) {
      threaded = 1;
      for (uint32_t i = 0; i < 4; i++) {
        napi_value value;
        CALL(env, napi_get_element(env, argv[7], i, &value));
        CALL(env, napi_get_value_double(env, value, &plane[i]));
      }
      if (!(plane[0] >= 1 && plane[0] < slot && plane[1] > 0 && plane[2] >= 1 && plane[3] >= -20 &&
            plane[3] <= 19)) {
        napi_throw_range_error(env, NULL, "plane limits out of range");
        return NULL;
      }
    }
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "not an IPv4 address");
    return NULL;
  }
  /* The media thread blocks in recvmmsg; the loop's own receives and sends say MSG_DONTWAIT. */
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | (threaded ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  int size = (int)buffer_bytes;
  if (threaded) {
    struct timeval timeout = {.tv_sec = 0, .tv_usec = 250000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
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

  napi_value target = argv[0], rx, rx_meta_buffer, tx_meta_buffer, rx_meta, tx_meta, value;
  void *data;
  CALL(env, napi_create_arraybuffer(env, (size_t)batch * slot, &data, &rx));
  media_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  s->env = env;
  s->fd = fd;
  s->batch = batch;
  s->slot = slot;
  s->rx = data;
  int failed = alloc_io(&s->loop_io, batch, slot, s->rx) != 0;
  if (!failed && threaded) {
    s->threaded = 1;
    pthread_mutex_init(&s->lock, NULL);
    s->queue = malloc((size_t)QUEUE_SLOTS * slot);
    s->queue_meta = calloc(QUEUE_SLOTS * 3, sizeof *s->queue_meta);
    s->thread_nice = (int)plane[3];
    sem_init(&s->started, 0, 0);
    failed = alloc_io(&s->thread_io, batch, slot, NULL) != 0 || s->queue == NULL || s->queue_meta == NULL ||
             mt_init(&s->table, (uint32_t)plane[0], plane[1], plane[2]) != 0;
  }
  if (failed) {
    free_socket(s);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  CALL(env, napi_create_arraybuffer(env, (size_t)batch * 3 * sizeof(uint32_t), &data, &rx_meta_buffer));
  s->rx_meta = data;
  CALL(env, napi_create_arraybuffer(env, (size_t)batch * 3 * sizeof(uint32_t), &data, &tx_meta_buffer));
  s->tx_meta = data;
  CALL(env, napi_create_typedarray(env, napi_uint32_array, (size_t)batch * 3, rx_meta_buffer, 0, &rx_meta));
  CALL(env, napi_create_typedarray(env, napi_uint32_array, (size_t)batch * 3, tx_meta_buffer, 0, &tx_meta));
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
  if (threaded) {
    s->async.data = s;
    if (uv_async_init(loop, &s->async, on_queued) != 0) {
      napi_throw_error(env, NULL, "uv_async failed");
      return NULL;
    }
    if (start_thread(s) != 0) {
      s->closing = 1;
      uv_close((uv_handle_t *)&s->async, on_handle_closed);
      napi_throw_error(env, NULL, "the media thread did not start");
      return NULL;
    }
  } else {
    s->poll.data = s;
    if (uv_poll_init(loop, &s->poll, fd) != 0 || uv_poll_start(&s->poll, UV_READABLE, on_readable) != 0) {
      napi_throw_error(env, NULL, "uv_poll failed");
      return NULL;
    }
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
  ssize_t n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  if (n < 0) s->send_failures++;
  CALL(env, napi_get_boolean(env, n >= 0, &result));
  return result;
}

/* stats(target) → [received, sent, sendFailures, queueDrops] since open, and the media thread's nice value
 * (NaN without one). */
static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, value;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  media_socket *s = argc == 1 ? unwrap(env, argv[0]) : NULL;
  CALL(env, napi_create_array_with_length(env, 5, &result));
  double figures[5] = {s ? (double)s->received : 0, s ? (double)s->sent : 0, s ? (double)s->send_failures : 0,
                       s ? (double)s->queue_drops : 0, s && s->threaded ? (double)s->thread_nice : NAN};
  for (uint32_t i = 0; i < 5; i++) {
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
  napi_remove_env_cleanup_hook(env, cleanup, s);
  stop(s);
  return NULL;
}

/* The native plane's table, as the router changes it (native-media-plane.ts). Each call holds the lock the media
 * thread holds around a batch, so a change applies between two batches, never in the middle of one. */
static media_socket *plane_of(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) return NULL;
  media_socket *s = unwrap(env, argv[0]);
  return s != NULL && s->threaded && !s->closing ? s : NULL;
}

static napi_value int_result(napi_env env, int value) {
  napi_value result;
  if (napi_create_int32(env, value, &result) != napi_ok) return NULL;
  return result;
}

/* planeOpen(target, sessionId, now) → 0, or -1 (out of memory, or not a native plane). */
static napi_value plane_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  media_socket *s = plane_of(env, info, 3, argv);
  uint32_t id;
  double now;
  if (s == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok ||
      napi_get_value_double(env, argv[2], &now) != napi_ok)
    return int_result(env, -1);
  pthread_mutex_lock(&s->lock);
  int result = mt_open(&s->table, id, now);
  pthread_mutex_unlock(&s->lock);
  return int_result(env, result);
}

/* planeBind(target, sessionId, side, ipv4, port, kind) → 0, or -1 (unknown session). */
static napi_value plane_bind(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  media_socket *s = plane_of(env, info, 6, argv);
  uint32_t id, side, ip, port, kind;
  if (s == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &side) != napi_ok || napi_get_value_uint32(env, argv[3], &ip) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &port) != napi_ok || napi_get_value_uint32(env, argv[5], &kind) != napi_ok ||
      side > 1 || port > 65535 || (kind != MT_UDP && kind != MT_LEG))
    return int_result(env, -1);
  pthread_mutex_lock(&s->lock);
  int result = mt_bind(&s->table, id, (int)side, ip, (uint16_t)port, (int)kind);
  pthread_mutex_unlock(&s->lock);
  return int_result(env, result);
}

/* planeClose(target, sessionId) → 0, or -1 (unknown session). */
static napi_value plane_close(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  media_socket *s = plane_of(env, info, 2, argv);
  uint32_t id;
  if (s == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok) return int_result(env, -1);
  pthread_mutex_lock(&s->lock);
  int result = mt_close(&s->table, id);
  pthread_mutex_unlock(&s->lock);
  return int_result(env, result);
}

/* planeTake(target, sessionId, side, now) → 1 taken, 0 the bucket is empty, -1 unknown session. */
static napi_value plane_take(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  media_socket *s = plane_of(env, info, 4, argv);
  uint32_t id, side;
  double now;
  if (s == NULL || napi_get_value_uint32(env, argv[1], &id) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &side) != napi_ok || napi_get_value_double(env, argv[3], &now) != napi_ok)
    return int_result(env, -1);
  pthread_mutex_lock(&s->lock);
  int result = mt_take(&s->table, id, (int)side, now);
  pthread_mutex_unlock(&s->lock);
  return int_result(env, result);
}

/* planeReport(target) → Float64Array (mt_report's layout), the counters since the last report. */
static napi_value plane_report(napi_env env, napi_callback_info info) {
  napi_value argv[1], buffer, result;
  media_socket *s = plane_of(env, info, 1, argv);
  if (s == NULL) return NULL;
  pthread_mutex_lock(&s->lock);
  uint32_t length = mt_report_length(&s->table);
  void *data;
  if (napi_create_arraybuffer(env, (size_t)length * sizeof(double), &data, &buffer) != napi_ok) {
    pthread_mutex_unlock(&s->lock);
    return NULL;
  }
  mt_report(&s->table, (double *)data);
  pthread_mutex_unlock(&s->lock);
  CALL(env, napi_create_typedarray(env, napi_float64_array, length, buffer, 0, &result));
  return result;
}

/* planeDecide(target, bytes, ipv4, port, now) → [decision, ipv4, port]: the media thread's decision for one
 * datagram, for the differential test against the router (test/native-media-plane.test.ts). */
static napi_value plane_decide(napi_env env, napi_callback_info info) {
  napi_value argv[5], result, value;
  media_socket *s = plane_of(env, info, 5, argv);
  if (s == NULL) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  uint32_t ip, port;
  double now;
  CALL(env, napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL));
  CALL(env, napi_get_value_uint32(env, argv[2], &ip));
  CALL(env, napi_get_value_uint32(env, argv[3], &port));
  CALL(env, napi_get_value_double(env, argv[4], &now));
  if (type != napi_uint8_array || port > 65535) {
    napi_throw_type_error(env, NULL, "bytes must be a Uint8Array and port a UDP port");
    return NULL;
  }
  mt_endpoint to = {0, 0, 0};
  pthread_mutex_lock(&s->lock);
  int decision =
      mt_decide(&s->table, data, length > s->slot ? s->slot : (uint32_t)length, ip, (uint16_t)port, now, &to);
  pthread_mutex_unlock(&s->lock);
  uint32_t figures[3] = {(uint32_t)decision, to.ip, to.port};
  CALL(env, napi_create_array_with_length(env, 3, &result));
  for (uint32_t i = 0; i < 3; i++) {
    CALL(env, napi_create_uint32(env, figures[i], &value));
    CALL(env, napi_set_element(env, result, i, value));
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"sendTo", NULL, send_to, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
      {"bufferSizes", NULL, buffer_sizes, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
      {"planeOpen", NULL, plane_open, NULL, NULL, NULL, napi_default, NULL},
      {"planeBind", NULL, plane_bind, NULL, NULL, NULL, napi_default, NULL},
      {"planeClose", NULL, plane_close, NULL, NULL, NULL, napi_default, NULL},
      {"planeTake", NULL, plane_take, NULL, NULL, NULL, napi_default, NULL},
      {"planeReport", NULL, plane_report, NULL, NULL, NULL, napi_default, NULL},
      {"planeDecide", NULL, plane_decide, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
