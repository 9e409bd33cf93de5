/* libFuzzer target for the HTTP request parser. The first byte picks a split
 * point and small parser limits; the rest is a stream of pipelined requests
 * fed in two pieces (head and body parsers alike), each complete head being
 * turned into a request and queried like a handler would. Also feeds the
 * date parser and %-decoder. Must not crash, hang or leak. */
#include "core/http.h"
#include "core/http_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void use_request(const lh__http_parser_t *p)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_http_req_t req = {.arena = a};
    if (a && lh__http_req_fill(p, &req) == 0) {
        const lh_str_t *h = lh_http_header_get(&req, "host");
        if (h && h->len < 64) {
            char tmp[64];
            int64_t t;
            memcpy(tmp, h->ptr, h->len);
            tmp[h->len] = 0;
            lh_http_date_parse(tmp, &t);
        }
        lh_http_query_get(&req, "prefix");
        lh_http_pct_decode(a, req.path);
    }
    lh_arena_free(a);
}

/* Feeds [from, to) to the parser; returns the offset reached. */
static size_t feed(lh__http_parser_t *p, const char *d, size_t from, size_t to)
{
    size_t i = from;
    while (i < to && (p->phase == LH__HP_HEAD || p->phase == LH__HP_BODY)) {
        int was_head = p->phase == LH__HP_HEAD;
        if (was_head) {
            i += lh__http_parse_head(p, d + i, to - i);
            if (p->phase == LH__HP_BODY || p->phase == LH__HP_DONE) use_request(p);
        } else {
            const char *s;
            size_t n;
            size_t k = lh__http_parse_body(p, d + i, to - i, &s, &n);
            if (k == 0 && p->phase == LH__HP_BODY)
                abort(); /* no progress with input left would hang a connection */
            i += k;
        }
    }
    return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned sel = data[0];
    const char *d = (const char *)data + 1;
    size_t n = size - 1, cut = n ? (sel * 131u) % (n + 1) : 0;
    lh__http_parser_t p;
    lh__http_parser_init(&p, (sel & 1) ? 256 : 0, (sel & 2) ? 4 : 0);
    size_t i = 0;
    while (i < n) {
        i = feed(&p, d, i, i < cut ? cut : n);
        if (i >= cut) i = feed(&p, d, i, n);
        if (p.phase != LH__HP_DONE) break;
        lh__http_parser_reset(&p);
    }
    lh__http_parser_free(&p);
    return 0;
}
