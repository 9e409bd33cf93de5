/* The demo generator (src/demo): the same parameters give the same records
 * byte for byte and another seed other ones; each record's kind, as an
 * independent classifier reads it back from the values alone (JSON parse,
 * token list, amount digits, identity seen before, timestamp against the
 * newest one before it), is the kind the generator counted; malformed
 * values fail JSON parsing; overflowing amounts have 39+ digits; timestamps
 * are the block times and stay inside the window; the manifest parses and
 * its counts add up. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "core/timefmt.h"
#include "demo/gen.h"
#include "test.h"

#define N 20000
#define END_MS 1764900000000LL /* 2025-12-05T02:00:00Z */

static const lh_demo_params_t params = {
    .events = N, .hours = 3, .lateness = 2, .seed = 7, .end_ms = END_MS};

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t digest(const lh_demo_params_t *p)
{
    lh_demo_gen_t *g = NULL;
    lh_err_t e = {0};
    lh_demo_record_t r;
    uint64_t h = 0xcbf29ce484222325ULL;
    if (lh_demo_gen_new(&g, p, &e)) return 0;
    while (lh_demo_gen_next(g, &r)) {
        h = fnv(r.value, r.len, h);
        h = fnv(&r.ts_ms, sizeof r.ts_ms, h);
        h = fnv(r.has_key ? r.key : "-", r.has_key ? strlen(r.key) : 1, h);
    }
    lh_demo_gen_free(g);
    return h;
}

static void test_same_seed_same_bytes(void)
{
    lh_demo_params_t other = params;
    other.seed = 8;
    uint64_t a = digest(&params), b = digest(&params), c = digest(&other);
    CHECK(a != 0);
    CHECK(a == b);
    CHECK(a != c);
    other = params;
    other.end_ms += LH_DEMO_HOUR_MS; /* the same seed an hour later: other times */
    CHECK(digest(&other) != a);
}

/* --- an independent reading of the records --- */

typedef struct {
    uint64_t id, value; /* hashes of (chain, tx_hash, log_index) and of the first value */
} seen_t;

static seen_t seen[1 << 16];

static seen_t *lookup(uint64_t id)
{
    size_t i = id & ((1 << 16) - 1);
    while (seen[i].id && seen[i].id != id)
        i = (i + 1) & ((1 << 16) - 1);
    return &seen[i];
}

static int known_token(const char *t)
{
    for (int i = 0; lh_demo_tokens[i]; i++)
        if (!strcmp(lh_demo_tokens[i], t)) return 1;
    return 0;
}

static int64_t hour(int64_t ts)
{
    return (ts - lh_demo_window_start(&params)) / LH_DEMO_HOUR_MS;
}

/* The newest block time seen per chain (parseable records only). */
static struct {
    char name[16];
    int64_t max;
} chain_max[8];

static int64_t *chain_newest(const char *chain)
{
    int i = 0;
    while (chain_max[i].name[0] && strcmp(chain_max[i].name, chain))
        i++;
    if (!chain_max[i].name[0]) {
        snprintf(chain_max[i].name, sizeof chain_max[i].name, "%s", chain);
        chain_max[i].max = INT64_MIN;
    }
    return &chain_max[i].max;
}

/* What the record is, from its value, the newest timestamp before it and
 * its chain's newest block time before it. */
static int classify(const lh_demo_record_t *r, int64_t max_ts, json_t **doc)
{
    *doc = json_loadb(r->value, r->len, 0, NULL);
    if (!*doc) return LH_DEMO_MALFORMED;
    const char *chain = json_string_value(json_object_get(*doc, "chain"));
    int64_t *newest = chain_newest(chain), before = *newest;
    if (r->ts_ms > *newest) *newest = r->ts_ms;
    if (!known_token(json_string_value(json_object_get(*doc, "token"))))
        return LH_DEMO_UNKNOWN_TOKEN;
    if (strlen(json_string_value(json_object_get(*doc, "amount"))) >= 39) return LH_DEMO_OVERFLOW;
    const char *tx = json_string_value(json_object_get(*doc, "tx_hash"));
    json_int_t li = json_integer_value(json_object_get(*doc, "log_index"));
    uint64_t id = fnv(&li, sizeof li, fnv(tx, strlen(tx), fnv(chain, strlen(chain), 1469598103)));
    seen_t *s = lookup(id);
    uint64_t v = fnv(r->value, r->len, 1469598103);
    if (s->id) return s->value == v ? LH_DEMO_DUPLICATE : LH_DEMO_REORG;
    s->id = id, s->value = v;
    if (hour(r->ts_ms) < hour(max_ts))
        return hour(max_ts) - hour(r->ts_ms) <= params.lateness ? LH_DEMO_LATE : LH_DEMO_TOO_LATE;
    return r->ts_ms < before ? LH_DEMO_OUT_OF_ORDER : LH_DEMO_VALID;
}

/* A parseable record's fields: block time = timestamp, the shapes. */
static int fields_ok(const lh_demo_record_t *r, json_t *doc)
{
    const char *bt = json_string_value(json_object_get(doc, "block_time"));
    const char *tx = json_string_value(json_object_get(doc, "tx_hash"));
    const char *from = json_string_value(json_object_get(doc, "from"));
    const char *to = json_string_value(json_object_get(doc, "to"));
    int64_t t;
    return bt && tx && from && to && lh_time_iso8601_parse((lh_str_t){bt, strlen(bt)}, &t) == 0 &&
           t * 1000 == r->ts_ms && strlen(tx) == 66 && strlen(from) == 42 && strlen(to) == 42 &&
           (!r->has_key || !strcmp(r->key, tx)) &&
           json_is_integer(json_object_get(doc, "block_number")) &&
           json_is_integer(json_object_get(doc, "gas"));
}

static void test_kinds_as_emitted(void)
{
    lh_demo_gen_t *g = NULL;
    lh_err_t e = {0};
    lh_demo_record_t r;
    int64_t tally[LH_DEMO_NKINDS] = {0}, max_ts = lh_demo_window_start(&params), n = 0;
    lh_demo_counts_t *c = lh_demo_counts_new(&params);
    CHECK(c && lh_demo_gen_new(&g, &params, &e) == 0);
    while (lh_demo_gen_next(g, &r)) {
        json_t *doc;
        int k = classify(&r, max_ts, &doc);
        if (k != (int)r.kind)
            fprintf(stderr, "  record %lld: %s, read back as %s: %.*s\n", (long long)n,
                    lh_demo_kind_names[r.kind], lh_demo_kind_names[k], (int)r.len, r.value);
        CHECK_EQ_INT(k, r.kind);
        CHECK(r.ts_ms >= lh_demo_window_start(&params) && r.ts_ms < params.end_ms);
        CHECK_EQ_INT(r.hour, hour(r.ts_ms));
        CHECK(k == LH_DEMO_MALFORMED || fields_ok(&r, doc));
        if (k != LH_DEMO_MALFORMED && k != LH_DEMO_OVERFLOW)
            CHECK(strlen(json_string_value(json_object_get(doc, "amount"))) <= 38);
        json_decref(doc);
        if (r.ts_ms > max_ts) max_ts = r.ts_ms;
        tally[k]++, n++;
        lh_demo_counts_add(c, &r);
    }
    CHECK_EQ_INT(n, N);
    for (int k = 0; k < LH_DEMO_NKINDS; k++) {
        int64_t counted = 0;
        for (int h = 0; h < params.hours + params.lateness; h++)
            counted += lh_demo_counts_get(c, h, k);
        CHECK_EQ_INT(counted, tally[k]);
        CHECK(tally[k] > 0); /* 20,000 records hold every kind */
    }
    lh_demo_counts_free(c);
    lh_demo_gen_free(g);
}

static void test_malformed_and_overflow(void)
{
    lh_demo_gen_t *g = NULL;
    lh_err_t e = {0};
    lh_demo_record_t r;
    int malformed = 0, overflow = 0;
    CHECK(lh_demo_gen_new(&g, &params, &e) == 0);
    while (lh_demo_gen_next(g, &r)) {
        json_t *doc = json_loadb(r.value, r.len, 0, NULL);
        if (r.kind == LH_DEMO_MALFORMED) {
            CHECK(doc == NULL);
            malformed++;
        } else
            CHECK(doc != NULL);
        if (r.kind == LH_DEMO_OVERFLOW) {
            const char *a = json_string_value(json_object_get(doc, "amount"));
            CHECK(a && strlen(a) >= 39 && strlen(a) <= 78 && strspn(a, "0123456789") == strlen(a));
            overflow++;
        }
        json_decref(doc);
    }
    CHECK(malformed > 10 && overflow > 10);
    lh_demo_gen_free(g);
}

static void test_manifest(void)
{
    lh_demo_gen_t *g = NULL;
    lh_err_t e = {0};
    lh_demo_record_t r;
    lh_demo_counts_t *c = lh_demo_counts_new(&params);
    CHECK(c && lh_demo_gen_new(&g, &params, &e) == 0);
    while (lh_demo_gen_next(g, &r))
        lh_demo_counts_add(c, &r);
    char *s = lh_demo_manifest(&params, c, "chain.transfers");
    json_t *doc = s ? json_loads(s, 0, NULL) : NULL;
    CHECK(doc);
    json_t *tot = json_object_get(doc, "totals"), *hours = json_object_get(doc, "hourly");
    CHECK_EQ_INT(json_integer_value(json_object_get(tot, "records")), N);
    CHECK_EQ_INT(json_array_size(hours), 5);
    int64_t sum = 0;
    for (size_t i = 0; i < json_array_size(hours); i++)
        sum += json_integer_value(
            json_object_get(json_object_get(json_array_get(hours, i), "counts"), "records"));
    CHECK_EQ_INT(sum, N);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(doc, "window"), "start")),
                 "2025-12-04T21:00:00Z");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(doc, "intervals"), "end")),
                 "2025-12-05T00:00:00Z");
    CHECK_EQ_INT(json_integer_value(json_object_get(doc, "seed")), 7);
    json_decref(doc);
    free(s);
    lh_demo_counts_free(c);
    lh_demo_gen_free(g);
}

static void test_bad_params(void)
{
    lh_demo_gen_t *g = NULL;
    lh_err_t e = {0};
    lh_demo_params_t p = params;
    p.end_ms += 1;
    CHECK_EQ_INT(lh_demo_gen_new(&g, &p, &e), LH_EINVAL);
    p = params, p.events = 0;
    CHECK_EQ_INT(lh_demo_gen_new(&g, &p, &e), LH_EINVAL);
    p = params, p.lateness = LH_DEMO_MAX_LATENESS + 1;
    CHECK_EQ_INT(lh_demo_gen_new(&g, &p, &e), LH_EINVAL);
    p = params, p.end_ms = LH_DEMO_HOUR_MS; /* the window would start before 1970 */
    CHECK_EQ_INT(lh_demo_gen_new(&g, &p, &e), LH_EINVAL);
    CHECK(g == NULL);
    p = params, p.events = 1, p.lateness = 0;
    CHECK_EQ_INT(lh_demo_gen_new(&g, &p, &e), 0);
    lh_demo_record_t r;
    CHECK_EQ_INT(lh_demo_gen_next(g, &r), 1);
    CHECK_EQ_INT(lh_demo_gen_next(g, &r), 0);
    lh_demo_gen_free(g);
}

static const lh_test_t tests[] = {
    {"same_seed_same_bytes", test_same_seed_same_bytes},
    {"kinds_as_emitted", test_kinds_as_emitted},
    {"malformed_and_overflow", test_malformed_and_overflow},
    {"manifest", test_manifest},
    {"bad_params", test_bad_params},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
