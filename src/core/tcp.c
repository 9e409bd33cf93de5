/* TCP listeners: listen addresses, accepting, the connection limits and
 * their shedding, per-listener metrics, the process fd budget, and the
 * graceful drain on stop. Connections themselves live in tcp_conn.c, their
 * output in tcp_out.c.
 *
 * Limits: a listener holds at most max_conns connections, at most
 * max_per_peer from one IP address, and every listener of the process
 * together at most the fd budget (RLIMIT_NOFILE minus a reserve for files,
 * the database and logs), so accept(2) never meets EMFILE. When a new
 * connection would cross a limit, the connection that has been idle the
 * longest (no message in flight; for the per-peer limit: of that peer) is
 * shed to make room; when there is none the new one is refused. Both are
 * counted and logged (at most one warning per listener every 10 s). */
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/tcp_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DEF_MAX_CONNS 4096
#define DEF_MAX_PER_PEER 1024
#define WARN_EVERY_MS 10000

/* --- process-wide: the fd budget and the list of servers --- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static lh_tcp_server_t *g_servers;
static int g_open;   /* counted connections of every server */
static int g_budget; /* connections the fd limit allows */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* Raises the soft fd limit to the hard one; the budget keeps a quarter of
 * it (at least 64) for everything that is not a connection. */
static void fd_budget_init(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        g_budget = 1024 - 256;
        return;
    }
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
        struct rlimit nl = {.rlim_cur = want, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &nl) == 0) rl.rlim_cur = want;
    }
    long cur = rl.rlim_cur > (rlim_t)1 << 24 ? 1L << 24 : (long)rl.rlim_cur;
    long reserve = cur / 4 < 64 ? 64 : cur / 4;
    g_budget = cur > reserve ? (int)(cur - reserve) : 1;
    if (rl.rlim_cur != was)
        lh_info("tcp: open file limit raised from %llu to %ld; up to %d connections",
                (unsigned long long)was, cur, g_budget);
    else
        lh_info("tcp: open file limit is %ld; up to %d connections", cur, g_budget);
}

static void metrics_register(void)
{
    static const struct {
        const char *name;
        int type;
        const char *help;
    } fams[] = {
        {"lakehouse_tcp_connections_open", LH_METRIC_GAUGE, "Open TCP connections."},
        {"lakehouse_tcp_connections_limit", LH_METRIC_GAUGE, "Connection limit in force."},
        {"lakehouse_tcp_connections_accepted_total", LH_METRIC_COUNTER, "Connections accepted."},
        {"lakehouse_tcp_connections_refused_total", LH_METRIC_COUNTER,
         "Connections refused at the connection limits."},
        {"lakehouse_tcp_connections_shed_total", LH_METRIC_COUNTER,
         "Idle connections closed to make room under the connection limits."},
        {"lakehouse_tcp_bytes_received_total", LH_METRIC_COUNTER, "Bytes read (TLS: ciphertext)."},
        {"lakehouse_tcp_bytes_sent_total", LH_METRIC_COUNTER, "Bytes written (TLS: ciphertext)."},
    };
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++)
        lh_metrics_register(fams[i].name, fams[i].type, fams[i].help, NULL, 0);
}

void lh__tcp_count(lh_tcp_conn_t *c, size_t in, size_t out)
{
    lh_tcp_server_t *srv = c->srv;
    if (in) lh_metrics_add("lakehouse_tcp_bytes_received_total", srv->labels, (double)in);
    if (out) lh_metrics_add("lakehouse_tcp_bytes_sent_total", srv->labels, (double)out);
    if (srv->proto.on_traffic && (in || out)) srv->proto.on_traffic(c, in, out, srv->ctx);
    if (in) {
        size_t n = c->rend - c->rstart + (c->tls ? lh__tls_buffered(c->tls) : 0);
        if (n > __atomic_load_n(&srv->max_buffered, __ATOMIC_RELAXED))
            __atomic_store_n(&srv->max_buffered, n, __ATOMIC_RELAXED);
    }
}

/* --- per-peer counts --- */

static void peer_key(const struct sockaddr_storage *ss, unsigned char key[17])
{
    memset(key, 0, 17);
    key[0] = (unsigned char)ss->ss_family;
    if (ss->ss_family == AF_INET6)
        memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
    else if (ss->ss_family == AF_INET)
        memcpy(key + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

static lh__tcp_peer_t **peer_slot(lh_tcp_server_t *srv, const unsigned char key[17])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    lh__tcp_peer_t **pp = &srv->peers[h % LH__TCP_PEER_BUCKETS];
    while (*pp && memcmp((*pp)->key, key, 17))
        pp = &(*pp)->next;
    return pp;
}

static int peer_count(lh_tcp_server_t *srv, const unsigned char key[17])
{
    lh__tcp_peer_t *p = *peer_slot(srv, key);
    return p ? p->n : 0;
}

static int peer_add(lh_tcp_server_t *srv, const unsigned char key[17], int d)
{
    lh__tcp_peer_t **pp = peer_slot(srv, key), *p = *pp;
    if (!p) {
        if (d < 0 || !(p = calloc(1, sizeof *p))) return d < 0 ? 0 : LH_ENOMEM;
        memcpy(p->key, key, 17);
        *pp = p;
    }
    p->n += d;
    if (p->n <= 0) {
        *pp = p->next;
        free(p);
    }
    return 0;
}

static void peers_free(lh_tcp_server_t *srv)
{
    for (int i = 0; i < LH__TCP_PEER_BUCKETS; i++)
        while (srv->peers[i]) {
            lh__tcp_peer_t *p = srv->peers[i];
            srv->peers[i] = p->next;
            free(p);
        }
}

void lh__tcp_uncount(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    if (!c->counted) return;
    c->counted = 0;
    srv->nopen--;
    peer_add(srv, c->peer_key, -1);
    pthread_mutex_lock(&g_lock);
    g_open--;
    pthread_mutex_unlock(&g_lock);
    lh_metrics_add("lakehouse_tcp_connections_open", srv->labels, -1);
}

/* --- the idle order --- */

static void unlink_conn(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        srv->tail = c->prev;
    c->prev = c->next = NULL;
}

static void append_conn(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    c->prev = srv->tail;
    if (srv->tail)
        srv->tail->next = c;
    else
        srv->head = c;
    srv->tail = c;
}

void lh__tcp_touch(lh_tcp_conn_t *c)
{
    c->idle_since = uv_now(c->srv->loop);
    if (c->srv->tail == c) return;
    if (c->prev || c->srv->head == c) unlink_conn(c);
    append_conn(c);
}

/* --- shedding --- */

/* The connection idle the longest (of peer key, when given); lingering
 * connections go first, they are done anyway. */
static lh_tcp_conn_t *shed_candidate(lh_tcp_server_t *srv, const unsigned char *key)
{
    lh_tcp_conn_t *idle = NULL;
    for (lh_tcp_conn_t *c = srv->head; c; c = c->next) {
        if (!c->counted || (key && memcmp(c->peer_key, key, 17))) continue;
        if (c->state == LH__TC_LINGER) return c;
        if (!idle && c->state == LH__TC_OPEN && lh__tcp_conn_idle(c)) idle = c;
    }
    return idle;
}

static void limit_warn(lh_tcp_server_t *srv, const char *which)
{
    uint64_t now = uv_now(srv->loop);
    if (srv->warn_at && now - srv->warn_at < WARN_EVERY_MS) return;
    lh_log(LH_LOG_WARN, NULL,
           "tcp %s: connection limit reached (%s; %d open here, %d in the process, limits "
           "%d total, %d per peer, %d process budget): %u idle shed, %u refused",
           srv->name, which, srv->nopen, g_open, srv->max_conns, srv->max_per_peer, g_budget,
           srv->shed_n, srv->refused_n);
    srv->warn_at = now;
    srv->shed_n = srv->refused_n = 0;
}

static void shed(lh_tcp_conn_t *v)
{
    lh_tcp_server_t *srv = v->srv;
    srv->shed_n++;
    lh_metrics_add("lakehouse_tcp_connections_shed_total", srv->labels, 1);
    lh_log(LH_LOG_DEBUG, NULL, "tcp %s: shedding idle connection %s", srv->name, v->peer);
    lh_tcp_conn_abort(v);
}

/* Makes room for a connection from key. Returns 0, or LH_EBUSY to refuse. */
static int make_room(lh_tcp_server_t *srv, const unsigned char key[17])
{
    const char *which = NULL;
    lh_tcp_conn_t *v = NULL;
    if (peer_count(srv, key) >= srv->max_per_peer) {
        which = "per peer";
        v = shed_candidate(srv, key);
    } else if (srv->nopen >= srv->max_conns) {
        which = "listener";
        v = shed_candidate(srv, NULL);
    } else {
        pthread_mutex_lock(&g_lock);
        int full = g_open >= g_budget;
        lh_tcp_server_t *s = g_servers;
        pthread_mutex_unlock(&g_lock);
        if (!full) return 0;
        which = "open file budget";
        v = shed_candidate(srv, NULL);
        for (; !v && s; s = s->gnext) /* listeners on this loop share the budget */
            if (s != srv && s->loop == srv->loop && !s->stopping) v = shed_candidate(s, NULL);
    }
    if (v)
        shed(v);
    else
        srv->refused_n++;
    limit_warn(srv, which);
    return v ? 0 : LH_EBUSY;
}

/* --- accepting --- */

static void peer_name(uv_tcp_t *t, char *out, size_t cap, struct sockaddr_storage *ss)
{
    int len = sizeof *ss;
    char ip[64] = "?";
    int port = 0;
    memset(ss, 0, sizeof *ss);
    if (uv_tcp_getpeername(t, (struct sockaddr *)ss, &len) == 0) {
        if (ss->ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in6 *)ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in *)ss)->sin_port);
        }
    }
    snprintf(out, cap, ss->ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
}

static void count_in(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    if (peer_add(srv, c->peer_key, 1)) return;
    c->counted = 1;
    srv->nopen++;
    pthread_mutex_lock(&g_lock);
    g_open++;
    pthread_mutex_unlock(&g_lock);
    lh_metrics_add("lakehouse_tcp_connections_open", srv->labels, 1);
    lh_metrics_add("lakehouse_tcp_connections_accepted_total", srv->labels, 1);
}

static void on_connection(uv_stream_t *lst, int status)
{
    lh_tcp_server_t *srv = lst->data;
    if (status < 0) {
        srv->refused_n++;
        limit_warn(srv, uv_strerror(status));
        return;
    }
    if (srv->stopping) return;
    lh_tcp_conn_t *c = lh__tcp_conn_new(srv);
    if (!c) {
        lh_error("tcp %s: out of memory accepting a connection", srv->name);
        return;
    }
    if (uv_accept(lst, (uv_stream_t *)&c->tcp) != 0) {
        lh__tcp_close_handles(c);
        return;
    }
    struct sockaddr_storage ss;
    if (srv->unix_path) { /* every local peer is one peer: "local" */
        memset(&ss, 0, sizeof ss);
        snprintf(c->peer, sizeof c->peer, "local");
    } else
        peer_name(&c->tcp, c->peer, sizeof c->peer, &ss);
    peer_key(&ss, c->peer_key);
    if (make_room(srv, c->peer_key)) {
        lh_metrics_add("lakehouse_tcp_connections_refused_total", srv->labels, 1);
        lh__tcp_close_handles(c);
        return;
    }
    count_in(c);
    if (!srv->unix_path) uv_tcp_nodelay(&c->tcp, 1);
    lh__tcp_conn_begin(c);
}

/* --- listen address: "host:port", "[v6]:port", ":port" (all interfaces) --- */

int lh_tcp_parse_listen(const char *s, struct sockaddr_storage *ss, lh_err_t *err)
{
    char host[128];
    const char *portp;
    if (!s) return lh_err_set(err, LH_EINVAL, "no listen address");
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return lh_err_set(err, LH_EINVAL, "bad listen address %s", s);
        lh_str_copy(host, sizeof host, (lh_str_t){s + 1, (size_t)(e - s - 1)});
        portp = e + 2;
    } else {
        const char *e = strrchr(s, ':');
        if (!e || (size_t)(e - s) >= sizeof host)
            return lh_err_set(err, LH_EINVAL, "bad listen address %s (want host:port)", s);
        lh_str_copy(host, sizeof host, (lh_str_t){s, (size_t)(e - s)});
        portp = e + 1;
    }
    int64_t port;
    if (lh_parse_i64(portp, &port) || port < 0 || port > 65535)
        return lh_err_set(err, LH_EINVAL, "bad port in listen address %s", s);
    const char *h = !host[0] ? "0.0.0.0" : !strcmp(host, "localhost") ? "127.0.0.1" : host;
    memset(ss, 0, sizeof *ss);
    if (uv_ip4_addr(h, (int)port, (struct sockaddr_in *)ss) == 0 ||
        uv_ip6_addr(h, (int)port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return lh_err_set(err, LH_EINVAL, "bad host in listen address %s (want an ip address)", s);
}

static void bound_name(uv_tcp_t *t, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[64] = "?";
    if (!out || !cap || uv_tcp_getsockname(t, (struct sockaddr *)&ss, &len) != 0) return;
    if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
        snprintf(out, cap, "[%s]:%d", ip, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
    } else {
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
        snprintf(out, cap, "%s:%d", ip, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    }
}

/* --- start --- */

static int pick(int v, int def)
{
    return v > 0 ? v : def;
}

static size_t pickz(size_t v, size_t def)
{
    return v ? v : def;
}

static int check_opts(const lh_tcp_opts_t *o, lh_err_t *err)
{
    const lh_tcp_proto_t *p = o->proto;
    if (!p || (!p->on_data && (!p->frame || !p->on_message)))
        return lh_err_set(err, LH_EINVAL, "tcp server needs on_data or frame and on_message");
    if (!o->listen) return lh_err_set(err, LH_EINVAL, "tcp server needs a listen address");
    if (o->tls != LH_TCP_TLS_OFF && (!o->tls_cert || !o->tls_cert[0]))
        return lh_err_set(err, LH_EINVAL, "tcp server %s: tls needs a certificate",
                          o->name ? o->name : "");
    return 0;
}

static int srv_init(lh_tcp_server_t *srv, uv_loop_t *loop, const lh_tcp_opts_t *o, lh_err_t *err)
{
    int rc = check_opts(o, err);
    if (rc) return rc;
    pthread_once(&g_once, fd_budget_init);
    srv->loop = loop;
    snprintf(srv->name, sizeof srv->name, "%s", o->name ? o->name : "tcp");
    snprintf(srv->labels, sizeof srv->labels, "listener=\"%s\"", srv->name);
    srv->proto = *o->proto;
    srv->ctx = o->ctx;
    srv->raw = o->proto->on_data != NULL;
    srv->tls_mode = o->tls;
    srv->read_buf = pickz(o->read_buf, (size_t)64 << 10);
    srv->max_frame = pickz(o->max_frame, (size_t)1 << 20);
    if (srv->raw) srv->max_frame = srv->read_buf;
    if (srv->read_buf > srv->max_frame) srv->read_buf = srv->max_frame;
    srv->write_high = pickz(o->write_high, (size_t)1 << 20);
    srv->max_in_flight = pick(o->max_in_flight, 32);
    srv->idle_ms = pick(o->idle_timeout_ms, 60000);
    srv->head_ms = pick(o->head_timeout_ms, 30000);
    srv->tls_ms = pick(o->tls_timeout_ms, 10000);
    srv->grace_ms = pick(o->grace_ms, 5000);
    srv->max_conns = pick(o->max_conns, DEF_MAX_CONNS);
    if (srv->max_conns > g_budget) srv->max_conns = g_budget;
    srv->max_per_peer = pick(o->max_conns_per_peer, DEF_MAX_PER_PEER);
    if (srv->max_per_peer > srv->max_conns) srv->max_per_peer = srv->max_conns;
    if (o->tls != LH_TCP_TLS_OFF)
        return lh__tls_ctx_new(o->tls_cert, o->tls_key && o->tls_key[0] ? o->tls_key : NULL,
                               o->alpn, &srv->tls, err);
    return 0;
}

static void srv_free(lh_tcp_server_t *srv)
{
    if (srv->unix_bound) unlink(srv->unix_path); /* the socket file this server made */
    free(srv->unix_path);
    lh__tls_ctx_free(srv->tls);
    peers_free(srv);
    free(srv);
}

static void on_lst_closed_early(uv_handle_t *h)
{
    srv_free(h->data);
}

static void registry(lh_tcp_server_t *srv, int add)
{
    pthread_mutex_lock(&g_lock);
    lh_tcp_server_t **pp = &g_servers;
    while (*pp && *pp != srv)
        pp = &(*pp)->gnext;
    if (add && !*pp)
        *pp = srv;
    else if (!add && *pp)
        *pp = srv->gnext;
    pthread_mutex_unlock(&g_lock);
}

/* A "unix:PATH" listener on srv->lst_pipe (initialized by the caller, so
 * every failure closes it alike): a stream socket file, owner-only (0600); a
 * stale socket file at PATH (no one listening) is replaced, anything else is
 * not (UV_EEXIST: not a socket; UV_EADDRINUSE: a live one). */
static int listen_unix(lh_tcp_server_t *srv, const char *path)
{
    struct stat st;
    if (!(srv->unix_path = strdup(path))) return UV_ENOMEM;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return UV_EEXIST;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un su = {.sun_family = AF_UNIX};
        snprintf(su.sun_path, sizeof su.sun_path, "%s", path);
        int live = fd >= 0 && connect(fd, (struct sockaddr *)&su, sizeof su) == 0;
        if (fd >= 0) close(fd);
        if (live) return UV_EADDRINUSE;
        unlink(path);
    }
    int uvrc = uv_pipe_bind(&srv->lst_pipe, path);
    srv->unix_bound = !uvrc;
    /* chmod, not umask: the umask is the whole process's, other threads
       create files meanwhile (and the data directory is 0700 anyway) */
    if (!uvrc && chmod(path, 0600) != 0) uvrc = uv_translate_sys_error(errno);
    if (!uvrc) uvrc = uv_listen((uv_stream_t *)&srv->lst_pipe, 511, on_connection);
    return uvrc;
}

int lh_tcp_server_start(uv_loop_t *loop, const lh_tcp_opts_t *opts, lh_tcp_server_t **out,
                        char *bound, size_t boundlen, lh_err_t *err)
{
    struct sockaddr_storage ss;
    lh_tcp_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = srv_init(srv, loop, opts, err);
    const char *upath =
        !strncmp(opts->listen ? opts->listen : "", "unix:", 5) ? opts->listen + 5 : NULL;
    if (!rc && upath && (!upath[0] || strlen(upath) >= sizeof((struct sockaddr_un *)0)->sun_path))
        rc = lh_err_set(err, LH_EINVAL,
                        "bad listen address %s (want unix:PATH, a path of 1-%zu "
                        "bytes)",
                        opts->listen, sizeof((struct sockaddr_un *)0)->sun_path - 1);
    if (!rc && !upath) rc = lh_tcp_parse_listen(opts->listen, &ss, err);
    if (rc) {
        srv_free(srv);
        return rc;
    }
    metrics_register();
    signal(SIGPIPE, SIG_IGN); /* a peer gone mid-write must be an error, not death */
    int uvrc;
    if (upath) {
        uv_pipe_init(loop, &srv->lst_pipe, 0);
        srv->lst_pipe.data = srv;
        uvrc = listen_unix(srv, upath);
    } else {
        uv_tcp_init(loop, &srv->lst);
        srv->lst.data = srv;
        uvrc = uv_tcp_bind(&srv->lst, (struct sockaddr *)&ss, 0);
        if (!uvrc) uvrc = uv_listen((uv_stream_t *)&srv->lst, 511, on_connection);
    }
    if (uvrc) {
        uv_close((uv_handle_t *)&srv->lst, on_lst_closed_early);
        return lh_err_set(err, LH_EIO, "cannot listen on %s: %s", opts->listen,
                          upath && uvrc == UV_EEXIST ? "a file that is not a socket is there"
                                                     : uv_strerror(uvrc));
    }
    srv->lst_open = 1;
    uv_timer_init(loop, &srv->grace);
    srv->grace.data = srv;
    srv->grace_open = 1;
    if (upath && bound && boundlen)
        snprintf(bound, boundlen, "unix:%s", upath);
    else if (!upath)
        bound_name(&srv->lst, bound, boundlen);
    static const char *const zero[] = {
        "lakehouse_tcp_connections_open",          "lakehouse_tcp_connections_accepted_total",
        "lakehouse_tcp_connections_refused_total", "lakehouse_tcp_connections_shed_total",
        "lakehouse_tcp_bytes_received_total",      "lakehouse_tcp_bytes_sent_total"};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        lh_metrics_add(zero[i], srv->labels, 0);
    lh_metrics_set("lakehouse_tcp_connections_limit", srv->labels, srv->max_conns);
    registry(srv, 1);
    *out = srv;
    return 0;
}

/* --- stop --- */

static void on_grace_closed(uv_handle_t *h)
{
    lh_tcp_server_t *srv = h->data;
    void (*done)(void *) = srv->stop_done;
    void *arg = srv->stop_arg;
    srv_free(srv);
    if (done) done(arg);
}

static void check_stopped(lh_tcp_server_t *srv)
{
    if (!srv->stopping || srv->lst_open || srv->nconns || !srv->grace_open) return;
    srv->grace_open = 0;
    uv_close((uv_handle_t *)&srv->grace, on_grace_closed);
}

void lh__tcp_server_conn_gone(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    unlink_conn(c);
    srv->nconns--;
    check_stopped(srv);
}

static void on_lst_closed(uv_handle_t *h)
{
    lh_tcp_server_t *srv = h->data;
    srv->lst_open = 0;
    check_stopped(srv);
}

static void on_grace(uv_timer_t *t)
{
    lh_tcp_server_t *srv = t->data;
    lh_log(LH_LOG_WARN, NULL, "tcp %s: aborting %d connections after the grace period", srv->name,
           srv->nopen);
    for (lh_tcp_conn_t *c = srv->head, *n; c; c = n) {
        n = c->next;
        lh_tcp_conn_abort(c);
    }
}

void lh_tcp_server_stop(lh_tcp_server_t *srv, void (*done)(void *), void *arg)
{
    if (srv->stopping) return;
    srv->stopping = 1;
    srv->stop_done = done;
    srv->stop_arg = arg;
    registry(srv, 0);
    uv_close((uv_handle_t *)&srv->lst, on_lst_closed);
    for (lh_tcp_conn_t *c = srv->head, *n; c; c = n) {
        n = c->next;
        if (c->state != LH__TC_OPEN) continue;
        if (lh__tcp_conn_idle(c) && c->rstart == c->rend)
            lh__tcp_close_handles(c); /* nothing started: no need to linger */
        else if (!srv->raw)
            lh_tcp_conn_close(c); /* frame mode: answer what is in flight, then close */
        else
            lh__tcp_update(c); /* raw mode: the protocol sees lh_tcp_conn_draining */
    }
    uv_timer_start(&srv->grace, on_grace, (uint64_t)srv->grace_ms, 0);
    check_stopped(srv);
}

void lh_tcp_server_limits(const lh_tcp_server_t *srv, int *max_conns, int *max_per_peer)
{
    if (max_conns) *max_conns = srv->max_conns;
    if (max_per_peer) *max_per_peer = srv->max_per_peer;
}

int lh_tcp_server_conns(const lh_tcp_server_t *srv)
{
    return srv->nopen;
}

size_t lh_tcp_server_max_buffered(const lh_tcp_server_t *srv)
{
    return __atomic_load_n(&srv->max_buffered, __ATOMIC_RELAXED);
}
