/* SQL functions: the registry the binder looks names up in, the calling
 * convention of scalar functions and aggregates over vectors, casts, and the
 * type rules (implicit casts, common types) the binder applies. Semantics
 * follow DuckDB 1.5 (names, overloads, result types, NULL and error rules).
 *
 * Operators are functions too, registered under their symbol: "+", "-", "*",
 * "/", "//", "%", "^", "||", "=", "<>", "<", "<=", ">", ">=", "~~" (LIKE),
 * "!~~", "~~*" (ILIKE), "!~~*", "->", "->>", "&", "|", "<<", ">>", "~".
 * AND, OR, NOT, IS [NOT] NULL, IS [NOT] DISTINCT FROM, CASE, COALESCE, IN
 * and CAST are evaluated by the executor itself (short-circuit and
 * three-valued logic), not through this table.
 *
 * Ownership: the registry is static (process lifetime, read-only, shared by
 * every thread). A bind allocates its bind data and nested types in the
 * arena it is given (the query's). A function writes result strings through
 * lh_vector_set_string into out->arena (the batch's), or borrows bytes that
 * live as long as its inputs (lh_vector_set_string_ref on an input's bytes:
 * substr, trim). */
#ifndef LH_SQL_FUNC_H
#define LH_SQL_FUNC_H
#include "core/arena.h"
#include "sql/error.h"
#include "vector/batch.h"

/* ---- argument types at bind time ---- */

/* What the binder knows about an argument: its type, and whether it is a
 * literal whose type is still open (DuckDB's STRING_LITERAL and
 * INTEGER_LITERAL): '2026-01-01' compared with a DATE column becomes a DATE,
 * 1 + a BIGINT column stays BIGINT arithmetic. */
enum {
    LH_SQL_ARG_STRING_LITERAL = 1,  /* a VARCHAR string literal: casts implicitly to any type */
    LH_SQL_ARG_INTEGER_LITERAL = 2, /* an integer literal: casts implicitly to any numeric type
                                       that holds its value (.value) */
    LH_SQL_ARG_CONSTANT = 4,        /* a constant expression: .value holds it (after folding) */
    LH_SQL_ARG_NULL_LITERAL = 8,    /* the literal NULL (type "NULL": casts to anything) */
};

typedef struct lh_sql_arg {
    lh_type_t type;
    uint32_t flags;   /* LH_SQL_ARG_* */
    lh_value_t value; /* valid with LH_SQL_ARG_CONSTANT / _INTEGER_LITERAL / _STRING_LITERAL */
} lh_sql_arg_t;

/* ---- type rules ---- */

/* The cost of an implicit cast from arg to `to` (0 = same type; higher =
 * worse, DuckDB's ordering: integer widening < integer to DECIMAL < to
 * DOUBLE ...), or -1 when there is none (an explicit CAST is needed). */
int lh_sql_implicit_cost(const lh_sql_arg_t *arg, const lh_type_t *to);
/* The type two values meet in (DuckDB's max logical type), for comparisons,
 * UNION, CASE, COALESCE, IN lists: INTEGER and BIGINT -> BIGINT, INTEGER and
 * DECIMAL(10,2) -> DECIMAL(12,2), DATE and TIMESTAMP -> TIMESTAMP, a string
 * literal and DATE -> DATE, NULL and x -> x. Nested parts go into a. 0, or
 * LH_EINVAL with a Binder Error naming both types when there is none. */
int lh_sql_common_type(lh_arena_t *a, const lh_sql_arg_t *x, const lh_sql_arg_t *y, lh_type_t *out,
                       int32_t pos, lh_sql_error_t *err);

/* ---- casts ---- */

/* Whether CAST(from AS to) exists at all (a value may still fail). */
bool lh_sql_cast_exists(const lh_type_t *from, const lh_type_t *to);
/* Casts rows [0, count) of in (FLAT, CONSTANT or DICTIONARY) into out, a
 * FLAT vector initialised with the target type, capacity >= count and an
 * arena. A NULL stays NULL. A value that does not convert is an error
 * (Conversion Error "Could not convert string 'abc' to INT32", Out of Range
 * Error for overflow; LH_EINVAL) unless try_cast, which gives NULL instead.
 * Text forms are DuckDB's both ways (lh_vector_text writes them). pos is the
 * CAST's position for the message. */
int lh_sql_cast_vector(const lh_vector_t *in, uint32_t count, lh_vector_t *out, bool try_cast,
                       int32_t pos, lh_sql_error_t *err);
/* The same for one value; VARCHAR/BLOB results are allocated in a. */
int lh_sql_cast_value(const lh_value_t *in, const lh_type_t *to, bool try_cast, lh_arena_t *a,
                      lh_value_t *out, int32_t pos, lh_sql_error_t *err);

/* ---- scalar functions ---- */

/* What a function sees when it runs. */
typedef struct lh_sql_fctx {
    const void *bind_data; /* what its bind left (NULL when none) */
    lh_sql_error_t *err;
    int32_t pos;       /* the call's position in the query, for errors */
    lh_arena_t *arena; /* scratch for this call: freed with the batch */
    void *local;       /* per-thread state made by lh_sql_bound_t.init_local (a compiled
                          regex, a cache), or NULL */
} lh_sql_fctx_t;

/* Computes rows [0, count) of out from args. Each argument is FLAT or
 * CONSTANT (never DICTIONARY: the executor flattens first), of exactly the
 * type the bind asked for (cast_to). out is FLAT, of the bound return type,
 * capacity >= count, with an arena.
 * NULL handling: with LH_SQL_FUNC_STRICT (the default) the executor has
 * already set out's validity to the AND of the arguments' validity, and the
 * function computes only the rows valid in out (the data of a NULL row is
 * unspecified: never follow a NULL row's string pointer); it may set more
 * rows NULL (TRY functions). A function with LH_SQL_FUNC_SPECIAL_NULLS sees
 * out all valid and decides every row itself (concat, coalesce-like).
 * Returns 0 or a negative LH_E* code with err set (Invalid Input Error,
 * Out of Range Error, ...). */
typedef int (*lh_sql_scalar_fn)(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs,
                                uint32_t count, lh_vector_t *out);

/* ---- aggregates ---- */

/* What an aggregate sees when it runs (per thread). */
typedef struct lh_sql_actx {
    const void *bind_data;
    lh_sql_error_t *err;
    int32_t pos;
    lh_arena_t *arena; /* lives as long as the states (the hash table's): for string copies,
                          lists of values (median, string_agg); counted against the memory limit */
} lh_sql_actx_t;

/* An aggregate over states of state_size bytes (aligned to 16), one per
 * group. Arguments come as in scalar functions (FLAT or CONSTANT, already
 * cast), NULLs included: the aggregate skips them itself (count(x) does,
 * count(*) has no arguments). A FILTER clause and DISTINCT are applied by
 * the executor before update. */
typedef struct lh_sql_agg {
    uint32_t state_size;
    /* A fresh state (the value of an empty group). */
    void (*init)(const void *bind_data, void *state);
    /* Folds row i of args into states[i] for i < count (rows of one batch
     * going to their groups; several rows may share a state). */
    int (*update)(lh_sql_actx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                  void **states);
    /* Optional fast path: every row into one state (no GROUP BY). */
    int (*update_one)(lh_sql_actx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                      void *state);
    /* Merges src into dst (thread-local tables into the final one). */
    int (*combine)(lh_sql_actx_t *ctx, const void *src, void *dst);
    /* Writes the result of states[i] into row i of out (FLAT, the return type). */
    int (*finalize)(lh_sql_actx_t *ctx, void **states, uint32_t count, lh_vector_t *out);
    /* Optional: frees what a state holds outside the arena. */
    void (*destroy)(void *state);
    bool order_sensitive; /* string_agg, first, list: an ORDER BY inside the call matters */
} lh_sql_agg_t;

/* ---- binding a call ---- */

typedef struct lh_sql_bind_call {
    /* in */
    const char *name;         /* the name as called (an alias keeps its own spelling) */
    const lh_sql_arg_t *args; /* nargs */
    uint32_t nargs;
    lh_arena_t *arena; /* the query's: bind data, nested types */
    int32_t pos;
    /* out: set by the bind */
    lh_type_t *cast_to;      /* nargs entries, pre-filled with the argument types: the type
                                each argument is cast to before the call */
    lh_type_t ret;           /* the result type */
    lh_sql_scalar_fn exec;   /* a scalar: the kernel */
    const lh_sql_agg_t *agg; /* an aggregate: its callbacks */
    void *bind_data;         /* optional, in arena */
    void *(*init_local)(const void *bind_data); /* optional per-thread state (freed with free()) */
    void (*free_local)(void *local);
} lh_sql_bind_call_t;

/* Resolves the call: picks the overload, fills the outputs. 0, or LH_EINVAL
 * with a Binder Error ("No function matches the given name and argument
 * types 'substr(INTEGER)'. You might need to add explicit type casts."). */
typedef int (*lh_sql_bind_fn)(lh_sql_bind_call_t *call, lh_sql_error_t *err);

/* One overload of a function with a fixed signature: argument type ids (a
 * DECIMAL id matches any width; LH_TYPE_INVALID matches any type), an
 * optional repeated trailing argument, the result type. */
#define LH_SQL_MAX_ARGS 8
typedef struct lh_sql_overload {
    uint8_t args[LH_SQL_MAX_ARGS];
    uint8_t nargs;
    uint8_t varargs; /* a type id repeated after args (concat(VARCHAR, ...)), or 0 */
    uint8_t ret;
    lh_sql_scalar_fn exec;
    const lh_sql_agg_t *agg;
} lh_sql_overload_t;

/* The common bind: the overload whose arguments the call reaches with the
 * least total implicit-cast cost (ties: the first listed). For bind functions
 * that list their overloads. */
int lh_sql_bind_overloads(lh_sql_bind_call_t *call, const lh_sql_overload_t *ovl, uint32_t n,
                          lh_sql_error_t *err);

typedef enum lh_sql_func_kind {
    LH_SQL_FUNC_SCALAR = 1,
    LH_SQL_FUNC_AGGREGATE,
    LH_SQL_FUNC_WINDOW, /* row_number, rank, lag ...: evaluated by the window operator */
} lh_sql_func_kind_t;

enum {
    LH_SQL_FUNC_STRICT = 0,        /* NULL in any argument -> NULL (default) */
    LH_SQL_FUNC_SPECIAL_NULLS = 1, /* the function handles NULLs itself */
    LH_SQL_FUNC_VOLATILE = 2,      /* random(), gen_random_uuid(): never folded */
    LH_SQL_FUNC_STABLE = 4,        /* now(), current_date: one value per query, folded at bind */
};

/* A row of the registry (designated initialisers; one table per file of
 * functions, joined in registry.c). */
typedef struct lh_sql_func_def {
    const char *name; /* lower case; operators by symbol */
    uint8_t kind;     /* lh_sql_func_kind_t */
    uint32_t flags;   /* LH_SQL_FUNC_* */
    lh_sql_bind_fn bind;
    const lh_sql_overload_t *overloads; /* when bind is NULL: lh_sql_bind_overloads over these */
    uint32_t noverloads;
    const char
        *doc; /* one line for `lakehouse sql -c "SELECT * FROM duckdb_functions()"`-like listings */
} lh_sql_func_def_t;

/* ---- evaluation scopes ---- */

/* An operator that evaluates several expressions over one input batch whose
 * columns do not change meanwhile (a projection's list) opens a scope over
 * it; functions may then share what they read of those columns across the
 * expressions (json_extract_string of one column under several keys looks
 * each document up once). Scopes are per thread and nest: leave restores
 * what enter returned. */
typedef struct lh_sql_scope {
    const lh_batch_t *in;
    uint64_t epoch;
} lh_sql_scope_t;

lh_sql_scope_t lh_sql_scope_enter(const lh_batch_t *in);
void lh_sql_scope_leave(lh_sql_scope_t saved);
/* The open scope's epoch (never 0) when data is the values of one of its
 * batch's FLAT columns, or of a column gathered under it (below); 0
 * otherwise. Two calls that get the same epoch for the same data saw the
 * same values. */
uint64_t lh_sql_scope_column(const void *data);
/* A column of a scope's batch that is not FLAT (a filter's selection) is
 * gathered by the first reference to it and shared by the others: the
 * FLAT gathering of column col of in under the open scope, or NULL; and
 * the gathering one records it (it must not change while the scope is
 * open). */
const lh_vector_t *lh_sql_scope_gathered(const lh_batch_t *in, uint32_t col);
void lh_sql_scope_gather_done(const lh_batch_t *in, uint32_t col, const lh_vector_t *v);

/* The function named name (ASCII case-insensitive), or NULL. */
const lh_sql_func_def_t *lh_sql_func_lookup(const char *name);
/* Every registered function, for listings and "did you mean" hints. */
const lh_sql_func_def_t *const *lh_sql_func_all(uint32_t *n);
/* Binds a call of def: its bind, or lh_sql_bind_overloads over its
 * overloads; then checks the outputs are complete. */
int lh_sql_func_bind(const lh_sql_func_def_t *def, lh_sql_bind_call_t *call, lh_sql_error_t *err);

#endif
