/* The lake's catalog, discovered from the objects themselves (no second
 * source of truth to drift): a namespace is a top-level prefix of the lake
 * bucket (`bronze/`, `silver/`, `gold/`, and any created with
 * lh_catalog_create_namespace, which writes the empty marker object `<ns>/`
 * as CREATE SCHEMA does); a table is a prefix `<ns>/<name>/` that holds a
 * Delta log (`<ns>/<name>/_delta_log/`). Raw files (bronze's JSON lines) and
 * prefixes starting with `_` (`bronze/_demo/`) are not tables.
 *
 * Names: 1..LH_CATALOG_NAME_MAX bytes of letters, digits, `_` and `-`, not
 * starting with `_` or `-` (so `_delta_log` and `_demo` are never names);
 * `.` is refused because `<ns>.<table>` is how the CLI and SQL spell a table.
 * Every call blocks (it lists the object store). */
#ifndef LH_TABLE_CATALOG_H
#define LH_TABLE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "store/objstore.h"

#define LH_CATALOG_NAME_MAX 128

/* true when s[0..n) is a valid namespace or table name. */
bool lh_catalog_name_valid(const char *s, size_t n);

/* Splits "ns.table" into ns and table (each NUL-terminated, at most
 * LH_CATALOG_NAME_MAX bytes; buffers of LH_CATALOG_NAME_MAX + 1). Errors:
 * LH_EINVAL (no dot, more than one, an invalid part; err names it). */
int lh_catalog_split_name(const char *qualified, char *ns, char *table, lh_err_t *err);

/* Calls fn once per namespace of the lake bucket, in byte order, with the
 * name (valid during the call). A non-zero return from fn stops and is
 * returned. Errors: those of lh_objstore_list. */
int lh_catalog_namespaces(lh_objstore_t *os, const char *bucket,
                          int (*fn)(void *arg, const char *ns), void *arg, lh_err_t *err);

/* Calls fn once per table in ns, in byte order (names valid during the
 * call). LH_EINVAL for an invalid ns; otherwise as lh_catalog_namespaces. */
int lh_catalog_tables(lh_objstore_t *os, const char *bucket, const char *ns,
                      int (*fn)(void *arg, const char *ns, const char *table), void *arg,
                      lh_err_t *err);

/* true (1) when <ns>/<table>/_delta_log/ holds an object, 0 when not, or a
 * negative error. */
int lh_catalog_table_exists(lh_objstore_t *os, const char *bucket, const char *ns,
                            const char *table, lh_err_t *err);

/* Writes the namespace marker `<ns>/` (an empty object). Creating one that
 * exists is not an error. LH_EINVAL for an invalid name. */
int lh_catalog_create_namespace(lh_objstore_t *os, const char *bucket, const char *ns,
                                lh_err_t *err);

#endif
