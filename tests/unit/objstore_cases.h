/* Interface cases added for the table layer (issue 7), run against every
 * back end like the cases in objstore_test.c (emb/<case>, s3/<case>):
 * suffix range reads, list_from (StartAfter/MaxKeys), put_if_match, copy,
 * delete_many. Included by objstore_test.c inside its
 * HAVE_EMBEDDED || HAVE_REMOTE section; uses its helpers (pattern, collect,
 * hex_md5). */
#ifndef LH_OBJSTORE_CASES_H
#define LH_OBJSTORE_CASES_H

static void c_get_suffix(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char *d = pattern(1000, 9);
    CHECK(d);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "f", d, 1000, NULL, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "e", "", 0, NULL, NULL, &err), 0);
    static const struct {
        const char *key;
        int64_t n, want_off, want_len, size;
    } cases[] = {{"f", 8, 992, 8, 1000},
                 {"f", 1, 999, 1, 1000},
                 {"f", 1000, 0, 1000, 1000},
                 {"f", 5000, 0, 1000, 1000}, /* longer than the object: all of it */
                 {"e", 8, 0, 0, 0}};         /* empty: no bytes, not an error */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        lh_objstore_meta_t m;
        CHECK_EQ_INT(lh_objstore_get_buf(os, bk, cases[i].key, -cases[i].n, -1, &b, &m, &err), 0);
        CHECK_EQ_INT(b.len, cases[i].want_len);
        CHECK(b.len == 0 || memcmp(b.ptr, d + cases[i].want_off, b.len) == 0);
        CHECK_EQ_INT(m.size, cases[i].size);
        CHECK(m.etag[0]);
        lh_buf_free(&b);
    }
    lh_buf_t b;
    lh_buf_init(&b, 0);
    /* a suffix takes no length; a missing key is still LH_ENOENT */
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "f", -8, 4, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "f", -8, 8, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "f", INT64_MIN, -1, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "nope", -8, -1, &b, NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(b.len, 0);
    /* a plain range of an empty object stays unsatisfiable */
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "e", 0, 4, &b, NULL, &err), LH_EINVAL);
    lh_buf_free(&b);
    free(d);
}

static void c_list_from(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    static const char *const keys[] = {"a", "b/1", "b/2", "c", "d/x", "e"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_EQ_INT(lh_objstore_put(os, bk, keys[i], "x", 1, NULL, NULL, &err), 0);
    listed_t l = {0};
    CHECK_EQ_INT(lh_objstore_list_from(os, bk, NULL, NULL, "b/1", 0, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 4);
    CHECK_EQ_STR(l.keys[0], "b/2");
    CHECK_EQ_STR(l.keys[3], "e");
    /* a start_after that is no key; max_keys stops early */
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(lh_objstore_list_from(os, bk, NULL, NULL, "bb", 2, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 2);
    CHECK_EQ_STR(l.keys[0], "c");
    CHECK_EQ_STR(l.keys[1], "d/x");
    /* with a delimiter a folded prefix counts as one entry */
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(lh_objstore_list_from(os, bk, NULL, "/", "a", 3, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(l.keys[0], "b/");
    CHECK_EQ_INT(l.is_prefix[0], 1);
    CHECK_EQ_STR(l.keys[1], "c");
    CHECK_EQ_STR(l.keys[2], "d/");
    /* with a prefix; past the end nothing */
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(lh_objstore_list_from(os, bk, "b/", NULL, "b/1", 5, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_STR(l.keys[0], "b/2");
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(lh_objstore_list_from(os, bk, NULL, NULL, "z", 0, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 0);
    /* the caller's stop still wins */
    memset(&l, 0, sizeof l);
    l.stop_at = 2;
    CHECK_EQ_INT(lh_objstore_list_from(os, bk, NULL, NULL, NULL, 2, collect, &l, &err), 7);
}

static int count_keys(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *m)
{
    (*(int *)arg)++;
    return 0;
}

/* Paging through more than one engine/S3 page with list_from: 1100 keys in
 * pages of 400, each call starting after the last key of the one before. */
static void c_list_from_pages(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    enum { N = 1100 };
    const char **keys = calloc(N, sizeof *keys);
    char(*names)[16] = calloc(N, sizeof *names);
    CHECK(keys && names);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "k%05d", i);
        keys[i] = names[i];
        CHECK_EQ_INT(lh_objstore_put(os, bk, names[i], "", 0, NULL, NULL, &err), 0);
    }
    char last[16] = "";
    int total = 0;
    for (int page = 0; page < 3; page++) {
        listed_t l = {0};
        int n = 0;
        CHECK_EQ_INT(lh_objstore_list_from(os, bk, NULL, NULL, last, 400, count_keys, &n, &err), 0);
        CHECK_EQ_INT(n, page < 2 ? 400 : 300);
        total += n;
        snprintf(last, sizeof last, "k%05d", total - 1);
        (void)l;
    }
    CHECK_EQ_INT(total, N);
    /* delete_many across two DeleteObjects batches (1000 + 100), with
     * missing keys among them */
    keys[5] = "never-was";
    CHECK_EQ_INT(lh_objstore_delete_many(os, bk, keys, N, &err), 0);
    int left = 0;
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, NULL, count_keys, &left, &err), 0);
    CHECK_EQ_INT(left, 1); /* k00005 was not in the list */
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_head(os, bk, "k00005", &m, &err), 0);
    free(keys);
    free(names);
}

static void c_put_if_match(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_objstore_meta_t m1, m2;
    CHECK_EQ_INT(lh_objstore_put(os, bk, "cfg", "v1", 2, "application/json", &m1, &err), 0);
    /* the etag read: the write goes through */
    CHECK_EQ_INT(lh_objstore_put_if_match(os, bk, "cfg", "v2", 2, m1.etag, &m2, &err), 0);
    CHECK_EQ_INT(m2.size, 2);
    char want[33];
    hex_md5("v2", 2, want);
    CHECK_EQ_STR(m2.etag, want);
    /* a stale etag: someone else wrote in between */
    CHECK_EQ_INT(lh_objstore_put_if_match(os, bk, "cfg", "v3", 2, m1.etag, NULL, &err),
                 LH_EPRECOND);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "cfg", 0, -1, &b, NULL, &err), 0);
    CHECK(b.len == 2 && memcmp(b.ptr, "v2", 2) == 0);
    lh_buf_free(&b);
    /* a quoted etag is the same etag */
    char quoted[96];
    snprintf(quoted, sizeof quoted, "\"%s\"", m2.etag);
    CHECK_EQ_INT(lh_objstore_put_if_match(os, bk, "cfg", "v4", 2, quoted, NULL, &err), 0);
    /* no such key */
    CHECK_EQ_INT(lh_objstore_put_if_match(os, bk, "none", "v1", 2, m1.etag, NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "none", NULL, &err), LH_ENOENT);
    /* put_if_absent still refuses an existing key, through put_cond too */
    lh_objstore_cond_t c = {.if_none_match_star = 1};
    CHECK_EQ_INT(lh_objstore_put_cond(os, bk, "cfg", "v5", 2, NULL, &c, NULL, &err), LH_EPRECOND);
    CHECK_EQ_INT(lh_objstore_put_cond(os, bk, "new", "v5", 2, NULL, &c, NULL, &err), 0);
}

static void c_copy(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char *d = pattern(300000, 11);
    CHECK(d);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "src/a b+c.bin", d, 300000, "text/csv", NULL, &err), 0);
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_copy(os, bk, "src/a b+c.bin", bk, "dst/copy.bin", &m, &err), 0);
    char want[33];
    hex_md5(d, 300000, want);
    CHECK_EQ_STR(m.etag, want);
    CHECK_EQ_INT(m.size, 300000);
    CHECK_EQ_STR(m.content_type, "text/csv");
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_objstore_meta_t g;
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "dst/copy.bin", 0, -1, &b, &g, &err), 0);
    CHECK(b.len == 300000 && memcmp(b.ptr, d, 300000) == 0);
    CHECK_EQ_STR(g.content_type, "text/csv");
    lh_buf_free(&b);
    /* onto an existing key: replaced; an empty source */
    CHECK_EQ_INT(lh_objstore_put(os, bk, "empty", "", 0, NULL, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_copy(os, bk, "empty", bk, "dst/copy.bin", &m, &err), 0);
    CHECK_EQ_INT(m.size, 0);
    CHECK_EQ_STR(m.etag, "d41d8cd98f00b204e9800998ecf8427e");
    /* refusals */
    CHECK_EQ_INT(lh_objstore_copy(os, bk, "missing", bk, "x", NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_copy(os, bk, "empty", bk, "empty", NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_copy(os, bk, "empty", "no-such-bucket-x", "x", NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "x", NULL, &err), LH_ENOENT);
    free(d);
}

static void c_delete_many(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    /* XML specials, UTF-8, and control bytes XML 1.0 cannot carry (or would
     * turn from CR into LF) */
    static const char *const keys[] = {"d/1",     "d/2 & <3>", "d/\xc3\xbc",
                                       "d/\x01x", "d/a\rb",    "keep"};
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_INT(lh_objstore_put(os, bk, keys[i], "x", 1, NULL, NULL, &err), 0);
    const char *del[] = {"d/1", "d/2 & <3>", "missing", "d/\xc3\xbc", "d/\x01x", "d/a\rb"};
    CHECK_EQ_INT(lh_objstore_delete_many(os, bk, del, 6, &err), 0);
    listed_t l = {0};
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, NULL, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_STR(l.keys[0], "keep");
    CHECK_EQ_INT(lh_objstore_delete_many(os, bk, del, 0, &err), 0);
    CHECK_EQ_INT(lh_objstore_delete_many(os, "no-such-bucket-x", del, 2, &err), LH_ENOENT);
}

#define CASES_ADDED(X)                                                                             \
    X(get_suffix)                                                                                  \
    X(list_from)                                                                                   \
    X(list_from_pages)                                                                             \
    X(put_if_match)                                                                                \
    X(copy)                                                                                        \
    X(delete_many)

#endif
