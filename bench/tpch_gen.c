/* TPC-H data at scale factor SF, from the specification's data generation
 * rules (TPC-H 2.17 clause 4.2.3; our own code and random streams, so the
 * rows differ from dbgen's but the cardinalities, key relations, value
 * domains and derivations the 22 queries depend on are the specification's):
 * the 8 tables as OUTDIR/<table>.parquet (ZSTD), keys INTEGER (orderkeys
 * BIGINT), money and quantities DECIMAL(15,2), dates DATE, text VARCHAR.
 *
 *   tpch_gen OUTDIR [SF]          (default 1; 0.01 for quick checks) */
#include "tpch_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NCOLS_MAX 16

static const char *const regions[] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
static const struct {
    const char *name;
    int region;
} nations[25] = {
    {"ALGERIA", 0},       {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1},
    {"EGYPT", 4},         {"ETHIOPIA", 0},  {"FRANCE", 3}, {"GERMANY", 3},
    {"INDIA", 2},         {"INDONESIA", 2}, {"IRAN", 4},   {"IRAQ", 4},
    {"JAPAN", 2},         {"JORDAN", 4},    {"KENYA", 0},  {"MOROCCO", 0},
    {"MOZAMBIQUE", 0},    {"PERU", 1},      {"CHINA", 2},  {"ROMANIA", 3},
    {"SAUDI ARABIA", 4},  {"VIETNAM", 2},   {"RUSSIA", 3}, {"UNITED KINGDOM", 3},
    {"UNITED STATES", 1},
};
static const char *const type_s1[] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
static const char *const type_s2[] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
static const char *const type_s3[] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
static const char *const cont_s1[] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
static const char *const cont_s2[] = {"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"};
static const char *const segments[] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY",
                                       "HOUSEHOLD"};
static const char *const priorities[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED",
                                         "5-LOW"};
static const char *const instructs[] = {"DELIVER IN PERSON", "COLLECT COD", "NONE",
                                        "TAKE BACK RETURN"};
static const char *const modes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
static const char *const colors[] = {
    "almond",   "antique",   "aquamarine", "azure",      "beige",     "bisque",    "black",
    "blanched", "blue",      "blush",      "brown",      "burlywood", "burnished", "chartreuse",
    "chiffon",  "chocolate", "coral",      "cornflower", "cornsilk",  "cream",     "cyan",
    "dark",     "deep",      "dim",        "dodger",     "drab",      "firebrick", "floral",
    "forest",   "frosted",   "gainsboro",  "ghost",      "goldenrod", "green",     "grey",
    "honeydew", "hot",       "indian",     "ivory",      "khaki",     "lace",      "lavender",
    "lawn",     "lemon",     "light",      "lime",       "linen",     "magenta",   "maroon",
    "medium",   "metallic",  "midnight",   "mint",       "misty",     "moccasin",  "navajo",
    "navy",     "olive",     "orange",     "orchid",     "pale",      "papaya",    "peach",
    "peru",     "pink",      "plum",       "powder",     "puff",      "purple",    "red",
    "rose",     "rosy",      "royal",      "saddle",     "salmon",    "sandy",     "seashell",
    "sienna",   "sky",       "slate",      "smoke",      "snow",      "spring",    "steel",
    "tan",      "thistle",   "tomato",     "turquoise",  "violet",    "wheat",     "white",
    "yellow",
};
#define N_OF(a) ((int64_t)(sizeof a / sizeof a[0]))
#define PICK(r, a) (a[gen_range(r, 0, N_OF(a) - 1)])

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int32_t days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

typedef struct ctx {
    double sf;
    int64_t parts, supps, custs, orders;
    const char *dir;
    lh_err_t err;
} ctx_t;

static int str(gen_table_t *t, uint32_t c, const char *s, ctx_t *x)
{
    return gen_set_str(t, c, s, strlen(s), &x->err);
}

static int fmt(gen_table_t *t, uint32_t c, ctx_t *x, const char *f, ...)
    __attribute__((format(printf, 4, 5)));
static int fmt(gen_table_t *t, uint32_t c, ctx_t *x, const char *f, ...)
{
    char s[256];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(s, sizeof s, f, ap);
    va_end(ap);
    return gen_set_str(t, c, s, (size_t)n, &x->err);
}

static int text(gen_table_t *t, uint32_t c, gen_rng_t *r, int min, int max, ctx_t *x)
{
    size_t n;
    const char *s = tpch_text(r, min, max, &n);
    return gen_set_str(t, c, s, n, &x->err);
}

/* A random v-string (4.2.2.7): letters, digits, space, comma, period. */
static int vstr(gen_table_t *t, uint32_t c, gen_rng_t *r, int min, int max, ctx_t *x)
{
    static const char alpha[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,. ";
    char s[64];
    int n = (int)gen_range(r, min, max);
    for (int i = 0; i < n; i++)
        s[i] = alpha[gen_range(r, 0, (int64_t)sizeof alpha - 2)];
    return gen_set_str(t, c, s, (size_t)n, &x->err);
}

static int phone(gen_table_t *t, uint32_t c, gen_rng_t *r, int nation, ctx_t *x)
{
    return fmt(t, c, x, "%02d-%03d-%03d-%04d", nation + 10, (int)gen_range(r, 100, 999),
               (int)gen_range(r, 100, 999), (int)gen_range(r, 1000, 9999));
}

static int open_table(gen_table_t *t, ctx_t *x, const char *name, const lh_field_t *cols,
                      uint32_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.parquet", x->dir, name);
    return gen_table_open(t, path, cols, n, &x->err);
}

#define I32 lh_type(LH_TYPE_INTEGER)
#define I64 lh_type(LH_TYPE_BIGINT)
#define VC lh_type(LH_TYPE_VARCHAR)
#define DEC lh_type_decimal(15, 2)
#define DATE lh_type(LH_TYPE_DATE)

static int gen_region_nation(ctx_t *x)
{
    const lh_field_t rc_[] = {{"r_regionkey", I32}, {"r_name", VC}, {"r_comment", VC}};
    const lh_field_t nc[] = {
        {"n_nationkey", I32}, {"n_name", VC}, {"n_regionkey", I32}, {"n_comment", VC}};
    gen_table_t t;
    gen_rng_t r = {1};
    int rc = open_table(&t, x, "region", rc_, 3);
    for (int i = 0; !rc && i < 5; i++) {
        gen_set_i32(&t, 0, i);
        if (!(rc = str(&t, 1, regions[i], x)) && !(rc = text(&t, 2, &r, 31, 115, x)))
            rc = gen_table_next(&t, &x->err);
    }
    if ((rc = gen_table_close(&t, rc, &x->err))) return rc;
    rc = open_table(&t, x, "nation", nc, 4);
    for (int i = 0; !rc && i < 25; i++) {
        gen_set_i32(&t, 0, i);
        gen_set_i32(&t, 2, nations[i].region);
        if (!(rc = str(&t, 1, nations[i].name, x)) && !(rc = text(&t, 3, &r, 31, 114, x)))
            rc = gen_table_next(&t, &x->err);
    }
    return gen_table_close(&t, rc, &x->err);
}

/* p_retailprice in cents (4.2.3). */
static int64_t retail_cents(int64_t pk)
{
    return 90000 + ((pk / 10) % 20001) + 100 * (pk % 1000);
}

/* The i-th (0..3) supplier of part pk (4.2.3, PS_SUPPKEY). */
static int64_t part_supp(int64_t pk, int64_t i, int64_t s)
{
    return (pk + (i * ((s / 4) + (pk - 1) / s))) % s + 1;
}

static int part_row(gen_table_t *t, gen_rng_t *r, int64_t pk, ctx_t *x)
{
    int pick[5], rc, m = (int)gen_range(r, 1, 5);
    for (int k = 0; k < 5; k++) { /* 5 distinct colours */
        pick[k] = (int)gen_range(r, 0, N_OF(colors) - 1);
        for (int j = 0; j < k; j++)
            if (pick[j] == pick[k]) k--, j = k;
    }
    gen_set_i32(t, 0, (int32_t)pk);
    gen_set_i32(t, 5, (int32_t)gen_range(r, 1, 50));
    gen_set_i64(t, 7, retail_cents(pk));
    if ((rc = fmt(t, 1, x, "%s %s %s %s %s", colors[pick[0]], colors[pick[1]], colors[pick[2]],
                  colors[pick[3]], colors[pick[4]])) ||
        (rc = fmt(t, 2, x, "Manufacturer#%d", m)) ||
        (rc = fmt(t, 3, x, "Brand#%d%d", m, (int)gen_range(r, 1, 5))) ||
        (rc = fmt(t, 4, x, "%s %s %s", PICK(r, type_s1), PICK(r, type_s2), PICK(r, type_s3))) ||
        (rc = fmt(t, 6, x, "%s %s", PICK(r, cont_s1), PICK(r, cont_s2))) ||
        (rc = text(t, 8, r, 5, 22, x)))
        return rc;
    return gen_table_next(t, &x->err);
}

static int gen_part_partsupp(ctx_t *x)
{
    const lh_field_t pc[] = {{"p_partkey", I32},  {"p_name", VC},         {"p_mfgr", VC},
                             {"p_brand", VC},     {"p_type", VC},         {"p_size", I32},
                             {"p_container", VC}, {"p_retailprice", DEC}, {"p_comment", VC}};
    const lh_field_t sc[] = {{"ps_partkey", I32},
                             {"ps_suppkey", I32},
                             {"ps_availqty", I32},
                             {"ps_supplycost", DEC},
                             {"ps_comment", VC}};
    gen_table_t p, ps;
    gen_rng_t r = {2}, r2 = {3};
    int rc = open_table(&p, x, "part", pc, 9);
    if (rc) return gen_table_close(&p, rc, &x->err);
    rc = open_table(&ps, x, "partsupp", sc, 5);
    for (int64_t pk = 1; !rc && pk <= x->parts; pk++) {
        rc = part_row(&p, &r, pk, x);
        for (int64_t i = 0; !rc && i < 4; i++) {
            gen_set_i32(&ps, 0, (int32_t)pk);
            gen_set_i32(&ps, 1, (int32_t)part_supp(pk, i, x->supps));
            gen_set_i32(&ps, 2, (int32_t)gen_range(&r2, 1, 9999));
            gen_set_i64(&ps, 3, gen_range(&r2, 100, 100000));
            if (!(rc = text(&ps, 4, &r2, 49, 198, x))) rc = gen_table_next(&ps, &x->err);
        }
    }
    rc = gen_table_close(&p, rc, &x->err);
    return gen_table_close(&ps, rc, &x->err);
}

/* s_comment; about 5 in 10,000 hold "Customer ...Complaints" and as many
 * "Customer ...Recommends" at a random place (4.2.3). */
static int supp_comment(gen_table_t *t, gen_rng_t *r, ctx_t *x)
{
    size_t n;
    const char *s = tpch_text(r, 25, 100, &n);
    int64_t bbb = gen_range(r, 0, 9999);
    if (bbb >= 10) return gen_set_str(t, 6, s, n, &x->err);
    char buf[128];
    const char *tail = bbb < 5 ? "Complaints" : "Recommends";
    size_t gap = (size_t)gen_range(r, 0, (int64_t)n - 18),
           at = (size_t)gen_range(r, 0, (int64_t)(n - 18 - gap));
    memcpy(buf, s, n);
    memcpy(buf + at, "Customer", 8);
    memcpy(buf + at + 8 + gap, tail, 10);
    return gen_set_str(t, 6, buf, n, &x->err);
}

static int gen_supplier(ctx_t *x)
{
    const lh_field_t sc[] = {{"s_suppkey", I32},   {"s_name", VC},  {"s_address", VC},
                             {"s_nationkey", I32}, {"s_phone", VC}, {"s_acctbal", DEC},
                             {"s_comment", VC}};
    gen_table_t t;
    gen_rng_t r = {4};
    int rc = open_table(&t, x, "supplier", sc, 7);
    for (int64_t k = 1; !rc && k <= x->supps; k++) {
        int nation = (int)gen_range(&r, 0, 24);
        gen_set_i32(&t, 0, (int32_t)k);
        gen_set_i32(&t, 3, nation);
        gen_set_i64(&t, 5, gen_range(&r, -99999, 999999));
        if (!(rc = fmt(&t, 1, x, "Supplier#%09lld", (long long)k)) &&
            !(rc = vstr(&t, 2, &r, 10, 40, x)) && !(rc = phone(&t, 4, &r, nation, x)) &&
            !(rc = supp_comment(&t, &r, x)))
            rc = gen_table_next(&t, &x->err);
    }
    return gen_table_close(&t, rc, &x->err);
}

static int gen_customer(ctx_t *x)
{
    const lh_field_t cc[] = {{"c_custkey", I32},   {"c_name", VC},   {"c_address", VC},
                             {"c_nationkey", I32}, {"c_phone", VC},  {"c_acctbal", DEC},
                             {"c_mktsegment", VC}, {"c_comment", VC}};
    gen_table_t t;
    gen_rng_t r = {5};
    int rc = open_table(&t, x, "customer", cc, 8);
    for (int64_t k = 1; !rc && k <= x->custs; k++) {
        int nation = (int)gen_range(&r, 0, 24);
        gen_set_i32(&t, 0, (int32_t)k);
        gen_set_i32(&t, 3, nation);
        gen_set_i64(&t, 5, gen_range(&r, -99999, 999999));
        if (!(rc = fmt(&t, 1, x, "Customer#%09lld", (long long)k)) &&
            !(rc = vstr(&t, 2, &r, 10, 40, x)) && !(rc = phone(&t, 4, &r, nation, x)) &&
            !(rc = str(&t, 6, PICK(&r, segments), x)) && !(rc = text(&t, 7, &r, 29, 116, x)))
            rc = gen_table_next(&t, &x->err);
    }
    return gen_table_close(&t, rc, &x->err);
}

/* One lineitem row of order okey placed on odate (4.2.3); adds its charge
 * to *total (cents) and counts its 'F' status in *nf. */
static int line_row(gen_table_t *t, gen_rng_t *r, int64_t okey, int32_t odate, int ln,
                    int64_t *total, int *nf, ctx_t *x)
{
    const int32_t current = days(1995, 6, 17);
    int64_t pk = gen_range(r, 1, x->parts), qty = gen_range(r, 1, 50);
    int64_t ext = qty * retail_cents(pk), disc = gen_range(r, 0, 10), tax = gen_range(r, 0, 8);
    int32_t ship = odate + (int32_t)gen_range(r, 1, 121);
    int32_t commit = odate + (int32_t)gen_range(r, 30, 90);
    int32_t receipt = ship + (int32_t)gen_range(r, 1, 30);
    const char *rf = receipt <= current ? (gen_range(r, 0, 1) ? "R" : "A") : "N";
    const char *ls = ship > current ? "O" : "F";
    *total += (ext * (100 - disc) * (100 + tax) + 5000) / 10000;
    *nf += *ls == 'F';
    gen_set_i64(t, 0, okey);
    gen_set_i32(t, 1, (int32_t)pk);
    gen_set_i32(t, 2, (int32_t)part_supp(pk, gen_range(r, 0, 3), x->supps));
    gen_set_i32(t, 3, ln);
    gen_set_i64(t, 4, qty * 100);
    gen_set_i64(t, 5, ext);
    gen_set_i64(t, 6, disc);
    gen_set_i64(t, 7, tax);
    gen_set_i32(t, 10, ship);
    gen_set_i32(t, 11, commit);
    gen_set_i32(t, 12, receipt);
    int rc;
    if ((rc = str(t, 8, rf, x)) || (rc = str(t, 9, ls, x)) ||
        (rc = str(t, 13, PICK(r, instructs), x)) || (rc = str(t, 14, PICK(r, modes), x)) ||
        (rc = text(t, 15, r, 10, 43, x)))
        return rc;
    return gen_table_next(t, &x->err);
}

/* Order i (0-based): its key uses the first 8 of every 32 keys; customers
 * whose key is a multiple of 3 place no orders; 1..7 lines; the status and
 * total price derive from the lines (4.2.3). */
static int order_row(gen_table_t *o, gen_table_t *l, gen_rng_t *r, int64_t i, ctx_t *x)
{
    const int32_t start = days(1992, 1, 1), end = days(1998, 12, 31);
    int64_t okey = (i / 8) * 32 + i % 8 + 1, cust, total = 0;
    do
        cust = gen_range(r, 1, x->custs);
    while (cust % 3 == 0);
    int32_t odate = (int32_t)gen_range(r, start, end - 151);
    int nlines = (int)gen_range(r, 1, 7), nf = 0, rc = 0;
    for (int ln = 1; !rc && ln <= nlines; ln++)
        rc = line_row(l, r, okey, odate, ln, &total, &nf, x);
    if (rc) return rc;
    int64_t clerks = (int64_t)(1000 * x->sf) > 0 ? (int64_t)(1000 * x->sf) : 1;
    gen_set_i64(o, 0, okey);
    gen_set_i32(o, 1, (int32_t)cust);
    gen_set_i64(o, 3, total);
    gen_set_i32(o, 4, odate);
    gen_set_i32(o, 7, 0);
    if ((rc = str(o, 2,
                  nf == nlines ? "F"
                  : nf == 0    ? "O"
                               : "P",
                  x)) ||
        (rc = str(o, 5, PICK(r, priorities), x)) ||
        (rc = fmt(o, 6, x, "Clerk#%09lld", (long long)gen_range(r, 1, clerks))) ||
        (rc = text(o, 8, r, 19, 78, x)))
        return rc;
    return gen_table_next(o, &x->err);
}

static int gen_orders_lineitem(ctx_t *x)
{
    const lh_field_t oc[] = {
        {"o_orderkey", I64},   {"o_custkey", I32},      {"o_orderstatus", VC},
        {"o_totalprice", DEC}, {"o_orderdate", DATE},   {"o_orderpriority", VC},
        {"o_clerk", VC},       {"o_shippriority", I32}, {"o_comment", VC}};
    const lh_field_t lc[] = {
        {"l_orderkey", I64},     {"l_partkey", I32},     {"l_suppkey", I32},
        {"l_linenumber", I32},   {"l_quantity", DEC},    {"l_extendedprice", DEC},
        {"l_discount", DEC},     {"l_tax", DEC},         {"l_returnflag", VC},
        {"l_linestatus", VC},    {"l_shipdate", DATE},   {"l_commitdate", DATE},
        {"l_receiptdate", DATE}, {"l_shipinstruct", VC}, {"l_shipmode", VC},
        {"l_comment", VC}};
    gen_table_t o, l;
    gen_rng_t r = {6};
    int rc = open_table(&o, x, "orders", oc, 9);
    if (rc) return gen_table_close(&o, rc, &x->err);
    rc = open_table(&l, x, "lineitem", lc, 16);
    for (int64_t i = 0; !rc && i < x->orders; i++)
        rc = order_row(&o, &l, &r, i, x);
    rc = gen_table_close(&o, rc, &x->err);
    return gen_table_close(&l, rc, &x->err);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: tpch_gen OUTDIR [SF=1]\n");
        return 2;
    }
    ctx_t x = {.sf = argc > 2 ? atof(argv[2]) : 1.0, .dir = argv[1]};
    if (x.sf <= 0 || x.sf > 300) {
        fprintf(stderr, "tpch_gen: SF must be in (0, 300]\n");
        return 2;
    }
    x.parts = (int64_t)(200000 * x.sf);
    x.supps = (int64_t)(10000 * x.sf);
    x.custs = (int64_t)(150000 * x.sf);
    x.orders = (int64_t)(1500000 * x.sf);
    if (x.supps < 4) {
        fprintf(stderr, "tpch_gen: SF too small (under 4 suppliers)\n");
        return 2;
    }
    mkdir(x.dir, 0755);
    int rc = tpch_text_init(300);
    if (rc) lh_err_set(&x.err, rc, "out of memory");
    if (!rc) rc = gen_region_nation(&x);
    if (!rc) rc = gen_part_partsupp(&x);
    if (!rc) rc = gen_supplier(&x);
    if (!rc) rc = gen_customer(&x);
    if (!rc) rc = gen_orders_lineitem(&x);
    if (rc) fprintf(stderr, "tpch_gen: %s\n", x.err.msg);
    return rc ? 1 : 0;
}
