/* The SQL keywords the parser knows, with DuckDB's categories (reserved,
 * type/function name, column name, unreserved), looked up by binary search
 * over the alphabetical table that parser_int.h spells once. */
#include <string.h>
#include <strings.h>

#include "sql/parser/parser_int.h"

typedef struct kw_row {
    const char *text;
    uint8_t cat;
} kw_row_t;

static const kw_row_t rows[] = {{"", KWC_NONE},
#define LH__KW_ROW(id, t, c) {t, KWC_##c},
                                LH__KEYWORDS(LH__KW_ROW)
#undef LH__KW_ROW
};

lh__kw_t lh__kw_lookup(const char *s, size_t n)
{
    if (n == 0 || n > 16) return KW_NONE;
    char low[17];
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    low[n] = 0;
    int lo = 1, hi = KW__COUNT - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(low, rows[mid].text);
        if (c == 0) return (lh__kw_t)mid;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return KW_NONE;
}

lh__kwcat_t lh__kw_category(lh__kw_t kw)
{
    return (unsigned)kw < KW__COUNT ? (lh__kwcat_t)rows[kw].cat : KWC_NONE;
}

const char *lh__kw_text(lh__kw_t kw)
{
    return (unsigned)kw < KW__COUNT ? rows[kw].text : "";
}
