/* Result rows as CSV or JSON lines (textout.h). */
#include <string.h>

#include "sql/textout.h"

static void csv_field(lh_buf_t *o, const char *s, size_t n, bool is_string, char delim)
{
    bool quote = is_string && n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        lh_buf_append(o, s, n);
        return;
    }
    lh_buf_append(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') lh_buf_append(o, "\"", 1);
        lh_buf_append(o, &s[i], 1);
    }
    lh_buf_append(o, "\"", 1);
}

static void json_string(lh_buf_t *o, const char *s, size_t n)
{
    lh_buf_append(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            lh_buf_printf(o, "\\%c", c);
        else if (c == '\n')
            lh_buf_puts(o, "\\n");
        else if (c == '\t')
            lh_buf_puts(o, "\\t");
        else if (c == '\r')
            lh_buf_puts(o, "\\r");
        else if (c < 0x20)
            lh_buf_printf(o, "\\u%04x", c);
        else
            lh_buf_append(o, &s[i], 1);
    }
    lh_buf_append(o, "\"", 1);
}

bool lh_sql_text_is_number(const lh_type_t *t)
{
    return lh_type_is_integer(t) || t->id == LH_TYPE_DECIMAL || t->id == LH_TYPE_FLOAT ||
           t->id == LH_TYPE_DOUBLE;
}

void lh_sql_text_header(lh_buf_t *o, const lh_sql_result_t *r, char delim)
{
    for (uint32_t c = 0; c < lh_sql_result_ncols(r); c++) {
        if (c) lh_buf_append(o, &delim, 1);
        const char *name = lh_sql_result_col_name(r, c);
        csv_field(o, name, strlen(name), false, delim);
    }
    lh_buf_puts(o, "\n");
}

void lh_sql_text_row(lh_buf_t *o, lh_buf_t *cell, const lh_sql_result_t *r, const lh_batch_t *b,
                     uint32_t row, lh_sql_text_fmt_t fmt, char delim)
{
    if (fmt == LH_SQL_TEXT_JSON) lh_buf_puts(o, "{");
    for (uint32_t c = 0; c < b->ncols; c++) {
        const lh_vector_t *v = &b->cols[c];
        bool valid = lh_vector_is_valid(v, row);
        lh_buf_reset(cell);
        if (valid) lh_vector_text(v, row, cell);
        const char *text = cell->ptr ? cell->ptr : "";
        if (fmt == LH_SQL_TEXT_CSV) {
            if (c) lh_buf_append(o, &delim, 1);
            bool str = v->type.id == LH_TYPE_VARCHAR || v->type.id == LH_TYPE_BLOB;
            if (valid) csv_field(o, text, cell->len, str, delim);
            continue;
        }
        if (c) lh_buf_puts(o, ",");
        const char *name = lh_sql_result_col_name(r, c);
        json_string(o, name, strlen(name));
        lh_buf_puts(o, ":");
        if (!valid)
            lh_buf_puts(o, "null");
        else if (v->type.id == LH_TYPE_BOOLEAN || (lh_sql_text_is_number(&v->type) && cell->len &&
                                                   strspn(text, "0123456789.-e+") == cell->len))
            lh_buf_append(o, text, cell->len);
        else
            json_string(o, text, cell->len);
    }
    lh_buf_puts(o, fmt == LH_SQL_TEXT_JSON ? "}\n" : "\n");
}
