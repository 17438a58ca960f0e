// A byte relay in C for the benchmark (bench/relay-server.ts, modes
// native-thread and native-uv): what relaying costs when JavaScript sees
// none of the bytes. JS accepts the client and connects upstream, then hands
// both sockets' file descriptors to relay(); from then on C moves the bytes,
// the way pgbouncer does: one read and one write per wakeup, a fixed buffer
// per direction, no reading from a side while its bytes are not yet written.
//
//   relay(clientFd, serverFd, onThread)
//     onThread true:  one epoll thread for every relayed pair (JS's loop idle);
//     onThread false: libuv poll handles on Node's own loop, callbacks in C.
//   observe(records, callback)   (before relay(); libuv mode only)
//     then C also follows message boundaries in both directions and, once per
//     read that holds a message pggit reads (Query, Parse, Bind, Execute, Sync,
//     Close, CommandComplete, ErrorResponse, ReadyForQuery, ...), copies
//     those messages' first bytes into `records` and calls callback(bytes)
//     before forwarding the read: JS sees only what it must read.
//
// The fds are dup()ed: JS closes its sockets right after the call.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <uv.h>

#define BUFFER_SIZE (64 * 1024)

// One direction: bytes read from `from`, not yet written to `to`.
typedef struct {
  char data[BUFFER_SIZE];
  size_t start, end;
} pending_t;

typedef struct pair pair_t;

// Message boundaries in one direction (see src/protocol/frame-tracker.ts).
typedef struct {
  int startup;        // client side: untyped messages until the StartupMessage
  int answer_bytes;   // server side: single-byte SSL/GSS answers owed
  unsigned char header[5];
  int header_fill;
  uint32_t remaining; // body bytes of the current message not yet seen
} tracker_t;

typedef struct {
  pair_t *pair;
  int index; // 0 client, 1 server
  int fd;
  uv_poll_t poll; // native-uv only
  int polling;    // events currently asked for
} side_t;

struct pair {
  side_t side[2];
  pending_t toward[2]; // toward[i]: bytes for side i (read from side 1 - i)
  int closed;
  int on_thread;
  int closing_handles;
  tracker_t tracker[2]; // tracker[s]: the bytes read from side s
};

// The JS observer (observe()): records land in `records`, one call per read that has any.
static napi_env observer_env;
static napi_ref observer_callback;
static unsigned char *records;
static size_t records_size;
#define RECORD_BODY 64
// Codes read by pggit's watcher: frontend (from the client) and backend.
static const char FRONTEND_CODES[] = "QPBECSFX";
static const char BACKEND_CODES[] = "KCIsESZ";

static int epoll_fd = -1;
static pthread_t thread;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

// What side s waits for: readable while the other side has nothing pending from it, writable while it has bytes owed.
static int wanted(pair_t *p, int s) {
  int events = 0;
  if (p->toward[1 - s].end == 0) events |= 1;    // read
  if (p->toward[s].end > p->toward[s].start) events |= 2; // write
  return events;
}

static void update(pair_t *p, int s);
static void close_pair(pair_t *p);

// Writes what is owed to side s; 0 when all went, 1 when the socket is full, -1 on error.
static int flush(pair_t *p, int s) {
  pending_t *out = &p->toward[s];
  while (out->start < out->end) {
    ssize_t n = write(p->side[s].fd, out->data + out->start, out->end - out->start);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? 1 : -1;
    }
    out->start += (size_t)n;
  }
  out->start = out->end = 0;
  return 0;
}

static int wanted_code(int from_client, unsigned char code) {
  for (const char *c = from_client ? FRONTEND_CODES : BACKEND_CODES; *c; c++)
    if ((unsigned char)*c == code) return 1;
  return 0;
}

// Walks the bytes just read from side s; appends a record per message JS reads. Returns the bytes of records written.
static size_t track(pair_t *p, int s, const unsigned char *data, size_t length) {
  tracker_t *t = &p->tracker[s];
  size_t used = 0, i = 0;
  while (i < length) {
    if (t->answer_bytes > 0 && t->header_fill == 0 && t->remaining == 0) {
      t->answer_bytes--;
      i++;
      continue;
    }
    if (t->remaining > 0) {
      size_t take = length - i < t->remaining ? length - i : t->remaining;
      t->remaining -= (uint32_t)take;
      i += take;
      continue;
    }
    int header = t->startup ? 4 : 5;
    while (t->header_fill < header && i < length) t->header[t->header_fill++] = data[i++];
    if (t->header_fill < header) break;
    t->header_fill = 0;
    const unsigned char *h = t->startup ? t->header : t->header + 1;
    uint32_t len = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
    uint32_t body = len >= 4 ? len - 4 : 0;
    t->remaining = body;
    if (t->startup) {
      uint32_t request = body >= 4 && length - i >= 4 ? ((uint32_t)data[i] << 24) | ((uint32_t)data[i + 1] << 16) | ((uint32_t)data[i + 2] << 8) | data[i + 3] : 0;
      if (request == 80877103 || request == 80877104) p->tracker[1].answer_bytes++; // SSL or GSSENC request: one byte back
      else if (request != 80877102) t->startup = 0;                              // not a CancelRequest: the StartupMessage
      continue;
    }
    unsigned char code = t->header[0];
    if (!wanted_code(s == 0, code) || used + 6 + RECORD_BODY > records_size) continue;
    size_t copy = length - i < body ? length - i : body;
    if (copy > RECORD_BODY) copy = RECORD_BODY;
    records[used] = code;
    records[used + 1] = (unsigned char)s;
    memcpy(records + used + 2, h, 4);
    memcpy(records + used + 6, data + i, copy);
    used += 6 + RECORD_BODY;
  }
  return used;
}

static void call_observer(size_t used) {
  napi_handle_scope scope;
  napi_open_handle_scope(observer_env, &scope);
  napi_value callback, global, argv[1];
  napi_get_reference_value(observer_env, observer_callback, &callback);
  napi_get_global(observer_env, &global);
  napi_create_uint32(observer_env, (uint32_t)used, &argv[0]);
  napi_call_function(observer_env, global, callback, 1, argv, NULL);
  napi_close_handle_scope(observer_env, scope);
}

// Side s is readable: one read, then write it to the other side at once.
static void on_readable(pair_t *p, int s) {
  pending_t *in = &p->toward[1 - s];
  ssize_t n;
  do n = read(p->side[s].fd, in->data, BUFFER_SIZE);
  while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && errno != EAGAIN)) {
    close_pair(p);
    return;
  }
  if (n < 0) return;
  in->start = 0;
  in->end = (size_t)n;
  if (observer_callback != NULL && !p->on_thread) {
    size_t used = track(p, s, (const unsigned char *)in->data, (size_t)n);
    if (used > 0) call_observer(used);
  }
  if (flush(p, 1 - s) < 0) {
    close_pair(p);
    return;
  }
}

static void on_writable(pair_t *p, int s) {
  if (flush(p, s) < 0) close_pair(p);
}

static void handle(pair_t *p, int s, int readable, int writable, int hangup) {
  if (p->closed) return;
  if (writable) on_writable(p, s);
  if (!p->closed && (readable || hangup) && p->toward[1 - s].end == 0) on_readable(p, s);
  if (p->closed) return;
  update(p, 0);
  update(p, 1);
}

// ---- epoll thread ----

static void *run_epoll(void *unused) {
  (void)unused;
  struct epoll_event events[64];
  pair_t *closed[64];
  for (;;) {
    int n = epoll_wait(epoll_fd, events, 64, -1);
    if (n < 0) continue;
    int closed_count = 0;
    for (int i = 0; i < n; i++) {
      side_t *side = events[i].data.ptr;
      pair_t *p = side->pair;
      int was_closed = p->closed;
      uint32_t e = events[i].events;
      handle(p, side->index, e & EPOLLIN, e & EPOLLOUT, e & (EPOLLHUP | EPOLLERR | EPOLLRDHUP));
      if (!was_closed && p->closed) closed[closed_count++] = p;
    }
    // Freed after the batch: a later event of this batch may name the pair.
    for (int i = 0; i < closed_count; i++) free(closed[i]);
  }
  return NULL;
}

static void epoll_update(pair_t *p, int s) {
  int events = wanted(p, s);
  if (events == p->side[s].polling) return;
  struct epoll_event ev = {.events = (events & 1 ? EPOLLIN | EPOLLRDHUP : 0) | (events & 2 ? EPOLLOUT : 0), .data.ptr = &p->side[s]};
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, p->side[s].fd, &ev);
  p->side[s].polling = events;
}

// ---- libuv poll handles on Node's loop ----

static void on_poll(uv_poll_t *poll, int status, int events) {
  side_t *side = poll->data;
  handle(side->pair, side->index, status < 0 || (events & UV_READABLE), events & UV_WRITABLE, events & UV_DISCONNECT);
}

static void on_handle_closed(uv_handle_t *h) {
  side_t *side = h->data;
  pair_t *p = side->pair;
  close(side->fd);
  if (--p->closing_handles == 0) free(p);
}

static void uv_update(pair_t *p, int s) {
  int events = wanted(p, s);
  if (events == p->side[s].polling) return;
  uv_poll_start(&p->side[s].poll, (events & 1 ? UV_READABLE | UV_DISCONNECT : 0) | (events & 2 ? UV_WRITABLE : 0), on_poll);
  p->side[s].polling = events;
}

static void update(pair_t *p, int s) {
  if (p->on_thread) epoll_update(p, s);
  else uv_update(p, s);
}

static void close_pair(pair_t *p) {
  p->closed = 1;
  for (int s = 0; s < 2; s++) {
    if (p->on_thread) {
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, p->side[s].fd, NULL);
      close(p->side[s].fd);
    } else {
      uv_poll_stop(&p->side[s].poll);
      uv_close((uv_handle_t *)&p->side[s].poll, on_handle_closed);
    }
  }
}

// ---- the JS entry point ----

static napi_value relay(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fds[2];
  bool on_thread = false;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fds[0]) != napi_ok || napi_get_value_int32(env, argv[1], &fds[1]) != napi_ok ||
      napi_get_value_bool(env, argv[2], &on_thread) != napi_ok) {
    napi_throw_type_error(env, NULL, "relay(clientFd, serverFd, onThread)");
    return NULL;
  }
  pair_t *p = calloc(1, sizeof(pair_t));
  p->on_thread = on_thread;
  p->tracker[0].startup = 1;
  for (int s = 0; s < 2; s++) {
    int fd = dup(fds[s]);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    p->side[s] = (side_t){.pair = p, .index = s, .fd = fd, .polling = 1};
  }
  if (on_thread) {
    pthread_mutex_lock(&start_lock);
    if (epoll_fd < 0) {
      epoll_fd = epoll_create1(EPOLL_CLOEXEC);
      pthread_create(&thread, NULL, run_epoll, NULL);
      pthread_detach(thread);
    }
    pthread_mutex_unlock(&start_lock);
    // The server side first: the client's bytes (read by the thread as soon as it is added) are written to it.
    for (int s = 1; s >= 0; s--) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = &p->side[s]};
      epoll_ctl(epoll_fd, EPOLL_CTL_ADD, p->side[s].fd, &ev);
    }
  } else {
    uv_loop_t *loop;
    napi_get_uv_event_loop(env, &loop);
    p->closing_handles = 2;
    for (int s = 0; s < 2; s++) {
      uv_poll_init(loop, &p->side[s].poll, p->side[s].fd);
      p->side[s].poll.data = &p->side[s];
      uv_poll_start(&p->side[s].poll, UV_READABLE | UV_DISCONNECT, on_poll);
    }
  }
  return NULL;
}

static napi_value observe(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data;
  if (argc < 2 || napi_get_buffer_info(env, argv[0], &data, &records_size) != napi_ok) {
    napi_throw_type_error(env, NULL, "observe(records, callback)");
    return NULL;
  }
  records = data;
  observer_env = env;
  napi_create_reference(env, argv[0], 1, &(napi_ref){0}); // keeps `records` alive
  napi_create_reference(env, argv[1], 1, &observer_callback);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "relay", NAPI_AUTO_LENGTH, relay, NULL, &fn);
  napi_set_named_property(env, exports, "relay", fn);
  napi_create_function(env, "observe", NAPI_AUTO_LENGTH, observe, NULL, &fn);
  napi_set_named_property(env, exports, "observe", fn);
  return exports;
}
