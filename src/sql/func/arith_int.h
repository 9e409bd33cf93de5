/* Kernel generators for the arithmetic files (arith.c, arith_dec.c): a loop
 * over two FLAT or CONSTANT arguments (CONSTANT by an index mask), computing
 * only the rows valid in out. BODY reads a and b and sets r; it may mark the
 * row NULL and `continue`, or return an error. */
#ifndef LH_SQL_FUNC_ARITH_INT_H
#define LH_SQL_FUNC_ARITH_INT_H
#include "sql/func/func_int.h"

#define LH__BIN(NAME, TA, TB, TR, BODY)                                                            \
    __attribute__((unused)) static int NAME(lh_sql_fctx_t *ctx, const lh_vector_t *args,           \
                                            uint32_t nargs, uint32_t count, lh_vector_t *out)      \
    {                                                                                              \
        const TA *xa_ = (const TA *)args[0].data;                                                  \
        const TB *xb_ = (const TB *)args[1].data;                                                  \
        TR *o_ = (TR *)out->data;                                                                  \
        uint32_t ma_ = args[0].kind == LH_VECTOR_CONSTANT ? 0 : UINT32_MAX;                        \
        uint32_t mb_ = args[1].kind == LH_VECTOR_CONSTANT ? 0 : UINT32_MAX;                        \
        const uint64_t *val_ = out->validity;                                                      \
        for (uint32_t i = 0; i < count; i++) {                                                     \
            if (val_ && !lh_validity_get(val_, i)) continue;                                       \
            TA a = xa_[i & ma_];                                                                   \
            TB b = xb_[i & mb_];                                                                   \
            TR r;                                                                                  \
            BODY;                                                                                  \
            o_[i] = r;                                                                             \
        }                                                                                          \
        return 0;                                                                                  \
    }

#define LH__UN(NAME, TA, TR, BODY)                                                                 \
    __attribute__((unused)) static int NAME(lh_sql_fctx_t *ctx, const lh_vector_t *args,           \
                                            uint32_t nargs, uint32_t count, lh_vector_t *out)      \
    {                                                                                              \
        const TA *xa_ = (const TA *)args[0].data;                                                  \
        TR *o_ = (TR *)out->data;                                                                  \
        uint32_t ma_ = args[0].kind == LH_VECTOR_CONSTANT ? 0 : UINT32_MAX;                        \
        const uint64_t *val_ = out->validity;                                                      \
        for (uint32_t i = 0; i < count; i++) {                                                     \
            if (val_ && !lh_validity_get(val_, i)) continue;                                       \
            TA a = xa_[i & ma_];                                                                   \
            TR r;                                                                                  \
            BODY;                                                                                  \
            o_[i] = r;                                                                             \
        }                                                                                          \
        return 0;                                                                                  \
    }

/* Out of Range Error "Overflow in addition of INT32 (2147483647 + 1)!". */
int lh__overflow(lh_sql_fctx_t *ctx, const char *what, const lh_type_t *t, lh_int128_t a,
                 const char *op, lh_int128_t b);

/* Time arithmetic (arith_time.c) and DECIMAL (arith_dec.c). */
extern const lh_sql_overload_t lh__time_add_ovl[], lh__time_sub_ovl[], lh__time_mul_ovl[];
extern const uint32_t lh__time_add_n, lh__time_sub_n, lh__time_mul_n;
extern const lh_sql_overload_t lh__time_div_ovl[];
extern const uint32_t lh__time_div_n;
int lh__decimal_bind(lh_sql_bind_call_t *call, char op, lh_sql_error_t *err);
lh_sql_scalar_fn lh__interval_neg_kernel(void);

#endif
