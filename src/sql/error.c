/* The SQL engine's error struct: setting it, and the per-class tables that
 * turn a class into DuckDB's name, the task contract's exit status and a
 * PostgreSQL SQLSTATE (one row per class, so the three cannot drift). */
#include "sql/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct err_class_row {
    const char *name;
    const char *sqlstate;
    int exit_status;
} err_class_row_t;

static const err_class_row_t classes[] = {
    [LH_SQL_ENONE] = {.name = "Error", .sqlstate = "00000", .exit_status = 0},
    [LH_SQL_EPARSE] = {.name = "Parser Error", .sqlstate = "42601", .exit_status = 2},
    [LH_SQL_EBIND] = {.name = "Binder Error", .sqlstate = "42703", .exit_status = 2},
    [LH_SQL_ECATALOG] = {.name = "Catalog Error", .sqlstate = "42P01", .exit_status = 2},
    [LH_SQL_ECONVERT] = {.name = "Conversion Error", .sqlstate = "22018", .exit_status = 2},
    [LH_SQL_EOUTOFRANGE] = {.name = "Out of Range Error", .sqlstate = "22003", .exit_status = 2},
    [LH_SQL_EINPUT] = {.name = "Invalid Input Error", .sqlstate = "22023", .exit_status = 2},
    [LH_SQL_ENOTIMPL] = {.name = "Not implemented Error", .sqlstate = "0A000", .exit_status = 2},
    [LH_SQL_EIO] = {.name = "IO Error", .sqlstate = "58030", .exit_status = 1},
    [LH_SQL_ECONFLICT] = {.name = "Transaction Error", .sqlstate = "40001", .exit_status = 1},
    [LH_SQL_EOOM] = {.name = "Out of Memory Error", .sqlstate = "53200", .exit_status = 3},
    [LH_SQL_EINTERRUPT] = {.name = "Interrupt Error", .sqlstate = "57014", .exit_status = 1},
    [LH_SQL_EINTERNAL] = {.name = "INTERNAL Error", .sqlstate = "XX000", .exit_status = 1},
    [LH_SQL_ECONSTRAINT] = {.name = "Constraint Error", .sqlstate = "23502", .exit_status = 2},
};

static const err_class_row_t *row_of(lh_sql_err_class_t cls)
{
    if ((unsigned)cls >= sizeof classes / sizeof classes[0]) cls = LH_SQL_EINTERNAL;
    return &classes[cls];
}

int lh_sql_err(lh_sql_error_t *err, int code, lh_sql_err_class_t cls, int32_t pos, const char *fmt,
               ...)
{
    if (!err) return code;
    err->e.code = code;
    err->cls = (uint8_t)cls;
    err->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->e.msg, sizeof err->e.msg, fmt, ap);
    va_end(ap);
    return code;
}

void lh_sql_err_clear(lh_sql_error_t *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->pos = -1;
}

const char *lh_sql_err_class_name(lh_sql_err_class_t cls)
{
    return row_of(cls)->name;
}

int lh_sql_err_exit_status(lh_sql_err_class_t cls)
{
    return row_of(cls)->exit_status;
}

const char *lh_sql_err_sqlstate(lh_sql_err_class_t cls)
{
    return row_of(cls)->sqlstate;
}
