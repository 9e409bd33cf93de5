/* The demo's event generator: blockchain token transfers as JSON, with the
 * mess real feeds have, from a seed alone (our own PRNG, xoshiro256** seeded
 * by splitmix64), so the same parameters give the same records byte for
 * byte. It knows nothing of Kafka or the lake: `lakehouse demo generate`
 * (src/cmd/demo.c) produces what it yields and writes the manifest
 * (manifest.c). docs/demo.md describes the records and every kind of mess. */
#ifndef LH_DEMO_GEN_H
#define LH_DEMO_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LH_DEMO_MAX_HOURS 8760  /* hours + lateness: a year */
#define LH_DEMO_MAX_LATENESS 48 /* hours */
#define LH_DEMO_VALUE_MAX 448   /* the longest record value, NUL included */
#define LH_DEMO_HOUR_MS 3600000LL

/* What a record is; every record is exactly one kind. The manifest counts
 * them per kind per hour of their timestamp (docs/demo.md). */
typedef enum {
    LH_DEMO_VALID,         /* a new event, in block order */
    LH_DEMO_OUT_OF_ORDER,  /* a new event from an older block of the same hour */
    LH_DEMO_LATE,          /* a new event of an earlier hour, within lateness */
    LH_DEMO_DUPLICATE,     /* an earlier record of the same hour again, byte for byte */
    LH_DEMO_REORG,         /* an earlier event of the same hour in another block */
    LH_DEMO_TOO_LATE,      /* a new event of an hour beyond lateness */
    LH_DEMO_MALFORMED,     /* a value that is not JSON */
    LH_DEMO_UNKNOWN_TOKEN, /* a token outside lh_demo_tokens */
    LH_DEMO_OVERFLOW,      /* an amount of 39 digits or more: beyond DECIMAL(38,0) */
    LH_DEMO_NKINDS
} lh_demo_kind_t;

/* The kinds' names as the manifest spells them ("valid", "out_of_order"...). */
extern const char *const lh_demo_kind_names[LH_DEMO_NKINDS];
/* The known token symbols, NULL-terminated: silver keeps only these. */
extern const char *const lh_demo_tokens[];

typedef struct lh_demo_params {
    int64_t events; /* records to yield, >= 1 */
    int hours;      /* the intervals the pipeline processes, >= 1 */
    int lateness;   /* hours generated beyond them, 0..LH_DEMO_MAX_LATENESS */
    uint64_t seed;
    int64_t end_ms; /* the window's end, a whole hour (ms since the epoch) */
} lh_demo_params_t;

/* One record to produce; views valid until the next lh_demo_gen_next. */
typedef struct lh_demo_record {
    lh_demo_kind_t kind;
    int64_t ts_ms;    /* the Kafka timestamp (CreateTime): the block time */
    int hour;         /* index of ts_ms's hour in the window, from 0 */
    int arrival_hour; /* index of the hour the feed had reached when it was yielded */
    int has_key;      /* 0: the record's key is null */
    char key[67];     /* the tx hash ("0x" + 64 hex) */
    size_t len;
    char value[LH_DEMO_VALUE_MAX];
} lh_demo_record_t;

typedef struct lh_demo_gen lh_demo_gen_t;

/* The window's first millisecond: end_ms - (hours + lateness) hours. */
int64_t lh_demo_window_start(const lh_demo_params_t *p);
/* A generator (the caller frees it with lh_demo_gen_free). Errors:
 * LH_EINVAL (events < 1, hours < 1, lateness out of range, hours +
 * lateness over LH_DEMO_MAX_HOURS, end_ms not a whole hour or before the
 * window fits after 1970), LH_ENOMEM. */
int lh_demo_gen_new(lh_demo_gen_t **out, const lh_demo_params_t *p, lh_err_t *err);
/* The next record into *r: 1, or 0 once `events` records were yielded. */
int lh_demo_gen_next(lh_demo_gen_t *g, lh_demo_record_t *r);
void lh_demo_gen_free(lh_demo_gen_t *g);

/* --- gen_mess.c: the injected mess --- */
/* Rewrites r->value (a rendered event) into one of several values no JSON
 * parser accepts, chosen by rnd. */
void lh_demo_malform(lh_demo_record_t *r, uint64_t rnd);

/* --- manifest.c: counts and the manifest document --- */
typedef struct lh_demo_counts lh_demo_counts_t;
/* Zeroed counts for the window of p (freed with lh_demo_counts_free); NULL
 * when out of memory. */
lh_demo_counts_t *lh_demo_counts_new(const lh_demo_params_t *p);
void lh_demo_counts_add(lh_demo_counts_t *c, const lh_demo_record_t *r);
/* Records of kind k with a timestamp in hour index h (k < 0: every kind). */
int64_t lh_demo_counts_get(const lh_demo_counts_t *c, int h, int k);
void lh_demo_counts_free(lh_demo_counts_t *c);
/* The manifest (docs/demo.md) as pretty JSON, NUL-terminated, the caller
 * frees it; NULL when out of memory. */
char *lh_demo_manifest(const lh_demo_params_t *p, const lh_demo_counts_t *c, const char *topic);

#endif
