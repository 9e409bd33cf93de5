/* EXPLAIN and EXPLAIN ANALYZE text. Each line: the operator's name (DuckDB's
 * names: PROJECTION, FILTER, HASH_GROUP_BY, HASH_JOIN, ...), what it works
 * on, its output columns, the estimated rows; with ANALYZE the rows it
 * handed out and its own time (its children's time subtracted). The
 * operator tree mirrors the plan tree node for node. */
#include <string.h>

#include "sql/catalog/memtable.h"
#include "sql/explain.h"
#include "sql/parser/ast.h"

static const char *join_kind(uint8_t k)
{
    static const char *const names[] = {
        [LH_JOIN_INNER] = "INNER", [LH_JOIN_LEFT] = "LEFT",   [LH_JOIN_RIGHT] = "RIGHT",
        [LH_JOIN_FULL] = "FULL",   [LH_JOIN_CROSS] = "CROSS", [LH_JOIN_SEMI] = "SEMI",
        [LH_JOIN_ANTI] = "ANTI",
    };
    if (k == LH_JOIN_KIND_MARK) return "MARK";
    return k < sizeof names / sizeof names[0] && names[k] ? names[k] : "?";
}

static void details(const lh_plan_t *p, lh_buf_t *b)
{
    switch ((lh_plan_kind_t)p->kind) {
    case LH_PLAN_SCAN_MEMORY:
        lh_buf_printf(b, " %s.%s", p->u.mem.table->schema, p->u.mem.table->name);
        break;
    case LH_PLAN_SCAN_PARQUET:
        lh_buf_printf(b, " %u file%s%s%s", p->u.pq.nfiles, p->u.pq.nfiles == 1 ? "" : "s",
                      p->u.pq.nfiles == 1 ? " " : "", p->u.pq.nfiles == 1 ? p->u.pq.keys[0] : "");
        break;
    case LH_PLAN_SCAN_TEXT:
        lh_buf_printf(b, " %s, %u file%s", p->u.text.format == 1 ? "csv" : "json", p->u.text.nfiles,
                      p->u.text.nfiles == 1 ? "" : "s");
        break;
    case LH_PLAN_JOIN:
        lh_buf_printf(b, " %s, %u key%s%s", join_kind(p->u.join.kind), p->u.join.nkeys,
                      p->u.join.nkeys == 1 ? "" : "s",
                      p->u.join.cond ? ", residual condition" : "");
        if (p->u.join.build_left) lh_buf_puts(b, ", left side built");
        break;
    case LH_PLAN_FILTER:
        if (p->u.filter.rtf_join && p->u.filter.rtf_one)
            lh_buf_printf(b, " runtime join filter, key %u of %u", p->u.filter.rtf_one,
                          p->u.filter.rtf_join->u.join.nkeys);
        else if (p->u.filter.rtf_join)
            lh_buf_printf(b, " runtime join filter, %u key%s", p->u.filter.rtf_join->u.join.nkeys,
                          p->u.filter.rtf_join->u.join.nkeys == 1 ? "" : "s");
        break;
    case LH_PLAN_AGGREGATE:
        lh_buf_printf(b, " %u group%s, %u aggregate%s", p->u.agg.ngroups,
                      p->u.agg.ngroups == 1 ? "" : "s", p->u.agg.naggs,
                      p->u.agg.naggs == 1 ? "" : "s");
        break;
    case LH_PLAN_SORT:
        lh_buf_printf(b, " %u key%s", p->u.sort.nkeys, p->u.sort.nkeys == 1 ? "" : "s");
        break;
    case LH_PLAN_WINDOW:
        lh_buf_printf(b, " %u function%s", p->u.window.n, p->u.window.n == 1 ? "" : "s");
        if (p->u.window.topn) lh_buf_printf(b, ", top %u per partition", p->u.window.topn);
        break;
    case LH_PLAN_SETOP:
        lh_buf_printf(b, " %s%s", p->u.setop.op == 2 ? "INTERSECT" : "EXCEPT",
                      p->u.setop.all ? " ALL" : "");
        break;
    case LH_PLAN_VALUES:
        lh_buf_printf(b, " %u row%s", p->u.values.nrows, p->u.values.nrows == 1 ? "" : "s");
        break;
    default:
        break;
    }
}

static void node(const lh_plan_t *p, const lh_op_t *op, int depth, lh_buf_t *b)
{
    lh_buf_printf(b, "%*s%s", depth * 2, "", lh_plan_kind_name((lh_plan_kind_t)p->kind));
    details(p, b);
    lh_buf_puts(b, " [");
    for (uint32_t i = 0; i < p->ncols && i < 16; i++)
        lh_buf_printf(b, "%s%s", i ? ", " : "", p->cols[i].name);
    if (p->ncols > 16) lh_buf_printf(b, ", ... %u more", p->ncols - 16);
    lh_buf_puts(b, "]");
    if (p->est_rows >= 0) lh_buf_printf(b, " ~%.0f rows", p->est_rows);
    if (op) {
        uint64_t own = op->ns;
        for (int i = 0; i < 2; i++)
            if (op->child[i]) own = own > op->child[i]->ns ? own - op->child[i]->ns : 0;
        lh_buf_printf(b, " (rows=%llu time=%.3fs", (unsigned long long)op->rows, (double)own / 1e9);
        if (p->kind == LH_PLAN_SCAN_TEXT && p->u.text.nderived)
            lh_buf_printf(
                b, "; derived columns: %llu column batches from the scan cache, %llu computed",
                (unsigned long long)op->derived_read, (unsigned long long)op->derived_computed);
        lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, "\n");
    for (int i = 0; i < 2; i++)
        if (p->child[i]) node(p->child[i], op ? op->child[i] : NULL, depth + 1, b);
}

int lh_sql_explain(const lh_plan_t *plan, const lh_op_t *ops, lh_buf_t *out)
{
    if (ops) lh_buf_printf(out, "total time %.3fs\n", (double)ops->ns / 1e9);
    node(plan, ops, 0, out);
    return lh_buf_err(out);
}
