/* Interface cases added for the table layer (issue 7), run against every
 * back end like the cases in objstore_test.c (emb/<case>, s3/<case>):
 * suffix range reads. Included by objstore_test.c inside its
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

#define CASES_ADDED(X) X(get_suffix)

#endif
