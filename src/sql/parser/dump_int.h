/* The tree dump's shared pieces (dump.c) for the statement dump
 * (dump_stmt.c). */
#ifndef LH_SQL_DUMP_INT_H
#define LH_SQL_DUMP_INT_H
#include "core/buf.h"
#include "sql/parser/ast.h"

void lh__dump_ident(lh_buf_t *b, const char *s);            /* a or "Quoted" */
void lh__dump_name(lh_buf_t *b, const lh_ast_name_t *nm);   /* a.b.c */
void lh__dump_quoted(lh_buf_t *b, const char *s, size_t n); /* 'it''s' */
void lh__dump_names(lh_buf_t *b, const char *head, const char *const *v,
                    uint32_t n);                                     /* " (head a b)" */
void lh__dump_sub(lh_buf_t *b, const char *head, const lh_ast_t *n); /* " (head node)" when n */
void lh__dump_node(lh_buf_t *b, const lh_ast_t *n);
void lh__dump_stmt(const lh_ast_t *n, lh_buf_t *b); /* dump_stmt.c */

#endif
