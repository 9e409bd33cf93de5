/* The worker hand-off every operation uses and the reply: blocking work runs
 * on the pool (lh__s3_submit), then the prepared response (status, headers,
 * a body in memory or a file) is sent from the loop (lh__s3_send). A request
 * whose connection went away while its worker ran is freed here. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "store/s3_int.h"

typedef struct {
    s3_req_t *r;
    s3_work_fn work, done;
} job_t;

static void job_run(void *arg)
{
    job_t *j = arg;
    j->work(j->r);
}

static void job_done(void *arg, int status)
{
    job_t *j = arg;
    s3_req_t *r = j->r;
    s3_work_fn done = j->done;
    free(j);
    lh__s3_resume(r, status, done);
}

void lh__s3_resume(s3_req_t *r, int status, s3_work_fn done)
{
    r->work_pending = 0;
    if (!r->http) { /* the connection went away meanwhile */
        lh__s3_req_free(r);
        return;
    }
    if (status != 0) lh__s3_error(r, "InternalError", "server is shutting down");
    if (done && status == 0)
        done(r);
    else
        lh__s3_send(r);
}

void lh__s3_submit(s3_req_t *r, s3_work_fn work, s3_work_fn done)
{
    job_t *j = malloc(sizeof *j);
    if (j) {
        j->r = r;
        j->work = work;
        j->done = done;
        r->work_pending = 1;
        if (lh_work_submit(r->s3->loop, job_run, job_done, j) == 0) return;
        free(j);
    }
    r->work_pending = 0;
    lh__s3_error(r, "InternalError", "cannot schedule work");
    lh__s3_send(r);
}

static void file_sent(lh_http_req_t *h, int ok, void *arg)
{
    s3_req_t *r = arg;
    (void)ok;
    if (r->resp_fd >= 0) {
        close(r->resp_fd);
        r->resp_fd = -1;
    }
    lh_http_finish(h);
}

static int later_header(const char *p, const char *end, const char *name)
{
    while (p < end) {
        const char *v = p + strlen(p) + 1;
        if (!strcasecmp(p, name)) return 1;
        p = v + strlen(v) + 1;
    }
    return 0;
}

void lh__s3_send(s3_req_t *r)
{
    lh_http_req_t *h = r->http;
    if (!h) return;
    /* the one check of the reply buffers: a failed append left a hole */
    int lost = lh_buf_err(&r->resp_body) ? lh_buf_err(&r->resp_body) : lh_buf_err(&r->resp_hdrs);
    if (lost) {
        lh_log(LH_LOG_ERROR, r->reqid, "%s reply lost: %s", r->op->name, lh_strerror(lost));
        lh__s3_error(r, "InternalError", NULL);
    }
    lh_http_set_header(h, "x-amz-request-id", r->reqid);
    lh_http_set_header(h, "x-amz-id-2", r->reqid);
    const char *p = r->resp_hdrs.ptr, *end = p + r->resp_hdrs.len;
    while (p && p < end) {
        const char *v = p + strlen(p) + 1, *next = v + strlen(v) + 1;
        if (!later_header(next, end, p)) /* the last one set wins (response-* overrides) */
            lh_http_set_header(h, p, v);
        p = next;
    }
    if (r->status == 0) r->status = 200;
    if (r->failed && !r->body_done && r->op->body) lh_http_close_after(h);
    if (r->resp_fd >= 0 && !r->failed) {
        r->bytes_out += h->is_head ? 0 : r->resp_len;
        lh_http_start(h, r->status, r->resp_len);
        if (h->is_head || r->resp_len == 0)
            file_sent(h, 1, r);
        else
            lh_http_sendfile(h, r->resp_fd, r->resp_off, r->resp_len, file_sent, r);
        return;
    }
    r->bytes_out += h->is_head ? 0 : (int64_t)r->resp_body.len;
    if (r->status == 304 || r->status == 204 || (h->is_head && r->failed))
        lh_http_respond(h, r->status, NULL, 0);
    else
        lh_http_respond(h, r->status, r->resp_body.ptr, r->resp_body.len);
}
