/* The seeded generator behind `lakehouse demo generate`. A cursor walks the
 * window [end - (hours + lateness) h, end) evenly, one step per record; each
 * step draws a kind from the rate table (most are valid), then makes one
 * event: a new transfer at the cursor, a continuation of the previous
 * transaction (another log of it), a copy or re-org of a recent event of
 * the same hour, or a new event of an earlier hour. Block numbers and
 * times follow from the chain's block interval (whole hours are block
 * boundaries, so an event's block time stays in the cursor's hour).
 * Addresses come from a skewed population (index = P * u^4), so a few
 * addresses carry most of the volume. Everything is drawn from one
 * xoshiro256** stream seeded by splitmix64, and a record is rendered only
 * from its fields, so a copy is the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "demo/gen.h"

#define RING 512         /* recent valid events: what duplicates and re-orgs copy */
#define POPULATION 20000 /* addresses */
#define LATE_AFTER_MS (LH_DEMO_HOUR_MS / 2)

const char *const lh_demo_kind_names[LH_DEMO_NKINDS] = {
    [LH_DEMO_VALID] = "valid",         [LH_DEMO_OUT_OF_ORDER] = "out_of_order",
    [LH_DEMO_LATE] = "late",           [LH_DEMO_DUPLICATE] = "duplicate",
    [LH_DEMO_REORG] = "reorg",         [LH_DEMO_TOO_LATE] = "too_late",
    [LH_DEMO_MALFORMED] = "malformed", [LH_DEMO_UNKNOWN_TOKEN] = "unknown_token",
    [LH_DEMO_OVERFLOW] = "overflow",
};

const char *const lh_demo_tokens[] = {"USDC", "USDT", "WETH", "DAI", "WBTC", "LINK", NULL};

typedef struct {
    int decimals, weight;
} token_t;
static const token_t tokens[] = {
    {.decimals = 6, .weight = 30},  {.decimals = 6, .weight = 25}, {.decimals = 18, .weight = 20},
    {.decimals = 18, .weight = 10}, {.decimals = 8, .weight = 8},  {.decimals = 18, .weight = 7},
};
#define NTOKENS ((int)(sizeof tokens / sizeof tokens[0]))
static const char *const unknown_tokens[] = {"SHIB2", "XYZ", "PEPE9", "MOON"};

typedef struct {
    const char *name;
    int64_t block_ms, offset; /* block number = ms / block_ms - offset */
    int weight;
} chain_t;
static const chain_t chains[] = {
    {.name = "ethereum", .block_ms = 12000, .offset = 124000000, .weight = 60},
    {.name = "polygon", .block_ms = 2000, .offset = 820000000, .weight = 25},
    {.name = "base", .block_ms = 2000, .offset = 870000000, .weight = 15},
};
#define NCHAINS ((int)(sizeof chains / sizeof chains[0]))

/* How often each kind of mess is drawn, per mille; the rest are valid. */
static const struct {
    lh_demo_kind_t kind;
    int per_mille;
} rates[] = {
    {.kind = LH_DEMO_DUPLICATE, .per_mille = 12},    {.kind = LH_DEMO_REORG, .per_mille = 5},
    {.kind = LH_DEMO_LATE, .per_mille = 10},         {.kind = LH_DEMO_TOO_LATE, .per_mille = 3},
    {.kind = LH_DEMO_OUT_OF_ORDER, .per_mille = 10}, {.kind = LH_DEMO_MALFORMED, .per_mille = 4},
    {.kind = LH_DEMO_UNKNOWN_TOKEN, .per_mille = 4}, {.kind = LH_DEMO_OVERFLOW, .per_mille = 3},
};

typedef struct {
    int chain, log_index, has_key;
    int64_t block, ts, gas; /* block = ts / block_ms (the chain's block number minus offset) */
    uint8_t tx[32];
    const char *token;
    uint32_t from, to;
    char amount[80];
} event_t;

struct lh_demo_gen {
    lh_demo_params_t p;
    uint64_t s[4], salt;
    int64_t start, span, i, max_ts;
    int64_t chain_max[NCHAINS]; /* the newest block time per chain (malformed ones unseen) */
    event_t last;               /* the previous record's event when it was valid */
    int last_open;
    event_t ring[RING];
    int nring, ring_next;
};

/* --- the random stream --- */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(lh_demo_gen_t *g)
{
    uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static int64_t below(lh_demo_gen_t *g, int64_t n)
{
    return (int64_t)(next(g) % (uint64_t)n);
}

static double unit(lh_demo_gen_t *g)
{
    return (double)(next(g) >> 11) * (1.0 / 9007199254740992.0);
}

static int weighted(lh_demo_gen_t *g, const int *w, size_t stride, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += *(const int *)((const char *)w + i * stride);
    int64_t r = below(g, total);
    for (int i = 0; i < n; i++) {
        r -= *(const int *)((const char *)w + i * stride);
        if (r < 0) return i;
    }
    return n - 1;
}

/* --- events --- */

static int64_t hour_of(const lh_demo_gen_t *g, int64_t ts)
{
    return (ts - g->start) / LH_DEMO_HOUR_MS;
}

static int64_t hour_start(const lh_demo_gen_t *g, int64_t h)
{
    return g->start + h * LH_DEMO_HOUR_MS;
}

static void set_time(event_t *e, int64_t ts)
{
    e->block = ts / chains[e->chain].block_ms;
    e->ts = e->block * chains[e->chain].block_ms;
}

static void digits(lh_demo_gen_t *g, char *out, int n)
{
    out[0] = (char)('1' + below(g, 9));
    for (int i = 1; i < n; i++)
        out[i] = (char)('0' + below(g, 10));
    out[n] = 0;
}

/* Token, addresses and amount: what each log of a transaction has anew. */
static void fill_transfer(lh_demo_gen_t *g, event_t *e)
{
    int t = weighted(g, &tokens[0].weight, sizeof tokens[0], NTOKENS);
    e->token = lh_demo_tokens[t];
    double u = unit(g), v = unit(g);
    e->from = (uint32_t)(POPULATION * u * u * u * u);
    e->to = (uint32_t)(POPULATION * v * v * v);
    if (e->to == e->from) e->to = (e->to + 1) % POPULATION;
    int mant = 1 + (int)below(g, 6), zeros = tokens[t].decimals + (int)below(g, 7) - 3;
    digits(g, e->amount, mant);
    for (int i = 0; i < zeros && zeros > 0; i++)
        e->amount[mant + i] = '0';
    e->amount[mant + (zeros > 0 ? zeros : 0)] = 0;
}

static void new_event(lh_demo_gen_t *g, int64_t ts, event_t *e)
{
    e->chain = weighted(g, &chains[0].weight, sizeof chains[0], NCHAINS);
    set_time(e, ts);
    for (int i = 0; i < 32; i += 8) {
        uint64_t w = next(g);
        memcpy(e->tx + i, &w, 8);
    }
    e->log_index = (int)below(g, 200);
    e->gas = 30000 + below(g, 90000);
    e->has_key = below(g, 100) >= 3; /* 3% are produced without a key */
    fill_transfer(g, e);
}

static int64_t cursor(const lh_demo_gen_t *g)
{
    return g->start + (int64_t)((double)g->span * (double)g->i / (double)g->p.events);
}

/* --- the kinds: each makes its event, or returns -1 when it cannot now
 * (then the record is valid) --- */

static int make_valid(lh_demo_gen_t *g, event_t *e)
{
    if (g->last_open && below(g, 100) < 25) { /* another log of the same transaction */
        *e = g->last;
        e->log_index++;
        fill_transfer(g, e);
        return 0;
    }
    new_event(g, cursor(g), e);
    return 0;
}

/* A block older than the chain's newest one, in the current hour. */
static int make_out_of_order(lh_demo_gen_t *g, event_t *e)
{
    int64_t from = hour_start(g, hour_of(g, g->max_ts));
    new_event(g, from, e);
    int64_t to = g->chain_max[e->chain];
    if (to <= from) return -1;
    set_time(e, from + below(g, to - from));
    return 0;
}

/* A new event of an hour in [cur - hi, cur - lo], produced once the feed is
 * half way through its current hour (so every partition already holds
 * records of it: the event lands in the current hour's bronze interval). */
static int make_earlier(lh_demo_gen_t *g, event_t *e, int64_t lo, int64_t hi)
{
    int64_t cur = hour_of(g, g->max_ts);
    if (g->max_ts < hour_start(g, cur) + LATE_AFTER_MS) return -1;
    if (hi > cur) hi = cur;
    if (lo > hi) return -1;
    int64_t h = cur - lo - below(g, hi - lo + 1);
    new_event(g, hour_start(g, h) + below(g, LH_DEMO_HOUR_MS), e);
    return 0;
}

static int make_late(lh_demo_gen_t *g, event_t *e)
{
    return make_earlier(g, e, 1, g->p.lateness);
}

static int make_too_late(lh_demo_gen_t *g, event_t *e)
{
    return make_earlier(g, e, g->p.lateness + 1, g->p.lateness + 3);
}

static int make_duplicate(lh_demo_gen_t *g, event_t *e)
{
    if (!g->nring) return -1;
    *e = g->ring[below(g, g->nring)];
    return 0;
}

/* The same (chain, tx_hash, log_index) in a block a few away, kept inside
 * the current hour and not after the chain's newest block. */
static int make_reorg(lh_demo_gen_t *g, event_t *e)
{
    if (make_duplicate(g, e)) return -1;
    int64_t bms = chains[e->chain].block_ms, d = 1 + below(g, 3);
    int64_t lo = hour_start(g, hour_of(g, g->max_ts));
    int64_t b = (e->block + d) * bms <= g->chain_max[e->chain] ? e->block + d : e->block - d;
    if (b * bms < lo) return -1;
    set_time(e, b * bms);
    return 0;
}

static int make_at_cursor(lh_demo_gen_t *g, event_t *e)
{
    new_event(g, cursor(g), e);
    return 0;
}

static int make_unknown_token(lh_demo_gen_t *g, event_t *e)
{
    new_event(g, cursor(g), e);
    e->token = unknown_tokens[below(g, 4)];
    return 0;
}

static int make_overflow(lh_demo_gen_t *g, event_t *e)
{
    new_event(g, cursor(g), e);
    digits(g, e->amount, 39 + (int)below(g, 40));
    return 0;
}

static int (*const makers[LH_DEMO_NKINDS])(lh_demo_gen_t *, event_t *) = {
    [LH_DEMO_VALID] = make_valid,         [LH_DEMO_OUT_OF_ORDER] = make_out_of_order,
    [LH_DEMO_LATE] = make_late,           [LH_DEMO_DUPLICATE] = make_duplicate,
    [LH_DEMO_REORG] = make_reorg,         [LH_DEMO_TOO_LATE] = make_too_late,
    [LH_DEMO_MALFORMED] = make_at_cursor, [LH_DEMO_UNKNOWN_TOKEN] = make_unknown_token,
    [LH_DEMO_OVERFLOW] = make_overflow,
};

/* --- rendering --- */

static void hex(const uint8_t *b, int n, char *out)
{
    static const char d[] = "0123456789abcdef";
    out[0] = '0', out[1] = 'x';
    for (int i = 0; i < n; i++)
        out[2 + 2 * i] = d[b[i] >> 4], out[3 + 2 * i] = d[b[i] & 15];
    out[2 + 2 * n] = 0;
}

static void address(const lh_demo_gen_t *g, uint32_t idx, char out[43])
{
    uint64_t x = g->salt ^ ((uint64_t)idx * 0xd1342543de82ef95ULL);
    uint8_t b[24];
    for (int i = 0; i < 24; i += 8) {
        uint64_t w = splitmix(&x);
        memcpy(b + i, &w, 8);
    }
    hex(b, 20, out);
}

static void render(const lh_demo_gen_t *g, const event_t *e, lh_demo_record_t *r)
{
    char when[32], from[43], to[43];
    const chain_t *c = &chains[e->chain];
    lh_time_iso8601_format(e->ts * 1000000, 0, when, sizeof when);
    address(g, e->from, from);
    address(g, e->to, to);
    hex(e->tx, 32, r->key);
    int n = snprintf(r->value, sizeof r->value,
                     "{\"chain\":\"%s\",\"block_number\":%lld,\"block_time\":\"%s\","
                     "\"tx_hash\":\"%s\",\"log_index\":%d,\"token\":\"%s\",\"from\":\"%s\","
                     "\"to\":\"%s\",\"amount\":\"%s\",\"gas\":%lld}",
                     c->name, (long long)(e->block - c->offset), when, r->key, e->log_index,
                     e->token, from, to, e->amount, (long long)e->gas);
    r->len = n < 0 ? 0 : (size_t)n < sizeof r->value ? (size_t)n : sizeof r->value - 1;
    r->has_key = e->has_key;
    r->ts_ms = e->ts;
}

/* --- the generator --- */

int64_t lh_demo_window_start(const lh_demo_params_t *p)
{
    return p->end_ms - (int64_t)(p->hours + p->lateness) * LH_DEMO_HOUR_MS;
}

int lh_demo_gen_new(lh_demo_gen_t **out, const lh_demo_params_t *p, lh_err_t *err)
{
    *out = NULL;
    if (p->events < 1 || p->hours < 1 || p->lateness < 0 || p->lateness > LH_DEMO_MAX_LATENESS ||
        p->hours + p->lateness > LH_DEMO_MAX_HOURS)
        return lh_err_set(err, LH_EINVAL,
                          "bad demo parameters: need events >= 1, hours >= 1, lateness 0..%d h "
                          "and hours + lateness <= %d",
                          LH_DEMO_MAX_LATENESS, LH_DEMO_MAX_HOURS);
    if (p->end_ms % LH_DEMO_HOUR_MS || lh_demo_window_start(p) < 0)
        return lh_err_set(err, LH_EINVAL,
                          "the window must end on a whole hour and start in 1970 or later");
    lh_demo_gen_t *g = calloc(1, sizeof *g);
    if (!g) return lh_err_set(err, LH_ENOMEM, "out of memory");
    g->p = *p;
    uint64_t x = p->seed;
    for (int i = 0; i < 4; i++)
        g->s[i] = splitmix(&x);
    g->salt = splitmix(&x);
    g->start = lh_demo_window_start(p);
    g->span = p->end_ms - g->start;
    g->max_ts = g->start;
    for (int i = 0; i < NCHAINS; i++)
        g->chain_max[i] = g->start;
    *out = g;
    return 0;
}

static lh_demo_kind_t draw(lh_demo_gen_t *g)
{
    int64_t r = below(g, 1000);
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        r -= rates[i].per_mille;
        if (r < 0) return rates[i].kind;
    }
    return LH_DEMO_VALID;
}

/* After a record: the newest times, the ring of the current hour. */
static void remember(lh_demo_gen_t *g, lh_demo_kind_t k, const event_t *e)
{
    if (e->ts > g->max_ts) {
        if (hour_of(g, e->ts) != hour_of(g, g->max_ts)) g->nring = g->ring_next = 0;
        g->max_ts = e->ts;
    }
    if (k != LH_DEMO_MALFORMED && e->ts > g->chain_max[e->chain]) g->chain_max[e->chain] = e->ts;
    g->last_open = k == LH_DEMO_VALID;
    if (k != LH_DEMO_VALID) return;
    g->last = *e;
    g->ring[g->ring_next] = *e;
    g->ring_next = (g->ring_next + 1) % RING;
    if (g->nring < RING) g->nring++;
}

int lh_demo_gen_next(lh_demo_gen_t *g, lh_demo_record_t *r)
{
    if (g->i >= g->p.events) return 0;
    lh_demo_kind_t k = draw(g);
    event_t e;
    if (makers[k](g, &e)) {
        k = LH_DEMO_VALID;
        make_valid(g, &e);
    }
    render(g, &e, r);
    if (k == LH_DEMO_MALFORMED) lh_demo_malform(r, next(g));
    r->kind = k;
    remember(g, k, &e);
    r->hour = (int)hour_of(g, e.ts);
    r->arrival_hour = (int)hour_of(g, g->max_ts);
    g->i++;
    return 1;
}

void lh_demo_gen_free(lh_demo_gen_t *g)
{
    free(g);
}
