/* Unicode case mapping for upper, lower and ILIKE: each character's simple
 * mapping from Debian's utf8proc (the tables DuckDB's upper/lower use too),
 * ASCII on a fast path. Bytes that are not valid UTF-8 are copied as they
 * are. */
#include <utf8proc.h>

#include "sql/func/func_int.h"

uint32_t lh__utf8_case(const char *s, uint32_t n, char *out, bool up)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n;) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            out[o++] = (char)(up ? (b >= 'a' && b <= 'z' ? b - 32 : b)
                                 : (b >= 'A' && b <= 'Z' ? b + 32 : b));
            i++;
            continue;
        }
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, n - i, &c);
        if (k <= 0) {
            out[o++] = s[i++];
            continue;
        }
        utf8proc_int32_t m = up ? utf8proc_toupper(c) : utf8proc_tolower(c);
        o += (uint32_t)utf8proc_encode_char(m, (utf8proc_uint8_t *)out + o);
        i += (uint32_t)k;
    }
    return o;
}
