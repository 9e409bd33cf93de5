/* Internals of the template module: values and the macro table. */
#ifndef LH_FLOW_TEMPLATE_INT_H
#define LH_FLOW_TEMPLATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "flow/template.h"

enum { LH__TV_STR, LH__TV_INT, LH__TV_TIME };

/* A value: a string (s, in buf or borrowed), an integer or a time (n).
 * In check mode only kind (and, for literals, the text) is known. */
typedef struct lh__tval {
    int kind;
    int literal; /* written in the template as a literal */
    const char *s;
    int64_t n;
    char buf[256];
} lh__tval_t;

typedef struct lh__tmacro {
    const char *name;
    int nargs;
    /* check: ctx NULL, args carry kinds (and literal text); render: values */
    int (*fn)(lh__tval_t *args, lh__tval_t *out, const lh_flow_run_ctx_t *ctx, char *why,
              size_t cap);
} lh__tmacro_t;

const lh__tmacro_t *lh__flow_macro_find(const char *name, size_t len);
/* A time from a TIME value or an ISO 8601 string; 0 or LH_EINVAL. */
int lh__flow_tval_time(const lh__tval_t *v, int64_t *t, char *why, size_t cap);

#endif
