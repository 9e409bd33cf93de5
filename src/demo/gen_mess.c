/* Malformed values for the demo generator: a rendered event turned into
 * something no JSON parser accepts, in the ways broken producers break it
 * (a truncated write, a trailing comma, single quotes, a log line where a
 * record belongs). Each variant is invalid whatever the event was. */
#include <stdio.h>
#include <string.h>

#include "demo/gen.h"

/* cut anywhere before the closing brace: an object never closed */
static void truncated(lh_demo_record_t *r, uint64_t rnd)
{
    r->len = 1 + (size_t)(rnd % (r->len - 1));
    r->value[r->len] = 0;
}

static void trailing_comma(lh_demo_record_t *r, uint64_t rnd)
{
    (void)rnd;
    memcpy(r->value + r->len - 1, ",}", 3);
    r->len++;
}

static void single_quotes(lh_demo_record_t *r, uint64_t rnd)
{
    (void)rnd;
    for (size_t i = 0; i < r->len; i++)
        if (r->value[i] == '"') r->value[i] = '\'';
}

static void log_line(lh_demo_record_t *r, uint64_t rnd)
{
    int n = snprintf(r->value, sizeof r->value,
                     "ERROR decoder: transfer %s: unexpected end of input at byte %u", r->key,
                     (unsigned)(rnd % 400));
    r->len = n > 0 ? (size_t)n : 0;
}

static void (*const variants[])(lh_demo_record_t *, uint64_t) = {
    truncated,
    trailing_comma,
    single_quotes,
    log_line,
};

void lh_demo_malform(lh_demo_record_t *r, uint64_t rnd)
{
    size_t n = sizeof variants / sizeof variants[0];
    variants[rnd % n](r, rnd / n);
}
