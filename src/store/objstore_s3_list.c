/* Listing for the remote S3 back end: ListObjectsV2 over as many pages as
 * it takes, prefixes and keys merged in key order, from StartAfter (first
 * page only; the continuation token carries on) up to max_keys entries (a
 * page asks for no more than are still wanted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/timefmt.h"
#include "core/url.h"
#include "store/objstore_s3_int.h"

#define LIST_PAGE 1000
#define LIST_SMALL_PAGE 250 /* fits xml.h's text limit even with 1024-byte keys */

typedef struct list_ctx {
    s3_t *s;
    const char *bucket, *prefix, *delimiter, *start_after;
    int (*fn)(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta);
    void *arg;
    int max_keys;          /* page size */
    int left, done;        /* entries still wanted (0 = all), all of them emitted */
    lh_buf_t query, token; /* token: the next page's, empty on the first */
    lh_arena_t *a;         /* the current page */
} list_ctx_t;

/* One entry of a page: a Contents or CommonPrefixes element. */
typedef struct list_cur {
    const lh_xml_node_t *n; /* NULL past the last one */
    const char *key;        /* decoded */
    lh_objstore_meta_t meta;
} list_cur_t;

/* Loads entry n (NULL = the end) into cur; url: keys are %-encoded. */
static int cur_load(list_cur_t *cur, const lh_xml_node_t *n, lh_arena_t *a, int url, lh_err_t *err)
{
    cur->n = n;
    if (!n) return 0;
    int is_prefix = strcmp(n->name, "CommonPrefixes") == 0;
    const lh_xml_node_t *k = lh_xml_child(n, is_prefix ? "Prefix" : "Key");
    if (!k) return lh_err_set(err, LH_EPROTO, "s3 listing entry without a key");
    char *key = lh_arena_strndup(a, k->text, k->text_len);
    if (!key) return lh_err_set(err, LH_ENOMEM, "cannot allocate listing key");
    /* encoding-type=url: '+' is a space, as botocore reads it */
    if (url) lh_url_decode((lh_str_t){key, strlen(key)}, key, strlen(key) + 1, LH_URL_PLUS_SPACE);
    cur->key = key;
    memset(&cur->meta, 0, sizeof cur->meta);
    if (is_prefix) return 0;
    const char *size = lh__os3_child_text(n, "Size"), *etag = lh__os3_child_text(n, "ETag");
    cur->meta.size = lh__os3_num_or(size, strlen(size), -1);
    const char *lm = lh__os3_child_text(n, "LastModified");
    if (lh_time_iso8601_parse((lh_str_t){lm, strlen(lm)}, &cur->meta.mtime))
        cur->meta.mtime = 0; /* unreadable */
    lh__os3_etag_unquote(cur->meta.etag, sizeof cur->meta.etag, etag, strlen(etag));
    return 0;
}

/* Emits one page's objects and prefixes merged in key order. */
static int list_emit(list_ctx_t *c, const lh_xml_node_t *root, lh_err_t *err)
{
    int url = strcmp(lh__os3_child_text(root, "EncodingType"), "url") == 0;
    list_cur_t cur[2];
    int rc = cur_load(&cur[0], lh_xml_child(root, "Contents"), c->a, url, err);
    rc = rc ? rc : cur_load(&cur[1], lh_xml_child(root, "CommonPrefixes"), c->a, url, err);
    while (rc == 0 && (cur[0].n || cur[1].n)) {
        int i = !cur[0].n ? 1 : !cur[1].n ? 0 : strcmp(cur[0].key, cur[1].key) <= 0 ? 0 : 1;
        rc = c->fn(c->arg, cur[i].key, i, i ? NULL : &cur[i].meta);
        if (rc == 0 && c->left > 0 && --c->left == 0) {
            c->done = 1;
            break;
        }
        rc = rc ? rc : cur_load(&cur[i], lh_xml_next(cur[i].n, cur[i].n->name), c->a, url, err);
    }
    return rc;
}

/* Sets c->token to the page's continuation token ("" on the last page). */
static int next_token(list_ctx_t *c, const lh_xml_node_t *root, lh_err_t *err)
{
    lh_buf_reset(&c->token);
    if (strcmp(lh__os3_child_text(root, "IsTruncated"), "true") != 0) return 0;
    const char *t = lh__os3_child_text(root, "NextContinuationToken");
    if (!*t) return lh_err_set(err, LH_EPROTO, "s3 listing truncated without a continuation token");
    if (lh_buf_puts(&c->token, t) != 0)
        return lh_err_set(err, LH_ETOOBIG, "s3 continuation token too long");
    return 0;
}

static int list_query(list_ctx_t *c)
{
    lh_buf_t *qb = &c->query;
    lh_buf_reset(qb);
    int rc = c->token.len ? lh__os3_query_param(qb, "continuation-token", c->token.ptr) : 0;
    if (c->delimiter) rc = rc ? rc : lh__os3_query_param(qb, "delimiter", c->delimiter);
    int page = c->left > 0 && c->left < c->max_keys ? c->left : c->max_keys;
    rc = rc ? rc
            : lh_buf_printf(qb, "%sencoding-type=url&list-type=2&max-keys=%d", qb->len ? "&" : "",
                            page);
    if (*c->prefix) rc = rc ? rc : lh__os3_query_param(qb, "prefix", c->prefix);
    if (*c->start_after && !c->token.len)
        rc = rc ? rc : lh__os3_query_param(qb, "start-after", c->start_after);
    return rc;
}

/* Fetches and emits the page at c->token; c->token becomes the next one.
 * A page over xml.h's limits is fetched again, once, with fewer keys. */
static int list_fetch(list_ctx_t *c, lh_err_t *err)
{
    if (list_query(c) != 0) return lh_err_set(err, LH_ETOOBIG, "listing query too long");
    s3_req_t q = REQ("GET", c->bucket, NULL);
    q.query = c->query.ptr;
    q.idempotent = 1;
    s3_resp_t r;
    const lh_xml_node_t *root = NULL;
    int rc = lh__os3_call(c->s, &q, &r, err);
    lh_arena_free(c->a);
    c->a = NULL;
    if (rc == 0) rc = lh__os3_resp_xml(&c->a, &r, "listing", &root, err);
    lh_buf_free(&r.body);
    if (rc == LH_ETOOBIG && c->max_keys > LIST_SMALL_PAGE) {
        c->max_keys = LIST_SMALL_PAGE;
        return list_fetch(c, err);
    }
    rc = rc ? rc : list_emit(c, root, err);
    if (rc == 0 && c->done) lh_buf_reset(&c->token);
    return rc || c->done ? rc : next_token(c, root, err);
}

int lh__os3_list(void *impl, const char *bucket, const char *prefix, const char *delimiter,
                 const char *start_after, int max_keys,
                 int (*fn)(void *arg, const char *key, int is_prefix,
                           const lh_objstore_meta_t *meta),
                 void *arg, lh_err_t *err)
{
    list_ctx_t c = {.s = impl,
                    .bucket = bucket,
                    .prefix = prefix,
                    .delimiter = delimiter,
                    .start_after = start_after,
                    .left = max_keys,
                    .fn = fn,
                    .arg = arg,
                    .max_keys = LIST_PAGE};
    lh_buf_init(&c.query, 16384);
    lh_buf_init(&c.token, 4096);
    int rc;
    do
        rc = list_fetch(&c, err);
    while (rc == 0 && c.token.len);
    lh_arena_free(c.a);
    lh_buf_free(&c.query);
    lh_buf_free(&c.token);
    return rc;
}
