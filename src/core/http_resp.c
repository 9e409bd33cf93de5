/* HTTP responses: the status line and headers, Content-Length or chunked
 * framing, and the per-connection output queue. Memory pieces are batched
 * into one uv_write (encrypted first on TLS); file ranges go out with
 * sendfile(2) on a worker thread on plain connections, or are pread on a
 * worker and encrypted on the loop with TLS. Exactly one write or file job
 * is in flight per connection, which keeps the bytes in order. */
#include "core/http_int.h"
#include "core/log.h"
#include "core/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

#define BATCH_BUFS 16
#define BATCH_BYTES ((size_t)1 << 20)
#define SENDFILE_CHUNK ((int64_t)16 << 20)
#define TLS_FILE_CHUNK ((size_t)256 << 10)

static const struct {
    int code;
    const char *text;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *lh__http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == status) return reasons[i].text;
    return "Unknown";
}

/* --- the queue --- */

static void enqueue(lh__http_conn_t *c, lh__http_out_t *o)
{
    if (c->qt)
        c->qt->next = o;
    else
        c->qh = o;
    c->qt = o;
}

static lh__http_out_t *dequeue(lh__http_conn_t *c)
{
    lh__http_out_t *o = c->qh;
    c->qh = o->next;
    if (!c->qh) c->qt = NULL;
    o->next = NULL;
    return o;
}

static void notify_free(lh__http_out_t *o, int ok)
{
    if (o->req && o->done) o->done(&o->req->pub, ok, o->arg);
    free(o->data);
    free(o);
}

int lh__http_out_idle(const lh__http_conn_t *c)
{
    return !c->qh && !c->fl && !c->busy;
}

void lh__http_out_abort(lh__http_conn_t *c)
{
    for (lh__http_out_t *o = c->fl; o; o = o->next) { /* freed by the write callback */
        if (o->req && o->done) o->done(&o->req->pub, 0, o->arg);
        o->req = NULL;
    }
    while (c->qh)
        notify_free(dequeue(c), 0);
}

/* Queues bytes (copied) with an optional prefix and suffix (chunk framing). */
static int queue_mem(lh__http_conn_t *c, lh__http_ireq_t *r, const char *pre, const void *data,
                     size_t len, const char *suf, void (*done)(lh_http_req_t *, int, void *),
                     void *arg)
{
    size_t pl = pre ? strlen(pre) : 0, sl = suf ? strlen(suf) : 0;
    lh__http_out_t *o = calloc(1, sizeof *o);
    char *d = pl + len + sl ? malloc(pl + len + sl) : NULL;
    if (!o || (pl + len + sl && !d)) {
        free(o);
        free(d);
        lh__http_fail(c);
        return LH_ENOMEM;
    }
    if (pl) memcpy(d, pre, pl);
    if (len) memcpy(d + pl, data, len);
    if (sl) memcpy(d + pl + len, suf, sl);
    *o = (lh__http_out_t){
        .fd = -1, .data = d, .dlen = pl + len + sl, .done = done, .arg = arg, .req = r};
    enqueue(c, o);
    return 0;
}

/* --- writing memory --- */

static void on_written(uv_write_t *w, int status)
{
    lh__http_conn_t *c = (lh__http_conn_t *)((char *)w - offsetof(lh__http_conn_t, wreq));
    lh__http_out_t *list = c->fl;
    c->fl = NULL;
    c->busy = 0;
    free(c->wbuf);
    c->wbuf = NULL;
    if (c->state != LH__CS_CLOSED && status == 0) lh__http_count_sent(c, c->wlen);
    for (lh__http_out_t *o = list, *next; o; o = next) {
        next = o->next;
        notify_free(o, status == 0 && c->state != LH__CS_CLOSED);
    }
    if (c->state == LH__CS_CLOSED) return;
    if (status < 0) {
        lh__http_fail(c);
        return;
    }
    lh__http_out_pump(c);
    lh__http_drive(c);
}

/* Encrypts the batch; bufs becomes one buffer of ciphertext in c->wbuf. */
static int tls_seal(lh__http_conn_t *c, uv_buf_t *bufs, int *n)
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

static void start_mem(lh__http_conn_t *c)
{
    uv_buf_t bufs[BATCH_BUFS];
    int n = 0;
    size_t total = 0;
    lh__http_out_t **tail = &c->fl;
    while (c->qh && n < BATCH_BUFS && total < BATCH_BYTES && (c->qh->fd < 0 || !c->qh->len)) {
        lh__http_out_t *o = dequeue(c);
        *tail = o;
        tail = &o->next;
        if (o->dlen) bufs[n++] = uv_buf_init(o->data, (unsigned)o->dlen);
        total += o->dlen;
    }
    if (n == 0) bufs[n++] = uv_buf_init(NULL, 0);
    c->busy = 1;
    c->wlen = total;
    if ((c->tls && tls_seal(c, bufs, &n)) ||
        uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs, (unsigned)n, on_written) != 0) {
        c->busy = 0;
        lh__http_fail(c);
    }
}

/* --- writing files --- */

struct lh__http_job {
    lh__http_conn_t *c;
    int sock, fd, err, tls, cancel;
    int buffered; /* plain: the socket was full, so the chunk was read into buf */
    int64_t off, len, done;
    int timeout_ms;
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
    lh__http_job_t *j = arg;
    while (j->done < j->len && !__atomic_load_n(&j->cancel, __ATOMIC_RELAXED)) {
        off_t off = (off_t)(j->off + j->done);
        ssize_t n = sendfile(j->sock, j->fd, &off, (size_t)(j->len - j->done));
        if (n > 0) {
            j->done += n;
        } else if (n == 0) {
            j->err = EIO; /* the file is shorter than announced */
            return;
        } else if (errno == EAGAIN) {
            if (j->done > 0)
                return;
            if (j->len > (int64_t)TLS_FILE_CHUNK)
                j->len = (int64_t)TLS_FILE_CHUNK;
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
    lh__http_job_t *j = arg;
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

/* Loop: the job is back. Advances the head item; on TLS writes the chunk. */
static void file_done(void *arg, int status)
{
    lh__http_job_t *j = arg;
    lh__http_conn_t *c = j->c;
    lh__http_out_t *o = c->qh;
    c->job = NULL;
    c->busy = 0;
    int bad = status != 0 || j->err || c->failed;
    if (!bad) {
        o->off += j->done;
        o->len -= j->done;
        if (o->len == 0) c->fl = dequeue(c); /* notified when the bytes are out */
    }
    if (bad) {
        lh_log(LH_LOG_INFO, o->req ? o->req->pub.request_id : NULL, "http: file send failed: %s",
               j->err ? strerror(j->err) : "aborted");
        free(j->buf);
        free(j);
        lh__http_fail(c);
        return;
    }
    if (j->tls) {
        uv_buf_t b = uv_buf_init(j->buf, (unsigned)j->done);
        int n = 1;
        c->busy = 1;
        if (tls_seal(c, &b, &n) ||
            uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
            c->busy = 0;
            lh__http_fail(c);
        }
    } else if (j->buffered) { /* on_written frees the buffer and counts the bytes */
        uv_buf_t b = uv_buf_init(j->buf, (unsigned)j->done);
        c->wbuf = j->buf;
        c->wlen = (size_t)j->done;
        j->buf = NULL;
        c->busy = 1;
        if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
            c->busy = 0;
            lh__http_fail(c);
        }
        lh__http_drive(c);
    } else {
        lh__http_count_sent(c, (size_t)j->done);
        if (c->fl) {
            lh__http_out_t *f = c->fl;
            c->fl = NULL;
            notify_free(f, 1);
        }
        lh__http_out_pump(c);
        lh__http_drive(c);
    }
    free(j->buf);
    free(j);
}

static void start_file(lh__http_conn_t *c)
{
    lh__http_out_t *o = c->qh;
    lh__http_job_t *j = calloc(1, sizeof *j);
    uv_os_fd_t sock = -1;
    if (!j) goto fail;
    uv_fileno((uv_handle_t *)&c->tcp, &sock);
    *j = (lh__http_job_t){.c = c,
                          .sock = sock,
                          .fd = o->fd,
                          .off = o->off,
                          .tls = c->tls != NULL,
                          .timeout_ms = c->srv->idle_ms};
    j->len = o->len < SENDFILE_CHUNK ? o->len : SENDFILE_CHUNK;
    if (j->tls) {
        j->len = o->len < (int64_t)TLS_FILE_CHUNK ? o->len : (int64_t)TLS_FILE_CHUNK;
        if (!(j->buf = malloc((size_t)j->len))) goto fail;
    }
    if (lh_work_submit(c->srv->loop, j->tls ? pread_work : sendfile_work, file_done, j)) goto fail;
    c->job = j;
    c->busy = 1;
    return;
fail:
    if (j) free(j->buf);
    free(j);
    lh__http_fail(c);
}

void lh__http_job_cancel(lh__http_conn_t *c)
{
    if (c->job) __atomic_store_n(&c->job->cancel, 1, __ATOMIC_RELAXED);
}

void lh__http_out_pump(lh__http_conn_t *c)
{
    if (c->busy || !c->qh || c->failed || c->state == LH__CS_CLOSED) return;
    if (c->qh->fd >= 0 && c->qh->len > 0)
        start_file(c);
    else
        start_mem(c);
}

/* --- building responses --- */

void lh_http_set_header(lh_http_req_t *req, const char *name, const char *value)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    if (r->resp != LH__RS_NONE || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        lh_log(LH_LOG_WARN, req->request_id, "http: header %s ignored (bad or too late)", name);
        return;
    }
    lh__http_rhdr_t *h = lh_arena_alloc(req->arena, sizeof *h);
    if (!h || !(h->name = lh_arena_strdup(req->arena, name)) ||
        !(h->value = lh_arena_strdup(req->arena, value)))
        return;
    h->next = NULL;
    if (r->rh_tail)
        r->rh_tail->next = h;
    else
        r->rh = h;
    r->rh_tail = h;
}

static int is_framing(const char *name)
{
    return !strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding") ||
           !strcasecmp(name, "connection");
}

static int has_header(const lh__http_ireq_t *r, const char *name)
{
    for (const lh__http_rhdr_t *h = r->rh; h; h = h->next)
        if (!strcasecmp(h->name, name)) return 1;
    return 0;
}

int lh__http_discardable(const lh__http_conn_t *c)
{
    const lh__http_ireq_t *r = c->req;
    if (c->p.phase != LH__HP_BODY) return 1;
    if (r->pub.expect_continue && !r->continue_sent) return 0;
    return c->p.chunked || c->p.left <= LH__HTTP_DISCARD;
}

/* Decides keep-alive before the headers go out. */
static int must_close(const lh__http_conn_t *c, const lh__http_ireq_t *r, int64_t clen)
{
    if (r->close || !c->p.keep_alive || c->srv->stopping || c->peer_eof) return 1;
    if (clen < 0 && !r->no_body && r->pub.version_minor == 0)
        return 1; /* HTTP/1.0 without a length: the close ends the body */
    return r->body != LH__BS_READING && !lh__http_discardable(c);
}

static void head_fields(lh_buf_t *b, const lh__http_ireq_t *r, int status, int64_t clen)
{
    char date[40];
    for (const lh__http_rhdr_t *h = r->rh; h; h = h->next)
        if (!is_framing(h->name)) lh_buf_printf(b, "%s: %s\r\n", h->name, h->value);
    if (!has_header(r, "date")) {
        lh_http_date((int64_t)time(NULL), date, sizeof date);
        lh_buf_printf(b, "Date: %s\r\n", date);
    }
    if (!has_header(r, "server")) lh_buf_puts(b, "Server: lakehouse\r\n");
    if (status == 204 || status == 304 || status < 200)
        ;
    else if (clen >= 0)
        lh_buf_printf(b, "Content-Length: %lld\r\n", (long long)clen);
    else if (r->chunked_out || (r->pub.is_head && r->pub.version_minor == 1))
        lh_buf_puts(b, "Transfer-Encoding: chunked\r\n");
    if (r->close)
        lh_buf_puts(b, "Connection: close\r\n");
    else if (r->pub.version_minor == 0)
        lh_buf_puts(b, "Connection: keep-alive\r\n");
}

void lh_http_start(lh_http_req_t *req, int status, int64_t content_length)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    lh__http_conn_t *c = r->c;
    if (r->resp != LH__RS_NONE) {
        lh_log(LH_LOG_ERROR, req->request_id, "http: response started twice");
        return;
    }
    r->resp = LH__RS_STARTED;
    r->no_body = req->is_head || status == 204 || status == 304 || status < 200;
    r->chunked_out = content_length < 0 && !r->no_body && req->version_minor == 1;
    r->out_left = content_length;
    r->close = must_close(c, r, content_length);
    lh_buf_t b;
    lh_buf_init(&b, (size_t)1 << 20);
    lh_buf_printf(&b, "HTTP/1.1 %d %s\r\n", status, lh__http_reason(status));
    head_fields(&b, r, status, content_length);
    if (lh_buf_puts(&b, "\r\n")) {
        lh_buf_free(&b);
        lh__http_fail(c);
        return;
    }
    size_t len;
    char *d = lh_buf_take(&b, &len);
    lh__http_out_t *o = calloc(1, sizeof *o);
    if (!o) {
        free(d);
        lh__http_fail(c);
        return;
    }
    *o = (lh__http_out_t){.fd = -1, .data = d, .dlen = len, .req = r};
    enqueue(c, o);
    lh__http_out_pump(c);
}

/* Clamps a write to the announced length. Returns the bytes to send. */
static int64_t clamp(lh__http_ireq_t *r, int64_t len)
{
    if (r->out_left >= 0 && len > r->out_left) {
        lh_log(LH_LOG_ERROR, r->pub.request_id, "http: write beyond content-length ignored");
        len = r->out_left;
    }
    if (r->out_left >= 0) r->out_left -= len;
    return len;
}

void lh_http_write(lh_http_req_t *req, const void *data, size_t len,
                   void (*done)(lh_http_req_t *, int, void *), void *arg)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    char pre[24];
    if (r->resp != LH__RS_STARTED) {
        lh_log(LH_LOG_ERROR, req->request_id, "http: write outside a started response");
        len = 0;
    }
    len = r->no_body ? 0 : (size_t)clamp(r, (int64_t)len);
    int framed = r->chunked_out && len;
    snprintf(pre, sizeof pre, "%zx\r\n", len);
    if (queue_mem(r->c, r, framed ? pre : NULL, data, len, framed ? "\r\n" : NULL, done, arg) == 0)
        lh__http_out_pump(r->c);
}

void lh_http_sendfile(lh_http_req_t *req, int fd, int64_t off, int64_t len,
                      void (*done)(lh_http_req_t *, int, void *), void *arg)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    char pre[24];
    if (r->resp != LH__RS_STARTED || r->no_body || len <= 0 || fd < 0 || off < 0) {
        lh_http_write(req, NULL, 0, done, arg);
        return;
    }
    len = clamp(r, len);
    if (r->chunked_out && len) {
        snprintf(pre, sizeof pre, "%llx\r\n", (unsigned long long)len);
        if (queue_mem(r->c, r, pre, NULL, 0, NULL, NULL, NULL)) return;
    }
    lh__http_out_t *o = calloc(1, sizeof *o);
    if (!o) {
        lh__http_fail(r->c);
        return;
    }
    *o = (lh__http_out_t){.fd = fd, .off = off, .len = len, .done = done, .arg = arg, .req = r};
    enqueue(r->c, o);
    if (r->chunked_out && len) queue_mem(r->c, r, "\r\n", NULL, 0, NULL, NULL, NULL);
    lh__http_out_pump(r->c);
}

void lh_http_finish(lh_http_req_t *req)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    if (r->resp != LH__RS_STARTED) return;
    r->resp = LH__RS_FINISHED;
    if (r->chunked_out && queue_mem(r->c, r, "0\r\n\r\n", NULL, 0, NULL, NULL, NULL)) return;
    if (r->out_left > 0 && !r->no_body) {
        lh_log(LH_LOG_ERROR, req->request_id, "http: response shorter than content-length");
        r->close = 1;
    }
    lh__http_out_pump(r->c);
    if (lh__http_out_idle(r->c)) lh__http_kick(r->c); /* otherwise the write completion drives */
}

void lh_http_respond(lh_http_req_t *req, int status, const char *body, size_t len)
{
    lh_http_start(req, status, (int64_t)len);
    if (len) lh_http_write(req, body, len, NULL, NULL);
    lh_http_finish(req);
}

void lh_http_close_after(lh_http_req_t *req)
{
    ((lh__http_ireq_t *)req)->close = 1;
}

void lh__http_send_error(lh__http_conn_t *c, int status)
{
    char date[40], head[256];
    lh_http_date((int64_t)time(NULL), date, sizeof date);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: lakehouse\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n",
                     status, lh__http_reason(status), date);
    if (queue_mem(c, NULL, NULL, head, (size_t)n, NULL, NULL, NULL) == 0) lh__http_out_pump(c);
}
