/* An S3 request on the loop thread: its facts copied off the HTTP request
 * (lower-cased headers, decoded query) so workers never touch connection
 * memory, the accessors every handler uses, addressing (path style or
 * virtual host), the choice of its row in an operation table, and freeing it
 * with all it holds. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/url.h"
#include "store/s3_int.h"

const char *lh__s3_hdr(const s3_req_t *r, const char *lname)
{
    for (size_t i = 0; i < r->nhdr; i++)
        if (!strcmp(r->hdr[2 * i], lname)) return r->hdr[2 * i + 1];
    return NULL;
}

const char *lh__s3_query(const s3_req_t *r, const char *name)
{
    for (size_t i = 0; i < r->nqry; i++)
        if (!strcmp(r->qry[2 * i], name)) return r->qry[2 * i + 1];
    return NULL;
}

int lh__s3_has_query(const s3_req_t *r, const char *name)
{
    return lh__s3_query(r, name) != NULL;
}

void lh__s3_set_hdr(s3_req_t *r, const char *name, const char *value)
{
    lh_buf_append(&r->resp_hdrs, name, strlen(name) + 1);
    lh_buf_append(&r->resp_hdrs, value, strlen(value) + 1);
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

int lh__s3_req_copy(s3_req_t *r, lh_http_req_t *h)
{
    r->hdr = calloc(2 * h->nheaders + 1, sizeof(char *));
    if (!r->hdr) return LH_ENOMEM;
    for (size_t i = 0; i < h->nheaders; i++) {
        char *n = dupn(h->headers[i].name.ptr, h->headers[i].name.len);
        char *v = dupn(h->headers[i].value.ptr, h->headers[i].value.len);
        if (!n || !v) {
            free(n);
            free(v);
            return LH_ENOMEM;
        }
        for (char *p = n; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        r->hdr[2 * r->nhdr] = n;
        r->hdr[2 * r->nhdr + 1] = v;
        r->nhdr++;
    }
    size_t cnt = 1;
    for (size_t i = 0; i < h->query.len; i++)
        cnt += h->query.ptr[i] == '&';
    r->qry = calloc(2 * cnt + 1, sizeof(char *));
    if (!r->qry) return LH_ENOMEM;
    lh_url_query_t q;
    lh_url_query_init(&q, h->query);
    while (lh_url_query_next(&q)) {
        char *dn, *dv;
        if (lh_url_query_decoded(&q, h->arena, LH_URL_STRICT | LH_URL_NO_NUL, &dn, &dv))
            return LH_EINVAL;
        r->qry[2 * r->nqry] = strdup(dn);
        r->qry[2 * r->nqry + 1] = strdup(dv);
        if (!r->qry[2 * r->nqry] || !r->qry[2 * r->nqry + 1]) return LH_ENOMEM;
        r->nqry++;
    }
    return 0;
}

/* The streamed upload's writer, decoder and digests (s3_put.c). */
static void put_free(s3_put_t *p)
{
    if (p->w) {
        lh_store_put_abort(p->w);
        p->w = NULL;
    }
    if (p->chunked) {
        lh_awschunked_free(p->chunked);
        p->chunked = NULL;
    }
    lh_cksum_free(&p->md5);
    lh_cksum_free(&p->sha256);
    lh_cksum_free(&p->ck);
}

void lh__s3_req_free(s3_req_t *r)
{
    put_free(&r->put);
    for (size_t i = 0; i < 2 * r->nhdr; i++)
        free(r->hdr[i]);
    for (size_t i = 0; i < 2 * r->nqry; i++)
        free(r->qry[i]);
    free(r->hdr);
    free(r->qry);
    free(r->key);
    free(r->resource);
    lh_buf_free(&r->body);
    lh_buf_free(&r->resp_hdrs);
    lh_buf_free(&r->resp_body);
    if (r->resp_fd >= 0) close(r->resp_fd);
    free(r);
}

/* 1 when the query names a sub-resource, not just authentication parameters
 * (presigned V4/V2) or the SDKs' operation hint x-id. */
static int has_subresource(const s3_req_t *r)
{
    for (size_t i = 0; i < r->nqry; i++) {
        const char *n = r->qry[2 * i];
        if (strncasecmp(n, "X-Amz-", 6) && strcmp(n, "AWSAccessKeyId") && strcmp(n, "Signature") &&
            strcmp(n, "Expires") && strcmp(n, "x-id"))
            return 1;
    }
    return 0;
}

/* 1 when spec holds: "name" is in the query, or "name=value" is with that
 * decoded value. */
static int has_sub(const s3_req_t *r, const char *spec)
{
    const char *eq = strchr(spec, '=');
    char name[32];
    if (!eq) return lh__s3_has_query(r, spec);
    snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
    const char *v = lh__s3_query(r, name);
    return v && !strcmp(v, eq + 1);
}

static int has_any(const s3_req_t *r, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (lh__s3_has_query(r, names[i])) return 1;
    return 0;
}

static int op_matches(const s3_op_t *op, const s3_req_t *r, lh_str_t method, s3_target_t target)
{
    if (op->target != target || !lh_str_eq(method, op->method)) return 0;
    for (int i = 0; i < 2; i++)
        if (op->sub[i] && !has_sub(r, op->sub[i])) return 0;
    if (op->any && !has_any(r, op->any)) return 0;
    if (op->bare && has_subresource(r)) return 0;
    return !op->copy_source || lh__s3_hdr(r, "x-amz-copy-source") != NULL;
}

const s3_op_t *lh__s3_route(const s3_req_t *r, lh_str_t method, const s3_op_t *ops, size_t n)
{
    s3_target_t target = !r->bucket[0] ? S3_SERVICE : r->key ? S3_OBJECT : S3_BUCKET;
    for (size_t i = 0; i < n; i++)
        if (op_matches(&ops[i], r, method, target)) return &ops[i];
    return NULL;
}

int lh__s3_vhost_bucket(const s3_req_t *r, char *out, size_t cap)
{
    const char *host = lh__s3_hdr(r, "host");
    const char *dom = r->s3->domain;
    if (!host || !dom[0]) return 0;
    size_t hl = strcspn(host, ":"), dl = strlen(dom);
    if (host[0] == '[' || hl <= dl + 1 || host[hl - dl - 1] != '.' ||
        strncasecmp(host + hl - dl, dom, dl) != 0)
        return 0;
    size_t bl = hl - dl - 1;
    if (bl >= cap) return -1;
    for (size_t i = 0; i < bl; i++)
        out[i] = (char)tolower((unsigned char)host[i]);
    out[bl] = 0;
    return 1;
}

const char *lh__s3_address(s3_req_t *r, lh_http_req_t *h)
{
    char *path = lh_http_pct_decode(h->arena, h->path);
    if (!path) return "InvalidURI";
    if (path[0] != '/') return "InvalidURI";
    size_t plen = strlen(path);
    /* a key that is not UTF-8 would go raw into every listing's XML */
    if (!lh_utf8_valid(path, plen)) return "InvalidURI";
    for (size_t i = 0; i < 2 * r->nqry; i++)
        if (r->qry[i] && !lh_utf8_valid(r->qry[i], strlen(r->qry[i]))) return "InvalidURI";
    const char *keyp = NULL;
    int vh = lh__s3_vhost_bucket(r, r->bucket, sizeof r->bucket);
    if (vh < 0) return "InvalidBucketName";
    if (vh) {
        if (plen > 1) keyp = path + 1;
    } else if (plen > 1) {
        const char *slash = strchr(path + 1, '/');
        size_t bl = slash ? (size_t)(slash - path - 1) : plen - 1;
        if (bl >= sizeof r->bucket) return "InvalidBucketName";
        memcpy(r->bucket, path + 1, bl);
        r->bucket[bl] = 0;
        if (slash && slash[1]) keyp = slash + 1;
    }
    if (r->bucket[0] && !lh_s3_bucket_name_valid(r->bucket) &&
        !(lh_str_eq(h->method, "GET") || lh_str_eq(h->method, "HEAD") ||
          lh_str_eq(h->method, "DELETE")))
        return "InvalidBucketName";
    if (keyp) {
        r->key_len = strlen(keyp);
        if (r->key_len > LH_STORE_KEY_MAX) return "KeyTooLongError";
        r->key = dupn(keyp, r->key_len);
    }
    r->resource = malloc(plen + sizeof r->bucket + 2);
    if (r->resource)
        snprintf(r->resource, plen + sizeof r->bucket + 2, "/%s%s%.*s", r->bucket,
                 r->key ? "/" : "", (int)r->key_len, r->key ? r->key : "");
    return NULL;
}

int lh_s3_bucket_name_valid(const char *n)
{
    size_t len = strlen(n);
    int digits_dots = 1;
    if (len < 3 || len > 63) return 0;
    if (!isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[len - 1])) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '-'))
            return 0;
        if (c == '.' && (n[i + 1] == '.' || n[i + 1] == '-' || (i && n[i - 1] == '-'))) return 0;
        if (!isdigit((unsigned char)c) && c != '.') digits_dots = 0;
    }
    if (digits_dots) /* looks like an IP address */
        return 0;
    if (!strncmp(n, "xn--", 4) || (len > 8 && !strcmp(n + len - 8, "-s3alias"))) return 0;
    return 1;
}
