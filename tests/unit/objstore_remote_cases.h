/* Remote-only cases added for the table layer (issue 7), included by
 * objstore_test.c after its canned-server helpers (HAVE_REMOTE only):
 *   s3/parallel_ranged_gets     many threads reading ranges through one
 *                               handle against our server, every byte checked;
 *   s3/requests_run_in_parallel a canned server that answers only once two
 *                               requests are in flight on two connections at
 *                               once (the old back end serialised them);
 *   s3/suffix_when_range_ignored, s3/delete_many_names_failed_key,
 *   s3/copy_error_inside_200    replies our server never gives. */
#ifndef LH_OBJSTORE_REMOTE_CASES_H
#define LH_OBJSTORE_REMOTE_CASES_H

#include <poll.h>
#include <pthread.h>

#define PAR_SIZE (4 << 20)
#define PAR_THREADS 12 /* more than LH_OBJSTORE_S3_CONNS: some wait for a connection */
#define PAR_READS 24

typedef struct par_arg {
    lh_objstore_t *os;
    const char *bucket;
    const char *data;
    int id;
    int bad;   /* reads whose bytes or meta were wrong */
    int fails; /* reads that failed */
    char msg[256];
} par_arg_t;

static void *par_reader(void *p)
{
    par_arg_t *a = p;
    uint32_t x = (uint32_t)a->id * 2654435761u + 7;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int i = 0; i < PAR_READS; i++) {
        x = x * 1103515245u + 12345u;
        int64_t len = 1 + (int64_t)(x % (256 << 10));
        x = x * 1103515245u + 12345u;
        int64_t off = (int64_t)(x % (uint32_t)(PAR_SIZE - len));
        int suffix = i % 6 == 5; /* now and then a footer read */
        lh_objstore_meta_t m;
        lh_err_t err = {0};
        lh_buf_reset(&b);
        int rc = suffix ? lh_objstore_get_buf(a->os, a->bucket, "big", -len, -1, &b, &m, &err)
                        : lh_objstore_get_buf(a->os, a->bucket, "big", off, len, &b, &m, &err);
        if (suffix) off = PAR_SIZE - len;
        if (rc) {
            a->fails++;
            snprintf(a->msg, sizeof a->msg, "%.200s", err.msg);
        } else if ((int64_t)b.len != len || memcmp(b.ptr, a->data + off, (size_t)len) != 0 ||
                   m.size != PAR_SIZE) {
            a->bad++;
        }
    }
    lh_buf_free(&b);
    return NULL;
}

static void par_run(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char *d = pattern(PAR_SIZE, 21);
    CHECK(d);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "big", d, PAR_SIZE, NULL, NULL, &err), 0);
    par_arg_t args[PAR_THREADS];
    pthread_t th[PAR_THREADS];
    for (int i = 0; i < PAR_THREADS; i++) {
        args[i] = (par_arg_t){.os = os, .bucket = bk, .data = d, .id = i};
        CHECK_EQ_INT(pthread_create(&th[i], NULL, par_reader, &args[i]), 0);
    }
    int bad = 0, fails = 0;
    for (int i = 0; i < PAR_THREADS; i++) {
        pthread_join(th[i], NULL);
        bad += args[i].bad;
        fails += args[i].fails;
        if (args[i].fails) fprintf(stderr, "  thread %d: %s\n", i, args[i].msg);
    }
    CHECK_EQ_INT(fails, 0);
    CHECK_EQ_INT(bad, 0);
    /* the handle still works, one call at a time */
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_head(os, bk, "big", &m, &err), 0);
    CHECK_EQ_INT(m.size, PAR_SIZE);
    free(d);
}

static void s3_parallel_ranged_gets(void)
{
    run_remote_named(par_run, "parallel");
}

/* The canned server for requests_run_in_parallel: accepts two connections
 * and reads one request from each; only when both are in (or after 20 s)
 * does it answer them: 200 "both" when they overlapped, else 400. */
static int read_head(int c)
{
    char buf[8192];
    size_t have = 0;
    while (!memmem(buf, have, "\r\n\r\n", 4)) {
        struct pollfd p = {.fd = c, .events = POLLIN};
        if (have == sizeof buf || poll(&p, 1, 20000) <= 0) return -1;
        ssize_t r = read(c, buf + have, sizeof buf - have);
        if (r <= 0) return -1;
        have += (size_t)r;
    }
    return 0;
}

static void pair_serve(int ls)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nboth";
    static const char lone[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    int c[2] = {-1, -1}, got = 0;
    for (int i = 0; i < 2; i++) {
        struct pollfd p = {.fd = ls, .events = POLLIN};
        if (poll(&p, 1, 20000) <= 0) break;
        c[i] = accept(ls, NULL, NULL);
        if (c[i] < 0 || read_head(c[i]) != 0) break;
        got++;
    }
    for (int i = 0; i < 2; i++)
        if (c[i] >= 0 && write(c[i], got == 2 ? ok : lone, strlen(got == 2 ? ok : lone)) < 0)
            _exit(1);
    sleep(1);
    _exit(0);
}

typedef struct pair_arg {
    lh_objstore_t *os;
    int rc;
    char body[8];
} pair_arg_t;

static void *pair_get(void *p)
{
    pair_arg_t *a = p;
    lh_buf_t b;
    lh_buf_init(&b, 64);
    lh_err_t err = {0};
    a->rc = lh_objstore_get_buf(a->os, "b", "k", 0, -1, &b, NULL, &err);
    if (a->rc == 0) snprintf(a->body, sizeof a->body, "%.*s", (int)b.len, b.ptr);
    lh_buf_free(&b);
    return NULL;
}

static void s3_requests_run_in_parallel(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0 && listen(ls, 8) == 0 &&
          getsockname(ls, (struct sockaddr *)&a, &al) == 0);
    pid_t pid = fork();
    if (pid == 0) pair_serve(ls);
    close(ls);
    CHECK(pid > 0);
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", ntohs(a.sin_port));
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(open_s3(&os, ep, NULL, "ak", "sk", 1, &err), 0);
    pair_arg_t args[2] = {{.os = os}, {.os = os}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, pair_get, &args[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    lh_objstore_close(os);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(args[i].rc, 0);
        CHECK_EQ_STR(args[i].body, "both");
    }
}

static void s3_suffix_when_range_ignored(void)
{
    /* a server that ignores Range: the back end keeps the tail itself; with
     * no Content-Length it cannot tell where the tail starts; a server that
     * answers a suffix of an empty object with 416 (AWS gives 200) is read
     * as the empty object it is, its meta from a HEAD */
    const char *replies[4] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nETag: \"e\"\r\n\r\n0123456789",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n0\r\n\r\n",
        "HTTP/1.1 416 Requested Range Not Satisfiable\r\nContent-Range: bytes */0\r\n"
        "Content-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: "
        "\"d41d8cd98f00b204e9800998ecf8427e\"\r\n\r\n"};
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, 4), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_objstore_meta_t m;
    int rc1 = lh_objstore_get_buf(os, "b", "k", -4, -1, &b, &m, &err);
    char got[16];
    snprintf(got, sizeof got, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
    lh_buf_reset(&b);
    int rc2 = lh_objstore_get_buf(os, "b", "k", -4, -1, &b, NULL, &err);
    lh_err_t err2 = {0};
    lh_buf_reset(&b);
    lh_objstore_meta_t m3;
    int rc3 = lh_objstore_get_buf(os, "b", "k", -4, -1, &b, &m3, &err2);
    size_t len3 = b.len;
    lh_objstore_close(os);
    lh_buf_free(&b);
    char *log = canned_stop(&cs);
    CHECK(strstr(log, "HEAD /b/k "));
    free(log);
    CHECK_EQ_INT(rc1, 0);
    CHECK_EQ_STR(got, "6789");
    CHECK_EQ_INT(m.size, 10);
    CHECK_EQ_INT(rc2, LH_EPROTO);
    CHECK(strstr(err.msg, "suffix range"));
    CHECK_EQ_INT(rc3, 0);
    CHECK_EQ_INT(len3, 0);
    CHECK_EQ_INT(m3.size, 0);
    CHECK_EQ_STR(m3.etag, "d41d8cd98f00b204e9800998ecf8427e");
}

static void s3_delete_many_names_failed_key(void)
{
    static const char ok_body[] = "<?xml version=\"1.0\"?>\n<DeleteResult><Deleted><Key>a</Key>"
                                  "</Deleted></DeleteResult>";
    static const char bad_body[] = "<?xml version=\"1.0\"?>\n<DeleteResult><Error><Key>b/2 &amp; "
                                   "c</Key><Code>AccessDenied</Code><Message>Access Denied"
                                   "</Message></Error></DeleteResult>";
    char r1[512], r2[512];
    snprintf(r1, sizeof r1, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(ok_body),
             ok_body);
    snprintf(r2, sizeof r2, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(bad_body),
             bad_body);
    const char *replies[2] = {r1, r2};
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, 2), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    const char *keys[2] = {"a", "b/2 & c"};
    int rc1 = lh_objstore_delete_many(os, "b", keys, 2, &err);
    int rc2 = lh_objstore_delete_many(os, "b", keys, 2, &err);
    lh_objstore_close(os);
    char *log = canned_stop(&cs);
    CHECK_EQ_INT(rc1, 0);
    CHECK_EQ_INT(rc2, LH_EPERM);
    CHECK(strstr(err.msg, "b/2 & c"));
    CHECK(strstr(err.msg, "AccessDenied"));
    CHECK(strstr(log, "POST /b?delete= "));
    free(log);
}

static int copy_call(lh_objstore_t *os, lh_err_t *err)
{
    return lh_objstore_copy(os, "b", "s/a b", "c", "d", NULL, err);
}

static void s3_copy_error_inside_200(void)
{
    error_inside_200(copy_call, "InternalError: try again", "PUT /c/d ");
}

#define REMOTE_CASES_ADDED                                                                         \
    {"s3/parallel_ranged_gets", s3_parallel_ranged_gets},                                          \
        {"s3/requests_run_in_parallel", s3_requests_run_in_parallel},                              \
        {"s3/suffix_when_range_ignored", s3_suffix_when_range_ignored},                            \
        {"s3/delete_many_names_failed_key", s3_delete_many_names_failed_key},                      \
        {"s3/copy_error_inside_200", s3_copy_error_inside_200},

#endif
