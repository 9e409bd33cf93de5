/* Type names and INTERVAL literals. A type is captured as the text the user
 * wrote (lh_type_parse in vector/types.h reads it later): a word or dotted
 * name, the multi-word names (DOUBLE PRECISION, TIMESTAMP [(p)] WITH[OUT]
 * TIME ZONE, CHARACTER VARYING), then a balanced parenthesised argument list
 * taken whole (DECIMAL(38, 0), STRUCT(a INT, b VARCHAR[]), MAP(VARCHAR, INT))
 * and any number of [] / [n] array suffixes. */
#include <string.h>

#include "sql/parser/parser_int.h"

/* Consumes a balanced ( ... ) run; no recursion, so any nesting is fine. */
static bool skip_parens(lh__parser_t *p)
{
    uint32_t depth = 0;
    do {
        if (lh__is(p, TK_EOF)) return lh__syntax_error(p), false;
        if (lh__is(p, TK_LP)) depth++;
        if (lh__is(p, TK_RP)) depth--;
        p->i++;
    } while (depth);
    return true;
}

static bool time_zone_suffix(lh__parser_t *p)
{
    if ((lh__isword(p, 0, "with") || lh__isword(p, 0, "without")) && lh__isword(p, 1, "time") &&
        lh__isword(p, 2, "zone")) {
        p->i += 3;
        return true;
    }
    return false;
}

bool lh__parse_type(lh__parser_t *p, const char **text, int32_t *pos)
{
    const lh__tok_t *t = lh__cur(p);
    if (t->kind != TK_WORD && t->kind != TK_QIDENT) return lh__syntax_error(p), false;
    uint32_t start = t->pos;
    if (lh__isword(p, 0, "double") && lh__isword(p, 1, "precision")) {
        p->i += 2;
    } else if (lh__isword(p, 0, "timestamp") || lh__isword(p, 0, "time")) {
        p->i++;
        if (lh__is(p, TK_LP) && !skip_parens(p)) return false;
        time_zone_suffix(p);
    } else if ((lh__isword(p, 0, "character") || lh__isword(p, 0, "char") ||
                lh__isword(p, 0, "bit")) &&
               lh__isword(p, 1, "varying")) {
        p->i += 2;
    } else {
        p->i++;
        while (lh__is(p, TK_DOT) &&
               (lh__peek(p, 1)->kind == TK_WORD || lh__peek(p, 1)->kind == TK_QIDENT))
            p->i += 2;
    }
    if (lh__is(p, TK_LP) && !skip_parens(p)) return false;
    while (lh__is(p, TK_LB)) {
        p->i++;
        lh__accept(p, TK_INT);
        if (!lh__expect(p, TK_RB)) return false;
    }
    uint32_t end = lh__end_of_prev(p);
    *text = lh_arena_strndup(p->a, p->text + start, end - start);
    *pos = (int32_t)start;
    if (!*text) return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement"), false;
    return true;
}

typedef struct unit_row {
    const char *word, *unit;
} unit_row_t;

static const unit_row_t units[] = {
    {"year", "year"},
    {"years", "year"},
    {"month", "month"},
    {"months", "month"},
    {"day", "day"},
    {"days", "day"},
    {"hour", "hour"},
    {"hours", "hour"},
    {"minute", "minute"},
    {"minutes", "minute"},
    {"second", "second"},
    {"seconds", "second"},
    {"millisecond", "millisecond"},
    {"milliseconds", "millisecond"},
    {"microsecond", "microsecond"},
    {"microseconds", "microsecond"},
    {"week", "week"},
    {"weeks", "week"},
    {"quarter", "quarter"},
    {"quarters", "quarter"},
    {"decade", "decade"},
    {"decades", "decade"},
    {"century", "century"},
    {"centuries", "century"},
    {"millennium", "millennium"},
    {"millennia", "millennium"},
    {"millenniums", "millennium"},
};

/* The unit the current word names, consumed, or NULL. */
static const char *accept_unit(lh__parser_t *p)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (lh__isword(p, 0, units[i].word)) {
            p->i++;
            return units[i].unit;
        }
    return NULL;
}

/* (p) after a unit: a precision, accepted and ignored. */
static bool skip_precision(lh__parser_t *p)
{
    if (!lh__is(p, TK_LP) || lh__peek(p, 1)->kind != TK_INT || lh__peek(p, 2)->kind != TK_RP)
        return true;
    p->i += 3;
    return true;
}

/* INTERVAL '1 day', INTERVAL '90' DAY (3), INTERVAL '1-2' YEAR TO MONTH,
 * INTERVAL 3 DAY, INTERVAL (x + 1) DAY. */
lh_ast_t *lh__parse_interval_expr(lh__parser_t *p);
lh_ast_t *lh__parse_interval_expr(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_INTERVAL, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    bool str = lh__is(p, TK_STR);
    if (str) {
        const lh__tok_t *t = &p->t[p->i++];
        if (!(n->u.interval.value = lh__string_lit(p, t->pos, t->s, t->slen))) return NULL;
    } else if (!(n->u.interval.value = lh__parse_expr_prec(p, LH__P_UNARY))) {
        return NULL;
    }
    n->u.interval.unit = accept_unit(p);
    if (!n->u.interval.unit) return str ? n : lh__syntax_error(p);
    skip_precision(p);
    if (lh__acceptkw(p, KW_TO)) {
        if (!(n->u.interval.unit_to = accept_unit(p))) return lh__syntax_error(p);
        skip_precision(p);
    }
    return n;
}
