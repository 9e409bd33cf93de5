/* Statistical aggregates over DOUBLE (every numeric argument is cast to
 * DOUBLE): stddev_samp/stddev, stddev_pop, var_samp/variance, var_pop by
 * Welford's running mean and sum of squared differences; covar_pop,
 * covar_samp, corr and regr_r2 by the co-moment update of Schubert and Gertz
 * (SSDBM 2018); product; fsum/kahan_sum by Kahan's compensated sum. Results
 * and the NULL/error rules are DuckDB's: the sample forms are NULL below two
 * rows, the population forms 0 for one row, NULL for none; a non-finite
 * variance is an Out of Range Error. Rows with a NULL argument are skipped. */
#include <math.h>
#include <string.h>

#include "sql/func/agg_int.h"

/* ---- Welford ---- */

typedef struct welford {
    int64_t n;
    double mean, dsq;
} welford_t;

static inline void wf_add(welford_t *s, double x)
{
    s->n++;
    double mean = s->mean + (x - s->mean) / (double)s->n;
    s->dsq += (x - mean) * (x - s->mean);
    s->mean = mean;
}

static void wf_merge(welford_t *dst, const welford_t *src)
{
    if (!src->n) return;
    if (!dst->n) {
        *dst = *src;
        return;
    }
    double n = (double)(dst->n + src->n);
    double mean = ((double)src->n * src->mean + (double)dst->n * dst->mean) / n;
    double delta = src->mean - dst->mean;
    dst->dsq = src->dsq + dst->dsq + delta * delta * (double)src->n * (double)dst->n / n;
    dst->mean = mean;
    dst->n += src->n;
}

static void wf_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(welford_t));
}

static int wf_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++)
        if (lh_vector_is_valid(&a[0], i)) wf_add(st[i], lh__agg_double(&a[0], i));
    return 0;
}

static int wf_update_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *s)
{
    for (uint32_t i = 0; i < n; i++)
        if (lh_vector_is_valid(&a[0], i)) wf_add(s, lh__agg_double(&a[0], i));
    return 0;
}

static int wf_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    wf_merge(dst, src);
    return 0;
}

enum { VAR_SAMP, VAR_POP, STD_SAMP, STD_POP };
static const char *const var_names[] = {"VARSAMP", "VARPOP", "STDDEV_SAMP", "STDDEV_POP"};

static int wf_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out, int kind)
{
    double *d = out->data;
    for (uint32_t i = 0; i < n; i++) {
        const welford_t *s = st[i];
        bool samp = kind == VAR_SAMP || kind == STD_SAMP;
        if (s->n == 0 || (samp && s->n < 2)) {
            lh_vector_set_null(out, i);
            continue;
        }
        double v = samp ? s->dsq / (double)(s->n - 1) : s->n > 1 ? s->dsq / (double)s->n : 0;
        if (kind == STD_SAMP || kind == STD_POP) v = sqrt(v);
        if (!isfinite(v))
            return lh_sql_err(c->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, c->pos, "%s is out of range!",
                              var_names[kind]);
        d[i] = v;
    }
    return 0;
}

static int var_samp_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    return wf_final(c, st, n, out, VAR_SAMP);
}
static int var_pop_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    return wf_final(c, st, n, out, VAR_POP);
}
static int std_samp_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    return wf_final(c, st, n, out, STD_SAMP);
}
static int std_pop_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    return wf_final(c, st, n, out, STD_POP);
}

#define WELFORD_AGG(NAME, FINAL)                                                                   \
    static const lh_sql_agg_t NAME = {.state_size = sizeof(welford_t),                             \
                                      .init = wf_init,                                             \
                                      .update = wf_update,                                         \
                                      .update_one = wf_update_one,                                 \
                                      .combine = wf_combine,                                       \
                                      .finalize = FINAL}
WELFORD_AGG(var_samp_agg, var_samp_final);
WELFORD_AGG(var_pop_agg, var_pop_final);
WELFORD_AGG(std_samp_agg, std_samp_final);
WELFORD_AGG(std_pop_agg, std_pop_final);

/* ---- co-moments: covar_pop, covar_samp, corr, regr_r2 ---- */

typedef struct covar {
    int64_t n;
    double meanx, meany, co;
} covar_t;

/* corr and regr_r2 keep the co-moment and both variances. */
typedef struct corr_state {
    covar_t cov;
    welford_t x, y;
} corr_state_t;

/* DuckDB's argument order: the first argument plays y, the second x. */
static inline void cov_add(covar_t *s, double y, double x)
{
    double n = (double)++s->n;
    double dx = x - s->meanx;
    double meanx = s->meanx + dx / n;
    double dy = y - s->meany;
    double meany = s->meany + dy / n;
    s->co += dx * (y - meany);
    s->meanx = meanx;
    s->meany = meany;
}

static void cov_merge(covar_t *dst, const covar_t *src)
{
    if (!src->n) return;
    if (!dst->n) {
        *dst = *src;
        return;
    }
    double n = (double)(dst->n + src->n);
    double dx = dst->meanx - src->meanx, dy = dst->meany - src->meany;
    double meanx = (src->n * src->meanx + dst->n * dst->meanx) / n;
    double meany = (src->n * src->meany + dst->n * dst->meany) / n;
    dst->co = src->co + dst->co + dx * dy * (double)src->n * (double)dst->n / n;
    dst->meanx = meanx;
    dst->meany = meany;
    dst->n += src->n;
}

static void cov_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(covar_t));
}

static void corr_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(corr_state_t));
}

static inline bool pair_valid(const lh_vector_t *a, uint32_t i)
{
    return lh_vector_is_valid(&a[0], i) && lh_vector_is_valid(&a[1], i);
}

static int cov_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++)
        if (pair_valid(a, i)) cov_add(st[i], lh__agg_double(&a[0], i), lh__agg_double(&a[1], i));
    return 0;
}

static int cov_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    cov_merge(dst, src);
    return 0;
}

static int cov_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out, bool samp)
{
    for (uint32_t i = 0; i < n; i++) {
        const covar_t *s = st[i];
        if (s->n < (samp ? 2 : 1))
            lh_vector_set_null(out, i);
        else
            ((double *)out->data)[i] = s->co / (double)(samp ? s->n - 1 : s->n);
    }
    return 0;
}

static int covar_pop_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    return cov_final(c, st, n, out, false);
}
static int covar_samp_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    return cov_final(c, st, n, out, true);
}

static int corr_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!pair_valid(a, i)) continue;
        corr_state_t *s = st[i];
        double y = lh__agg_double(&a[0], i), x = lh__agg_double(&a[1], i);
        cov_add(&s->cov, y, x);
        wf_add(&s->x, x);
        wf_add(&s->y, y);
    }
    return 0;
}

static int corr_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const corr_state_t *a = src;
    corr_state_t *b = dst;
    cov_merge(&b->cov, &a->cov);
    wf_merge(&b->x, &a->x);
    wf_merge(&b->y, &a->y);
    return 0;
}

/* Population standard deviation (0 below two rows); LH_EINVAL when not finite. */
static int pop_dev(lh_sql_actx_t *c, const welford_t *w, const char *what, double *out)
{
    *out = w->n > 1 ? sqrt(w->dsq / (double)w->n) : 0;
    if (!isfinite(*out))
        return lh_sql_err(c->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, c->pos,
                          "STDDEV_POP for %s is out of range!", what);
    return 0;
}

/* corr of one state: 1 when NULL (no rows), 0 with *r set (NaN when either
 * side does not vary, one row included), or an error. */
static int corr_of(lh_sql_actx_t *c, const corr_state_t *s, double *r)
{
    if (!s->cov.n) return 1;
    double cov = s->cov.co / (double)s->cov.n, sx, sy;
    int rc = pop_dev(c, &s->x, "X", &sx);
    if (!rc) rc = pop_dev(c, &s->y, "Y", &sy);
    if (rc) return rc;
    *r = sx * sy == 0 ? NAN : cov / (sx * sy);
    return 0;
}

static int corr_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = corr_of(c, st[i], &((double *)out->data)[i]);
        if (rc < 0) return rc;
        if (rc) lh_vector_set_null(out, i);
    }
    return 0;
}

static int pop_var(lh_sql_actx_t *c, const welford_t *w, const char *what, double *out)
{
    *out = w->n > 1 ? w->dsq / (double)w->n : 0;
    if (!isfinite(*out))
        return lh_sql_err(c->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, c->pos,
                          "VARPOP(%s) is out of range!", what);
    return 0;
}

/* regr_r2(y, x): NULL when x does not vary, 1 when y does not, else corr^2. */
static int r2_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    double *d = out->data;
    for (uint32_t i = 0; i < n; i++) {
        const corr_state_t *s = st[i];
        double vx, vy;
        int rc = pop_var(c, &s->x, "X", &vx);
        if (rc) return rc;
        if (vx == 0) {
            lh_vector_set_null(out, i);
            continue;
        }
        if ((rc = pop_var(c, &s->y, "Y", &vy))) return rc;
        if (vy == 0) {
            d[i] = 1;
            continue;
        }
        rc = corr_of(c, s, &d[i]);
        if (rc < 0) return rc;
        if (rc)
            lh_vector_set_null(out, i);
        else
            d[i] = pow(d[i], 2);
    }
    return 0;
}

static const lh_sql_agg_t covar_pop_agg = {.state_size = sizeof(covar_t),
                                           .init = cov_init,
                                           .update = cov_update,
                                           .combine = cov_combine,
                                           .finalize = covar_pop_final};
static const lh_sql_agg_t covar_samp_agg = {.state_size = sizeof(covar_t),
                                            .init = cov_init,
                                            .update = cov_update,
                                            .combine = cov_combine,
                                            .finalize = covar_samp_final};
static const lh_sql_agg_t corr_agg = {.state_size = sizeof(corr_state_t),
                                      .init = corr_init,
                                      .update = corr_update,
                                      .combine = corr_combine,
                                      .finalize = corr_final};
static const lh_sql_agg_t r2_agg = {.state_size = sizeof(corr_state_t),
                                    .init = corr_init,
                                    .update = corr_update,
                                    .combine = corr_combine,
                                    .finalize = r2_final};

/* ---- product, Kahan sum ---- */

typedef struct fold {
    double v, err;
    bool has;
} fold_t;

static void product_init(const void *bd, void *s)
{
    *(fold_t *)s = (fold_t){.v = 1};
}

static void kahan_init(const void *bd, void *s)
{
    *(fold_t *)s = (fold_t){0};
}

static int product_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                          void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        fold_t *s = st[i];
        s->v *= lh__agg_double(&a[0], i);
        s->has = true;
    }
    return 0;
}

static int product_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const fold_t *a = src;
    fold_t *b = dst;
    if (!a->has) return 0;
    b->v *= a->v;
    b->has = true;
    return 0;
}

static int fold_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const fold_t *s = st[i];
        if (!s->has)
            lh_vector_set_null(out, i);
        else
            ((double *)out->data)[i] = s->v;
    }
    return 0;
}

static inline void kahan_add(fold_t *s, double x)
{
    double y = x - s->err;
    double t = s->v + y;
    s->err = (t - s->v) - y;
    s->v = t;
    s->has = true;
}

static int kahan_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++)
        if (lh_vector_is_valid(&a[0], i)) kahan_add(st[i], lh__agg_double(&a[0], i));
    return 0;
}

static int kahan_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const fold_t *a = src;
    if (!a->has) return 0;
    kahan_add(dst, a->v);
    kahan_add(dst, -a->err);
    return 0;
}

static const lh_sql_agg_t product_agg = {.state_size = sizeof(fold_t),
                                         .init = product_init,
                                         .update = product_update,
                                         .combine = product_combine,
                                         .finalize = fold_final};
static const lh_sql_agg_t kahan_agg = {.state_size = sizeof(fold_t),
                                       .init = kahan_init,
                                       .update = kahan_update,
                                       .combine = kahan_combine,
                                       .finalize = fold_final};

/* ---- the table ---- */

#define OVL1(NAME, AGG)                                                                            \
    static const lh_sql_overload_t NAME[] = {                                                      \
        {.args = {LH_TYPE_DOUBLE}, .nargs = 1, .ret = LH_TYPE_DOUBLE, .agg = &AGG}}
#define OVL2(NAME, AGG)                                                                            \
    static const lh_sql_overload_t NAME[] = {{.args = {LH_TYPE_DOUBLE, LH_TYPE_DOUBLE},            \
                                              .nargs = 2,                                          \
                                              .ret = LH_TYPE_DOUBLE,                               \
                                              .agg = &AGG}}
OVL1(var_samp_ovl, var_samp_agg);
OVL1(var_pop_ovl, var_pop_agg);
OVL1(std_samp_ovl, std_samp_agg);
OVL1(std_pop_ovl, std_pop_agg);
OVL1(product_ovl, product_agg);
OVL1(kahan_ovl, kahan_agg);
OVL2(covar_pop_ovl, covar_pop_agg);
OVL2(covar_samp_ovl, covar_samp_agg);
OVL2(corr_ovl, corr_agg);
OVL2(r2_ovl, r2_agg);

#define DEF(NAME, OVL, DOC)                                                                        \
    {                                                                                              \
        .name = NAME, .kind = LH_SQL_FUNC_AGGREGATE, .overloads = OVL,                             \
        .noverloads = LH__COUNT(OVL), .doc = DOC                                                   \
    }

static const lh_sql_func_def_t defs[] = {
    DEF("stddev_samp", std_samp_ovl, "sample standard deviation (NULL below two rows)"),
    DEF("stddev", std_samp_ovl, "stddev_samp"),
    DEF("stddev_pop", std_pop_ovl, "population standard deviation"),
    DEF("var_samp", var_samp_ovl, "sample variance (NULL below two rows)"),
    DEF("variance", var_samp_ovl, "var_samp"),
    DEF("var_pop", var_pop_ovl, "population variance"),
    DEF("covar_pop", covar_pop_ovl, "population covariance of (y, x)"),
    DEF("covar_samp", covar_samp_ovl, "sample covariance of (y, x)"),
    DEF("corr", corr_ovl, "Pearson correlation coefficient of (y, x)"),
    DEF("regr_r2", r2_ovl, "coefficient of determination of regr(y, x)"),
    DEF("product", product_ovl, "product of the non-NULL values, as DOUBLE"),
    DEF("fsum", kahan_ovl, "sum of the non-NULL values with Kahan compensation, as DOUBLE"),
    DEF("kahan_sum", kahan_ovl, "fsum"),
    DEF("sumkahan", kahan_ovl, "fsum"),
};
const lh__func_table_t lh__agg_stats_funcs = {.defs = defs, .n = LH__COUNT(defs)};
