/* libFuzzer target: percent-decoding in every mode, encoding with every set
 * and the query iterator over arbitrary bytes, checking that encode then
 * strict decode gives the bytes back and that slices stay inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_str_t s = {(const char *)data, size};
    char *dec = malloc(size + 1), *back = malloc(size + 1);
    if (!dec || !back) goto done;
    long n = lh_url_decode(s, dec, size + 1, 0);
    if (n < 0 || (size_t)n > size) abort();
    lh_url_decode(s, dec, size + 1, LH_URL_STRICT | LH_URL_NO_NUL | LH_URL_PLUS_SPACE);
    static const unsigned sets[] = {0, LH_URL_KEEP_SLASH, LH_URL_PCHAR, LH_URL_FORM};
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        if (lh_url_encode(&b, s, sets[k]) || b.len > 3 * size) abort();
        unsigned f = LH_URL_STRICT | (sets[k] == LH_URL_FORM ? LH_URL_PLUS_SPACE : 0);
        lh_str_t enc = {b.ptr ? b.ptr : "", b.len};
        if (lh_url_decode(enc, back, size + 1, f) != (long)size || memcmp(back, data, size))
            abort();
        lh_buf_reset(&b);
        if (lh_url_recode(&b, s, sets[k])) abort();
        lh_buf_free(&b);
    }
    lh_url_query_t q;
    lh_url_query_init(&q, s);
    while (lh_url_query_next(&q))
        if (q.key.ptr < s.ptr || q.value.ptr + q.value.len > s.ptr + s.len ||
            !(q.key.len || q.has_value))
            abort();
done:
    free(dec);
    free(back);
    return 0;
}
