/* Column vectors: one column of up to `capacity` rows in native layout, the
 * unit every reader produces and every SQL operator consumes (DuckDB's Vector,
 * ClickHouse's IColumn, an Arrow array). See src/vector/README.md for the
 * layout pictures and the ownership rules in one place.
 *
 * Layout of a vector
 *   type      logical type (types.h); lh_type_physical() says how `data` is laid out
 *   validity  NULL when every row is valid, else bit (row % 64) of word
 *             validity[row / 64]: 1 = valid, least significant bit first
 *   data      capacity rows of lh_type_size() bytes in native layout:
 *             BOOLEAN 1 byte (0/1); integers at their width; HUGEINT and DECIMAL
 *             width > 18 lh_int128_t; DECIMAL width <= 18 int64_t (unscaled, the
 *             scale is the type's); FLOAT, DOUBLE; DATE int32 days; TIME and
 *             TIMESTAMP int64 micros; INTERVAL lh_interval_t; VARCHAR and BLOB
 *             lh_string_t views; LIST and MAP lh_list_entry_t; STRUCT none (NULL)
 *
 * Kinds
 *   FLAT        row i is data[i], validity bit i
 *   CONSTANT    every row is row 0 (data[0], validity bit 0); a STRUCT's
 *               children are CONSTANT too
 *   DICTIONARY  row i is dict row codes[i]; it is NULL when validity bit i is 0
 *               or the dict row is NULL. `data` is NULL. Codes of NULL rows are
 *               still in [0, dict_size) (0 by convention), so kernels may gather
 *               without a branch. The dictionary is FLAT, of the same type, and
 *               borrowed (see Ownership). A Parquet dictionary page arrives like
 *               this, undecoded, so the engine can filter and group on codes.
 *   Kernels that handle only FLAT call lh_vector_flatten first.
 *
 * Nested vectors
 *   LIST   data holds {offset, length} per row into `child`, a FLAT vector of
 *          the element type with child_count rows in use. Entries may share or
 *          skip child rows (a flattened CONSTANT list shares one range); a NULL
 *          row has length 0.
 *   MAP    a LIST whose child is STRUCT(key, value); keys are never NULL.
 *   STRUCT no data; children[i] has the type of field i and the parent's
 *          capacity and row numbering; the STRUCT's own validity says which rows
 *          are NULL, and a NULL row has NULL children at that row too
 *          (lh_vector_set_null keeps this), so a child can be read alone.
 *
 * Ownership and lifetime
 *   - The vector owns the buffers it allocated (64-byte aligned, by
 *     lh_vector_init and growth): data, validity words, codes, the LIST child
 *     and STRUCT children. They live until lh_vector_release and are reused
 *     across lh_vector_reset (no allocation in steady state).
 *   - String bytes longer than LH_STRING_INLINE live elsewhere: in `arena` when
 *     copied by lh_vector_set_string/lh_vector_copy (the batch's arena: freed by
 *     the next lh_batch_reset), or in memory the producer lends
 *     (lh_vector_set_string_ref).
 *   - Borrowed memory (a dictionary vector, referenced data, lent string bytes)
 *     belongs to the producer, which keeps it valid until the consumer resets
 *     or frees the batch; lh_batch_on_reset lets the producer release it then.
 *     So a batch handed to a consumer is valid until the consumer asks for the
 *     next one; an operator that keeps rows longer copies them
 *     (lh_vector_copy, lh_batch_append), which copies string bytes too.
 *   - The type's nested parts are borrowed from whoever built the type (the
 *     batch keeps its own copy).
 *   - A vector is not thread-safe; different vectors may be used from
 *     different threads, and a borrowed dictionary may be shared read-only.
 *
 * Fields are public so kernels can loop over raw buffers; change them only
 * through these functions (except writing data/validity words of a FLAT vector
 * you own). */
#ifndef LH_VECTOR_VECTOR_H
#define LH_VECTOR_VECTOR_H

#include <string.h>

#include "core/arena.h"
#include "vector/types.h"
#include "vector/value.h"

#define LH_VECTOR_ALIGN 64                     /* alignment of every owned buffer */
#define LH_VECTOR_MAX_ROWS (UINT32_C(1) << 30) /* capacity limit: children, dictionaries */

/* ---- string views ("German strings", Umbra/Arrow StringView style) ----
 *
 *   len <= 12:  | len (4) | bytes 0..3 | bytes 4..11, zero padded      |
 *   len  > 12:  | len (4) | bytes 0..3 | pointer to all len bytes (8)  |
 *
 * Unused inline bytes are zero, so two short strings are equal exactly when
 * their 16 bytes are; the prefix settles most comparisons without following
 * the pointer. Byte order is unsigned (memcmp), then length. */
#define LH_STRING_INLINE 12

typedef struct lh_string {
    uint32_t len;
    char prefix[4];
    union {
        char rest[8];    /* len <= 12: bytes 4..11 */
        const char *ptr; /* len > 12: every byte; borrowed (see Ownership) */
    } u;
} lh_string_t;

_Static_assert(sizeof(lh_string_t) == 16, "string views are 16 bytes");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "lh_string_make assumes little-endian");

static inline const char *lh_string_data(const lh_string_t *s)
{
    return s->len <= LH_STRING_INLINE ? (const char *)s + 4 : s->u.ptr;
}

/* A view of len bytes at p: short strings are copied inline, long ones point
 * at p (which must outlive the view). */
static inline lh_string_t lh_string_make(const char *p, uint32_t len)
{
    /* the two halves built in registers (little-endian: len, then the
       first four bytes; then the rest or the pointer), each read of p a
       whole word inside [p, p + len): filled field by field on the stack,
       the view was read back as a whole before those stores had landed,
       a stall on every string made */
    uint64_t lo = len, hi = 0;
    if (len > LH_STRING_INLINE) {
        uint32_t a;
        memcpy(&a, p, 4);
        lo |= (uint64_t)a << 32;
        hi = (uint64_t)(uintptr_t)p;
    } else if (len >= 8) { /* bytes 4..len-1 are the last len - 4 of the last 8 */
        uint32_t a;
        uint64_t b;
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 8, 8);
        lo |= (uint64_t)a << 32;
        hi = b >> ((12 - len) * 8);
    } else if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);
        lo |= (uint64_t)a << 32;
        hi = (uint64_t)b >> ((8 - len) * 8);
    } else {
        for (uint32_t i = 0; i < len; i++)
            lo |= (uint64_t)(uint8_t)p[i] << (32 + 8 * i);
    }
    lh_string_t s;
    memcpy(&s, &lo, 8);
    memcpy((char *)&s + 8, &hi, 8);
    return s;
}

static inline bool lh_string_equal(const lh_string_t *a, const lh_string_t *b)
{
    if (memcmp(a, b, 8)) return false; /* length and prefix */
    if (a->len <= LH_STRING_INLINE) return !memcmp(a->u.rest, b->u.rest, 8);
    return !memcmp(a->u.ptr + 4, b->u.ptr + 4, a->len - 4);
}

/* <0, 0, >0: bytes unsigned, then length. */
static inline int lh_string_compare(const lh_string_t *a, const lh_string_t *b)
{
    int c = memcmp(a->prefix, b->prefix, 4);
    if (c) return c;
    uint32_t n = a->len < b->len ? a->len : b->len;
    c = n > 4 ? memcmp(lh_string_data(a) + 4, lh_string_data(b) + 4, n - 4) : 0;
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* ---- vectors ---- */

typedef enum lh_vector_kind {
    LH_VECTOR_FLAT = 0,
    LH_VECTOR_CONSTANT,
    LH_VECTOR_DICTIONARY,
} lh_vector_kind_t;

typedef struct lh_list_entry {
    uint32_t offset; /* first child row */
    uint32_t length; /* child rows */
} lh_list_entry_t;

typedef struct lh_vector lh_vector_t;
struct lh_vector {
    lh_type_t type;
    uint8_t kind;       /* lh_vector_kind_t */
    uint8_t flags;      /* private */
    uint32_t capacity;  /* rows data and validity hold */
    void *data;         /* see the layout above; NULL for DICTIONARY and STRUCT */
    uint64_t *validity; /* NULL: all valid */

    const lh_vector_t *dict; /* DICTIONARY: the borrowed dictionary */
    uint32_t dict_size;      /* DICTIONARY: rows of dict in use (codes are below it) */
    int32_t *codes;          /* DICTIONARY: one code per row */
    /* FLAT: nonzero while the rows stay exactly as they are (a Parquet column
       chunk's dictionary: lh_vector_new_stamp when its page is read); 0, no
       such promise. lh_vector_reset clears it. A consumer may keep what it
       derives from the rows (their hashes, their groups) by (address, stamp)
       across batches; no two contents share a stamp. */
    uint64_t stamp;

    lh_vector_t *child;   /* LIST, MAP: the element vector (owned) */
    uint32_t child_count; /* LIST, MAP: child rows in use */

    lh_vector_t *children; /* STRUCT: type.nfields vectors (owned) */

    lh_arena_t *arena; /* where long string bytes are copied; borrowed; may be NULL */

    /* private: owned storage */
    void *own_data;
    uint64_t *own_validity;
    int32_t *own_codes;
};

/* Sets up v (caller-allocated) for `capacity` rows of type: allocates data and
 * validity storage, a LIST/MAP child (capacity 0, grows on demand) and STRUCT
 * children (same capacity). type's nested parts must outlive v. arena takes
 * the copies of long strings (NULL: only lh_vector_set_string_ref). Returns 0,
 * LH_EINVAL (invalid type), LH_ETOOBIG (capacity over LH_VECTOR_MAX_ROWS) or
 * LH_ENOMEM (v is then released). */
int lh_vector_init(lh_vector_t *v, const lh_type_t *type, uint32_t capacity, lh_arena_t *arena);
/* Frees what v owns (not borrowed memory, not v itself). Safe on a zeroed or
 * released vector. */
void lh_vector_release(lh_vector_t *v);
/* Back to an empty FLAT vector with every row valid, keeping its storage:
 * drops borrowed pointers (dictionary, referenced data), child_count = 0. */
void lh_vector_reset(lh_vector_t *v);
/* Grows a FLAT vector (and its STRUCT children) to hold capacity rows,
 * keeping rows and validity. 0, LH_EINVAL (not FLAT, or referenced data),
 * LH_ETOOBIG or LH_ENOMEM (v unchanged). */
int lh_vector_reserve(lh_vector_t *v, uint32_t capacity);

/* ---- validity ---- */

static inline bool lh_validity_get(const uint64_t *words, uint32_t row)
{
    return !words || (words[row >> 6] >> (row & 63) & 1);
}

/* Whether row is non-NULL, for every kind. */
static inline bool lh_vector_is_valid(const lh_vector_t *v, uint32_t row)
{
    if (v->kind == LH_VECTOR_CONSTANT) row = 0;
    if (!lh_validity_get(v->validity, row)) return false;
    if (v->kind == LH_VECTOR_DICTIONARY)
        return lh_validity_get(v->dict->validity, (uint32_t)v->codes[row]);
    return true;
}

/* The vector holding the values (the dictionary for DICTIONARY, else v) and
 * the row within it: kernels read lh_vector_values(v)->data[lh_vector_row(v, i)]. */
static inline const lh_vector_t *lh_vector_values(const lh_vector_t *v)
{
    return v->kind == LH_VECTOR_DICTIONARY ? v->dict : v;
}
static inline uint32_t lh_vector_row(const lh_vector_t *v, uint32_t row)
{
    if (v->kind == LH_VECTOR_CONSTANT) return 0;
    return v->kind == LH_VECTOR_DICTIONARY ? (uint32_t)v->codes[row] : row;
}

/* Marks row NULL (the validity words come from v's own storage: no
 * allocation). On a STRUCT the children's rows too; on a LIST/MAP the entry
 * becomes {0, 0}; on a DICTIONARY the code becomes 0. */
void lh_vector_set_null(lh_vector_t *v, uint32_t row);
static inline void lh_vector_set_valid(lh_vector_t *v, uint32_t row)
{
    if (v->validity) v->validity[row >> 6] |= UINT64_C(1) << (row & 63);
}
/* v's validity words, made writable (all valid if there were none), for
 * producers that write whole words (Parquet definition levels). Owned by v. */
uint64_t *lh_vector_validity_mut(lh_vector_t *v);
/* Number of NULL rows among the first count. */
uint32_t lh_vector_null_count(const lh_vector_t *v, uint32_t count);

/* ---- strings ---- */

/* Sets row to the bytes [p, p+len): bytes past LH_STRING_INLINE are copied
 * into v->arena; marks the row valid. 0, LH_EINVAL (no arena for a long
 * string), LH_ETOOBIG (len > UINT32_MAX) or LH_ENOMEM. */
int lh_vector_set_string(lh_vector_t *v, uint32_t row, const void *p, size_t len);
/* The same without a copy: a long string points at p, which the producer keeps
 * valid as borrowed memory (see Ownership). Inline: the JSON functions set
 * one per extracted value. */
static inline void lh_vector_set_string_ref(lh_vector_t *v, uint32_t row, const void *p,
                                            uint32_t len)
{
    ((lh_string_t *)v->data)[row] = lh_string_make((const char *)p, len);
    lh_vector_set_valid(v, row);
}

/* ---- nested ---- */

/* Appends a list of `length` elements as row `row` of a LIST/MAP vector:
 * grows the child (doubling) and sets the entry; *offset is the first child
 * row to fill. 0, LH_EINVAL (not a FLAT LIST/MAP), LH_ETOOBIG, LH_ENOMEM. */
int lh_vector_list_append(lh_vector_t *v, uint32_t row, uint32_t length, uint32_t *offset);
static inline lh_list_entry_t *lh_vector_list_entries(const lh_vector_t *v)
{
    return (lh_list_entry_t *)v->data;
}
/* MAP: the key and value vectors (children of the STRUCT child). */
static inline lh_vector_t *lh_vector_map_keys(const lh_vector_t *v)
{
    return &v->child->children[0];
}
static inline lh_vector_t *lh_vector_map_values(const lh_vector_t *v)
{
    return &v->child->children[1];
}

/* ---- kinds ---- */

/* Makes v CONSTANT: row 0 (set before or after) stands for every row. */
void lh_vector_set_constant(lh_vector_t *v);

/* A stamp no vector had before (lh_vector_t.stamp); thread-safe. */
uint64_t lh_vector_new_stamp(void);

/* Makes v a DICTIONARY over the borrowed FLAT vector dict (same type, 1 <=
 * dict_size <= dict->capacity); *codes receives v's code buffer (capacity
 * entries, owned by v) to fill. The row validity stays as it is. 0 or
 * LH_EINVAL (type mismatch, dict not FLAT, v a LIST child), LH_ENOMEM. */
int lh_vector_set_dictionary(lh_vector_t *v, const lh_vector_t *dict, uint32_t dict_size,
                             int32_t **codes);
/* Checks the first count codes are in [0, dict_size): producers call it on
 * codes read from a file. 0 or LH_ECORRUPT. */
int lh_vector_check_codes(const lh_vector_t *v, uint32_t count);
/* Makes v FLAT over its first count rows, in its own buffers. String views may
 * keep pointing at the dictionary's (borrowed) bytes; LIST elements are copied
 * into v's child. 0, LH_EINVAL (count over capacity), LH_ENOMEM. */
int lh_vector_flatten(lh_vector_t *v, uint32_t count);
/* Copies count rows of src (any kind; rows sel[0..count), or 0..count when sel
 * is NULL) into rows dst_row.. of the FLAT vector dst of the same type, with
 * their validity, list elements and string bytes (copied into dst->arena), so
 * the copy outlives src. Selection vectors belong to the engine: any uint32_t
 * row list will do. 0, LH_EINVAL (type mismatch, dst not FLAT, rows past dst's
 * capacity, long strings and no arena), LH_ETOOBIG or LH_ENOMEM. */
int lh_vector_copy(lh_vector_t *dst, uint32_t dst_row, const lh_vector_t *src, const uint32_t *sel,
                   uint32_t count);
/* The same, but the long strings of a scalar column stay views of src's
 * bytes (as a dictionary is flattened): dst is valid only as long as src's
 * storage. Nested values (lists, structs, maps) are copied whole, as by
 * lh_vector_copy. */
int lh_vector_copy_view(lh_vector_t *dst, uint32_t dst_row, const lh_vector_t *src,
                        const uint32_t *sel, uint32_t count);
/* Points a FLAT vector's data at producer memory (zero-copy PLAIN pages):
 * borrowed, naturally aligned for the type, capacity rows; v is read-only
 * until lh_vector_reset. */
void lh_vector_reference_data(lh_vector_t *v, void *data);

/* ---- one value at a time (slow path: tests, constants, small results) ---- */

/* Reads row of a scalar vector of any kind. A string value points into the
 * vector (inline bytes) or at its borrowed bytes: valid while the vector is.
 * 0 or LH_EINVAL (nested type). */
int lh_vector_get_value(const lh_vector_t *v, uint32_t row, lh_value_t *out);
/* Writes row of a FLAT (or row 0 of a CONSTANT) scalar vector: val must have
 * v's type (decimals: same width and scale) or be NULL; strings are copied as
 * by lh_vector_set_string. 0, LH_EINVAL, LH_ENOMEM. */
int lh_vector_set_value(lh_vector_t *v, uint32_t row, const lh_value_t *val);

/* Appends row of v (any kind, any type) as DuckDB prints it: scalars as
 * lh_value_text, lists [1, 2], structs {'a': 1}, maps {k=v}, NULL inside
 * them; strings nested in those are quoted ('it\'s') only when they hold
 * characters that would make the text ambiguous. Returns lh_buf_err(out). */
int lh_vector_text(const lh_vector_t *v, uint32_t row, lh_buf_t *out);

#endif
