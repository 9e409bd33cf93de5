/* The per-connection write queue: memory pieces batched into one uv_write
 * (encrypted first on TLS, unless queued before lh_tcp_conn_start_tls), file
 * ranges sent with sendfile(2) on a worker thread on plain sockets, or
 * pread on a worker and encrypted on the loop with TLS. Exactly one write or
 * file job is in flight per connection, which keeps the bytes in order.
 * Every write is notified once: ok=1 when on the socket, ok=0 on abort. */
#include "core/log.h"
#include "core/loop.h"
#include "core/tcp_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#define BATCH_BUFS 16
#define BATCH_BYTES ((size_t)1 << 20)
#define SENDFILE_CHUNK ((int64_t)16 << 20)
#define TLS_FILE_CHUNK ((size_t)256 << 10)
/* How long one sendfile job may wait in the worker for a full socket to
 * drain before it hands the connection back to the loop: a reader on this
 * machine drains it within microseconds, and each trip back (the loop, a new
 * job, a buffered chunk when the socket is still full) cost more CPU than
 * the bytes; a slow peer holds a worker at most this long per job. */
#define SENDFILE_WAIT_MS 100

/* --- items and the queue --- */

lh__tcp_out_t *lh__tcp_out_new(lh_tcp_conn_t *c, const uv_buf_t *bufs, int n, lh_tcp_write_cb done,
                               void *arg)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += bufs[i].len;
    lh__tcp_out_t *o = malloc(sizeof *o + total);
    if (!o) return NULL;
    *o = (lh__tcp_out_t){.fd = -1, .dlen = total, .cost = total, .done = done, .arg = arg};
    for (size_t i = 0, at = 0; i < (size_t)n; at += bufs[i].len, i++)
        if (bufs[i].len) memcpy(o->data + at, bufs[i].base, bufs[i].len);
    c->queued += total;
    return o;
}

void lh__tcp_out_queue(lh_tcp_conn_t *c, lh__tcp_out_t *o)
{
    o->plain = c->tls == NULL;
    o->next = NULL;
    if (c->qt)
        c->qt->next = o;
    else
        c->qh = o;
    c->qt = o;
    lh__tcp_out_pump(c);
}

static lh__tcp_out_t *dequeue(lh_tcp_conn_t *c)
{
    lh__tcp_out_t *o = c->qh;
    c->qh = o->next;
    if (!c->qh) c->qt = NULL;
    o->next = NULL;
    if (o->plain && c->tls) c->plain_queued--;
    return o;
}

void lh__tcp_out_finish(lh_tcp_conn_t *c, lh__tcp_out_t *o, int ok)
{
    c->queued -= o->cost;
    if (o->done) o->done(c, ok, o->arg);
    free(o);
}

void lh__tcp_out_abort(lh_tcp_conn_t *c)
{
    for (lh__tcp_out_t *o = c->fl; o; o = o->next) { /* freed by the write callback */
        c->queued -= o->cost;
        o->cost = 0;
        if (o->done) o->done(c, 0, o->arg);
        o->done = NULL;
    }
    while (c->qh)
        lh__tcp_out_finish(c, dequeue(c), 0);
    c->plain_queued = 0;
}

int lh_tcp_conn_write_idle(const lh_tcp_conn_t *c)
{
    return !c->qh && !c->fl && !c->wbusy;
}

size_t lh_tcp_conn_queued(const lh_tcp_conn_t *c)
{
    return c->queued;
}

/* --- the public write calls --- */

static int writable(const lh_tcp_conn_t *c)
{
    return c->state == LH__TC_OPEN || c->state == LH__TC_CLOSING;
}

static int queue(lh_tcp_conn_t *c, lh__tcp_out_t *o)
{
    if (!o || lh__tcp_conn_queue(c, o)) {
        if (o) {
            c->queued -= o->cost;
            free(o);
        }
        lh_tcp_conn_abort(c);
        return LH_ENOMEM;
    }
    if (!c->srv->raw && c->queued > c->srv->write_high) c->paused_out = 1;
    return 0;
}

int lh_tcp_conn_writev(lh_tcp_conn_t *c, const uv_buf_t *bufs, int n, lh_tcp_write_cb done,
                       void *arg)
{
    if (!writable(c)) return LH_EPROTO;
    return queue(c, lh__tcp_out_new(c, bufs, n, done, arg));
}

int lh_tcp_conn_write(lh_tcp_conn_t *c, const void *data, size_t len, lh_tcp_write_cb done,
                      void *arg)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    return lh_tcp_conn_writev(c, &b, 1, done, arg);
}

lh__tcp_out_t *lh__tcp_out_file(lh_tcp_conn_t *c, int fd, int64_t off, int64_t len,
                                lh_tcp_write_cb done, void *arg)
{
    lh__tcp_out_t *o = malloc(sizeof *o);
    if (o) {
        *o = (lh__tcp_out_t){
            .fd = fd, .off = off, .len = len, .cost = (size_t)len, .done = done, .arg = arg};
        c->queued += (size_t)len;
    }
    return o;
}

int lh_tcp_conn_sendfile(lh_tcp_conn_t *c, int fd, int64_t off, int64_t len, lh_tcp_write_cb done,
                         void *arg)
{
    if (fd < 0 || off < 0 || len < 0) return LH_EINVAL;
    if (!writable(c)) return LH_EPROTO;
    return queue(c, lh__tcp_out_file(c, fd, off, len, done, arg));
}

/* --- writing memory --- */

static void after_write(lh_tcp_conn_t *c)
{
    lh__tcp_out_pump(c);
    if (lh_tcp_conn_write_idle(c) && c->srv->proto.on_drain && c->state == LH__TC_OPEN)
        c->srv->proto.on_drain(c, c->srv->ctx);
    lh__tcp_update(c);
}

static void on_written(uv_write_t *w, int status)
{
    lh_tcp_conn_t *c = (lh_tcp_conn_t *)((char *)w - offsetof(lh_tcp_conn_t, wreq));
    lh__tcp_out_t *list = c->fl;
    int live = c->state != LH__TC_CLOSED;
    c->fl = NULL;
    c->wbusy = 0;
    free(c->wbuf);
    c->wbuf = NULL;
    if (live && status == 0) lh__tcp_count(c, 0, c->wlen);
    for (lh__tcp_out_t *o = list, *next; o; o = next) {
        next = o->next;
        lh__tcp_out_finish(c, o, status == 0 && live);
    }
    if (!live) return;
    if (status < 0) {
        lh_tcp_conn_abort(c);
        return;
    }
    after_write(c);
}

/* Encrypts the batch; bufs becomes one buffer of ciphertext in c->wbuf. */
static int tls_seal(lh_tcp_conn_t *c, uv_buf_t *bufs, int *n)
{
    for (int i = 0; i < *n; i++)
        if (bufs[i].len && lh__tls_write(c->tls, bufs[i].base, bufs[i].len)) return LH_EIO;
    size_t len = lh__tls_pending(c->tls);
    c->wbuf = malloc(len ? len : 1);
    if (!c->wbuf) return LH_ENOMEM;
    bufs[0] = uv_buf_init(c->wbuf, (unsigned)lh__tls_take(c->tls, c->wbuf, len));
    c->wlen = bufs[0].len;
    *n = 1;
    return 0;
}

static void start_mem(lh_tcp_conn_t *c)
{
    uv_buf_t bufs[BATCH_BUFS];
    int n = 0, plain = c->qh->plain || !c->tls;
    size_t total = 0;
    lh__tcp_out_t **tail = &c->fl;
    while (c->qh && n < BATCH_BUFS && total < BATCH_BYTES && (c->qh->fd < 0 || !c->qh->len) &&
           (c->qh->plain || !c->tls) == plain) {
        lh__tcp_out_t *o = dequeue(c);
        *tail = o;
        tail = &o->next;
        if (o->dlen) bufs[n++] = uv_buf_init(o->data, (unsigned)o->dlen);
        total += o->dlen;
    }
    if (n == 0) bufs[n++] = uv_buf_init(NULL, 0);
    c->wbusy = 1;
    c->wlen = total;
    if ((!plain && tls_seal(c, bufs, &n)) ||
        uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs, (unsigned)n, on_written) != 0) {
        c->wbusy = 0;
        lh_tcp_conn_abort(c);
        return;
    }
    if (c->tls && !c->plain_queued && lh__tls_buffered(c->tls)) lh_tcp_conn_kick(c);
}

/* --- writing files --- */

struct lh__tcp_job {
    lh_tcp_conn_t *c;
    int sock, fd, err, tls, cancel;
    int buffered; /* plain: the socket was full, so the chunk was read into buf */
    int64_t off, len, done;
    char *buf;
};

static void pread_work(void *arg);

/* Worker: sendfile until the socket is full. A worker never waits for a slow
 * client: after partial progress it returns (the loop queues the next chunk);
 * when the socket is full from the start, it reads one chunk into memory and
 * the loop writes it with uv_write, which waits for the socket without
 * holding a thread. */
static void sendfile_work(void *arg)
{
    lh__tcp_job_t *j = arg;
    int64_t waited = 0; /* ms in poll */
    while (j->done < j->len && !__atomic_load_n(&j->cancel, __ATOMIC_RELAXED)) {
        off_t off = (off_t)(j->off + j->done);
        ssize_t n = sendfile(j->sock, j->fd, &off, (size_t)(j->len - j->done));
        if (n > 0) {
            j->done += n;
        } else if (n == 0) {
            j->err = EIO; /* the file is shorter than announced */
            return;
        } else if (errno == EAGAIN) {
            if (waited < SENDFILE_WAIT_MS) { /* the socket is full: wait for the peer */
                struct pollfd p = {.fd = j->sock, .events = POLLOUT};
                uint64_t t0 = uv_hrtime();
                int r = poll(&p, 1, (int)(SENDFILE_WAIT_MS - waited));
                waited += (int64_t)((uv_hrtime() - t0) / 1000000) + 1;
                if (r > 0 && !(p.revents & (POLLERR | POLLHUP | POLLNVAL))) continue;
            }
            if (j->done > 0) return;
            if (j->len > (int64_t)TLS_FILE_CHUNK) j->len = (int64_t)TLS_FILE_CHUNK;
            if (!(j->buf = malloc((size_t)j->len))) {
                j->err = ENOMEM;
                return;
            }
            j->buffered = 1;
            pread_work(j);
            return;
        } else if (errno != EINTR) {
            j->err = errno;
            return;
        }
    }
}

/* Worker: pread one chunk (TLS, or a plain socket that was full). */
static void pread_work(void *arg)
{
    lh__tcp_job_t *j = arg;
    while (j->done < j->len) {
        ssize_t n = pread(j->fd, j->buf + j->done, (size_t)(j->len - j->done), j->off + j->done);
        if (n > 0)
            j->done += n;
        else if (n == 0 || errno != EINTR) {
            j->err = n == 0 ? EIO : errno;
            return;
        }
    }
}

/* Loop: writes the chunk a job read into memory (TLS: encrypted first). */
static void write_chunk(lh_tcp_conn_t *c, lh__tcp_job_t *j)
{
    uv_buf_t b = uv_buf_init(j->buf, (unsigned)j->done);
    int n = 1;
    c->wbusy = 1;
    if (j->tls) {
        if (tls_seal(c, &b, &n)) goto fail;
    } else {
        c->wbuf = j->buf; /* on_written frees it and counts the bytes */
        c->wlen = (size_t)j->done;
        j->buf = NULL;
    }
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written) == 0) return;
fail:
    c->wbusy = 0;
    lh_tcp_conn_abort(c);
}

/* Loop: the job is back. Advances the head item and writes what was read. */
static void file_done(void *arg, int status)
{
    lh__tcp_job_t *j = arg;
    lh_tcp_conn_t *c = j->c;
    lh__tcp_out_t *o = c->qh;
    c->job = NULL;
    c->wbusy = 0;
    if (c->state == LH__TC_DEAD || status != 0 || j->err) {
        if (c->state != LH__TC_DEAD)
            lh_log(LH_LOG_INFO, NULL, "tcp %s: file send to %s failed: %s", c->srv->name, c->peer,
                   j->err ? strerror(j->err) : "cancelled");
        free(j->buf);
        free(j);
        lh__tcp_close_handles(c); /* also finishes an abort that waited for the job */
        return;
    }
    o->off += j->done;
    o->len -= j->done;
    if (o->len == 0) c->fl = dequeue(c); /* notified when the bytes are out */
    if (j->tls || j->buffered) {
        write_chunk(c, j);
    } else {
        lh__tcp_count(c, 0, (size_t)j->done);
        if (c->fl) {
            lh__tcp_out_t *f = c->fl;
            c->fl = NULL;
            lh__tcp_out_finish(c, f, 1);
        }
    }
    free(j->buf);
    free(j);
    if (c->state != LH__TC_CLOSED && !c->wbusy) after_write(c);
}

static void start_file(lh_tcp_conn_t *c)
{
    lh__tcp_out_t *o = c->qh;
    lh__tcp_job_t *j = calloc(1, sizeof *j);
    uv_os_fd_t sock = -1;
    if (!j) goto fail;
    uv_fileno((uv_handle_t *)&c->tcp, &sock);
    *j = (lh__tcp_job_t){
        .c = c, .sock = sock, .fd = o->fd, .off = o->off, .tls = c->tls && !o->plain};
    j->len = o->len < SENDFILE_CHUNK ? o->len : SENDFILE_CHUNK;
    if (j->tls) {
        j->len = o->len < (int64_t)TLS_FILE_CHUNK ? o->len : (int64_t)TLS_FILE_CHUNK;
        if (!(j->buf = malloc((size_t)j->len))) goto fail;
    }
    if (lh_work_submit(c->srv->loop, j->tls ? pread_work : sendfile_work, file_done, j)) goto fail;
    c->job = j;
    c->wbusy = 1;
    return;
fail:
    if (j) free(j->buf);
    free(j);
    lh_tcp_conn_abort(c);
}

void lh__tcp_job_cancel(lh_tcp_conn_t *c)
{
    if (c->job) __atomic_store_n(&c->job->cancel, 1, __ATOMIC_RELAXED);
}

void lh__tcp_out_pump(lh_tcp_conn_t *c)
{
    if (c->wbusy || !c->qh || (c->state != LH__TC_OPEN && c->state != LH__TC_CLOSING)) return;
    if (c->qh->fd >= 0 && c->qh->len > 0)
        start_file(c);
    else
        start_mem(c);
}

/* --- TLS output outside the queue (handshake, alerts) --- */

typedef struct {
    uv_write_t w;
    lh_tcp_conn_t *c;
    char data[];
} ctl_write_t;

static void on_ctl_written(uv_write_t *w, int status)
{
    ctl_write_t *cw = (ctl_write_t *)w;
    lh_tcp_conn_t *c = cw->c;
    if (status < 0 && (c->state == LH__TC_OPEN || c->state == LH__TC_CLOSING)) lh_tcp_conn_abort(c);
    free(cw);
}

void lh__tcp_tls_flush(lh_tcp_conn_t *c)
{
    size_t n = lh__tls_pending(c->tls);
    if (!n || c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) return;
    ctl_write_t *cw = malloc(sizeof *cw + n);
    if (!cw) {
        lh_tcp_conn_abort(c);
        return;
    }
    cw->c = c;
    n = lh__tls_take(c->tls, cw->data, n);
    uv_buf_t b = uv_buf_init(cw->data, (unsigned)n);
    lh__tcp_count(c, 0, n);
    if (uv_write(&cw->w, (uv_stream_t *)&c->tcp, &b, 1, on_ctl_written) != 0) {
        free(cw);
        lh_tcp_conn_abort(c);
    }
}
