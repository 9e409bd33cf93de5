/* The query string of a REST call: parsed once before the handler runs into
 * decoded name/value pairs (application/x-www-form-urlencoded: '+' is a
 * space, %XX an octet), with lookups by name, repeated keys, iteration for
 * filters, and the conventions every list route shares: limit/offset
 * pagination and order_by against a whitelist. */
#include <stdio.h>
#include <string.h>

#include "core/rest_int.h"
#include "core/str.h"
#include "core/url.h"

/* Decodes s[0..n) into the arena ('+' is a space); NULL on a bad escape or a
 * NUL byte. */
static const char *form_decode(lh_arena_t *a, const char *s, size_t n)
{
    return lh_url_decode_arena(a, (lh_str_t){s, n},
                               LH_URL_STRICT | LH_URL_NO_NUL | LH_URL_PLUS_SPACE);
}

int lh__rest_query_parse(lh_rest_call_t *c, lh_err_t *err)
{
    const char *q = c->query_raw;
    c->nquery = 0;
    if (!*q) return 0;
    c->query = lh_arena_alloc(c->arena, LH_REST_MAX_QUERY * sizeof *c->query);
    if (!c->query) return lh_err_set(err, LH_ENOMEM, "out of memory");
    while (*q) {
        size_t len = strcspn(q, "&"), klen = strcspn(q, "=");
        if (klen > len) klen = len;
        if (len && !klen)
            return lh_err_set(err, LH_EINVAL, "bad query string: a parameter has no name");
        if (len && c->nquery == LH_REST_MAX_QUERY)
            return lh_err_set(err, LH_EINVAL, "bad query string: over %d parameters",
                              LH_REST_MAX_QUERY);
        if (len) {
            lh__rest_kv_t *kv = &c->query[c->nquery];
            kv->key = form_decode(c->arena, q, klen);
            kv->value = klen < len ? form_decode(c->arena, q + klen + 1, len - klen - 1) : "";
            if (!kv->key || !kv->value)
                return lh_err_set(err, LH_EINVAL, "bad query string: bad %%-escape in '%.*s'",
                                  (int)(len > 64 ? 64 : len), q);
            c->nquery++;
        }
        q += len + (q[len] == '&');
    }
    return 0;
}

const char *lh_rest_query_nth(const lh_rest_call_t *c, const char *name, int i)
{
    for (int k = 0; k < c->nquery; k++)
        if (!strcmp(c->query[k].key, name) && i-- == 0) return c->query[k].value;
    return NULL;
}

const char *lh_rest_query(const lh_rest_call_t *c, const char *name)
{
    return lh_rest_query_nth(c, name, 0);
}

int lh_rest_query_count(const lh_rest_call_t *c, const char *name)
{
    int n = 0;
    for (int k = 0; k < c->nquery; k++)
        n += !strcmp(c->query[k].key, name);
    return n;
}

int lh_rest_query_next(const lh_rest_call_t *c, int *pos, const char **key, const char **value)
{
    if (*pos < 0 || *pos >= c->nquery) return 0;
    *key = c->query[*pos].key;
    *value = c->query[*pos].value;
    (*pos)++;
    return 1;
}

int lh_rest_query_only(lh_rest_call_t *c, const char *const *known)
{
    char msg[200];
    for (int k = 0; k < c->nquery; k++) {
        const char *const *f = known;
        while (*f && strcmp(*f, c->query[k].key))
            f++;
        if (!*f) {
            snprintf(msg, sizeof msg, "unknown query parameter '%.64s'", c->query[k].key);
            lh_rest_problem(c, 400, msg);
            return LH_EINVAL;
        }
    }
    return 0;
}

int lh_rest_query_int(lh_rest_call_t *c, const char *name, int64_t def, int64_t min, int64_t max,
                      int64_t *out)
{
    char msg[200];
    const char *v = lh_rest_query(c, name);
    int64_t n;
    *out = def;
    if (!v) return 0;
    if (lh_rest_query_count(c, name) > 1) {
        snprintf(msg, sizeof msg, "%s is given more than once", name);
        lh_rest_problem(c, 400, msg);
        return LH_EINVAL;
    }
    const char *d = v + (v[0] == '-');
    if (!*d || strspn(d, "0123456789") != strlen(d) || lh_parse_i64(v, &n) != 0 || n < min ||
        n > max)
        goto bad;
    *out = n;
    return 0;
bad:
    snprintf(msg, sizeof msg, "%s must be an integer from %lld to %lld", name, (long long)min,
             (long long)max);
    lh_rest_problem(c, 400, msg);
    return LH_EINVAL;
}

int lh_rest_page(lh_rest_call_t *c, int64_t def_limit, int64_t max_limit, lh_rest_page_t *out)
{
    int rc = lh_rest_query_int(c, "limit", def_limit, 1, INT64_MAX, &out->limit);
    if (rc == 0) rc = lh_rest_query_int(c, "offset", 0, 0, INT64_MAX, &out->offset);
    if (rc == 0 && out->limit > max_limit) out->limit = max_limit;
    return rc;
}

/* Finds spec ("field" or "-field") in fields. */
static int order_of(const char *spec, const char *const *fields, lh_rest_order_t *out)
{
    int desc = spec[0] == '-';
    for (const char *const *f = fields; *f; f++)
        if (!strcmp(*f, spec + desc)) {
            out->field = *f;
            out->desc = desc;
            return 0;
        }
    return LH_EINVAL;
}

int lh_rest_order_by(lh_rest_call_t *c, const char *const *fields, const char *def,
                     lh_rest_order_t *out)
{
    char msg[400];
    const char *v = lh_rest_query(c, "order_by");
    out->field = NULL;
    out->desc = 0;
    if (!v && def) return order_of(def, fields, out);
    if (!v) return 0;
    if (lh_rest_query_count(c, "order_by") == 1 && order_of(v, fields, out) == 0) return 0;
    size_t n = (size_t)snprintf(msg, sizeof msg, "order_by must be one of: ");
    for (const char *const *f = fields; *f && n < sizeof msg; f++)
        n += (size_t)snprintf(msg + n, sizeof msg - n, "%s%s", f == fields ? "" : ", ", *f);
    if (n < sizeof msg) snprintf(msg + n, sizeof msg - n, " (a leading - sorts descending)");
    lh_rest_problem(c, 400, msg);
    return LH_EINVAL;
}
