/* libFuzzer target: the SQL parser (sql/parser/ast.h) over arbitrary text.
 * A parse either fails with a parser error (a position inside the text, a
 * message) or gives statements whose byte ranges lie inside the text, in
 * order, and whose trees dump; each statement's own text then parses alone
 * to the same tree (when no ? parameter renumbers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "sql/parser/ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const lh_sql_error_t *err, int rc, size_t size)
{
    if (rc != LH_EINVAL && rc != LH_ETOOBIG && rc != LH_ENOMEM) abort();
    if (!err->e.msg[0]) abort();
    if (rc == LH_EINVAL && (err->cls != LH_SQL_EPARSE || err->pos < 0 || (size_t)err->pos > size))
        abort();
}

static void check_statement(const char *text, const lh_ast_script_t *s, uint32_t i, lh_buf_t *b)
{
    lh_buf_reset(b);
    if (lh_ast_dump(s->stmts[i], b)) abort();
    if (memchr(text + s->start[i], '?', s->end[i] - s->start[i])) return;
    lh_arena_t *a = lh_arena_new(4096);
    lh_ast_script_t one;
    lh_sql_error_t err;
    if (!a) return;
    if (lh_sql_parse(a, text + s->start[i], s->end[i] - s->start[i], &one, &err) || one.n != 1)
        abort();
    lh_buf_t b2;
    lh_buf_init(&b2, 0);
    if (lh_ast_dump(one.stmts[0], &b2) || b2.len != b->len || memcmp(b2.ptr, b->ptr, b->len))
        abort();
    lh_buf_free(&b2);
    lh_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_arena_t *a = lh_arena_new(4096);
    if (!a) return 0;
    const char *text = (const char *)data;
    lh_ast_script_t s;
    lh_sql_error_t err;
    int rc = lh_sql_parse(a, text, size, &s, &err);
    if (rc) {
        check_error(&err, rc, size);
        lh_arena_free(a);
        return 0;
    }
    lh_buf_t b;
    lh_buf_init(&b, 0);
    uint32_t prev = 0;
    for (uint32_t i = 0; i < s.n; i++) {
        if (s.start[i] < prev || s.end[i] <= s.start[i] || s.end[i] > size) abort();
        prev = s.end[i];
        check_statement(text, &s, i, &b);
    }
    lh_buf_free(&b);
    lh_arena_free(a);
    return 0;
}
