/* Configuration: tables of keys (section.key) with defaults. core declares its
 * own section here; every other module declares its keys in its own folder
 * (usually in its role descriptor) and the command layer registers them with
 * lh_config_register() before loading, so adding a section never edits
 * core/config.c. Sources, lowest to highest: defaults < YAML file (--config,
 * LAKEHOUSE_CONFIG, or <data-dir>/lakehouse.yaml) < environment
 * LAKEHOUSE_<SECTION>_<KEY> < flags --<section>-<key> VALUE / =VALUE.
 * Fixed names: core.data_dir is LAKEHOUSE_DATA_DIR / --data-dir; core.config
 * is LAKEHOUSE_CONFIG / --config; core.access_key / core.secret_key are
 * LAKEHOUSE_ACCESS_KEY / LAKEHOUSE_SECRET_KEY; core.url is LAKEHOUSE_URL;
 * core.listen_ephemeral is also --listen-ephemeral. */
#ifndef LH_CORE_CONFIG_H
#define LH_CORE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef struct lh_config lh_config_t;

/* Value types, checked by the loader. */
enum {
    LH_CFG_STR,
    LH_CFG_INT,    /* integer in [min, max] (max 0 = no upper bound) */
    LH_CFG_LISTEN, /* host:port, [v6]:port; port 0 = any free port */
    LH_CFG_URL,    /* http:// or https:// */
    LH_CFG_ENUM,   /* one of choices "a|b|c" */
    LH_CFG_LIST,   /* comma-separated (a YAML sequence in the file) */
    LH_CFG_PATH,
    LH_CFG_BOOL,     /* true|false|yes|no|on|off|1|0; a bare flag means true */
    LH_CFG_DURATION, /* integer seconds, or 500ms, 30s, 5m, 1h30m, 2d; min/max in ms */
    LH_CFG_SIZE,     /* bytes, or 64KiB, 16MiB, 1GiB, 10MB, 1k; min/max in bytes */
};

/* One key. Designated initializers; unset fields are zero. */
typedef struct lh_config_key {
    const char *section;
    const char *key;
    const char *def;     /* NULL = unset; "<data-dir>/x" is computed from core.data_dir */
    int type;            /* LH_CFG_* */
    const char *choices; /* LH_CFG_ENUM: "a|b|c" */
    int secret;          /* masked by `config show` */
    const char *env;     /* NULL = LAKEHOUSE_<SECTION>_<KEY>; "A|B": the first one set wins */
    const char *flag;    /* NULL = --<section>-<key>; "--a|--b": aliases, the first is shown */
    int64_t min, max;    /* LH_CFG_INT/DURATION/SIZE bounds; max 0 = none */
    const char *help;
} lh_config_key_t;

/* Adds a module's key table (static storage, n entries) to the registry. Call
 * before lh_config_load(); registering the same table twice is a no-op.
 * Errors: LH_EEXIST when a key of the table is already registered by another
 * table (a programming error, also printed); LH_ENOMEM when over 64 tables. */
int lh_config_register(const lh_config_key_t *keys, int n);

/* Builds the effective configuration. argv holds only the options of the
 * subcommand (flags it does not know are left for the caller: *argc/argv are
 * compacted to the unconsumed arguments). Returns 0, or LH_EINVAL with err
 * naming the bad key/value/file. The result is owned by the caller. */
int lh_config_load(lh_config_t **out, int *argc, char **argv, lh_err_t *err);
void lh_config_free(lh_config_t *cfg);

/* The effective value ("" when unset and no default). key is "section.key";
 * an unknown key aborts (a programming error). Pointer valid until free. */
const char *lh_config_get(const lh_config_t *cfg, const char *key);
int64_t lh_config_int(const lh_config_t *cfg, const char *key);
int lh_config_bool(const lh_config_t *cfg, const char *key);
/* LH_CFG_DURATION in milliseconds; LH_CFG_SIZE in bytes (0 when unset). */
int64_t lh_config_duration_ms(const lh_config_t *cfg, const char *key);
int64_t lh_config_size(const lh_config_t *cfg, const char *key);
/* The parsers behind those types: 0, or LH_EINVAL on a malformed value. */
int lh_config_parse_duration(const char *s, int64_t *ms);
int lh_config_parse_size(const char *s, int64_t *bytes);
int lh_config_parse_bool(const char *s, int *out);
/* Overrides a value from code (source "runtime"); returns 0 or LH_ENOMEM. */
int lh_config_set(lh_config_t *cfg, const char *key, const char *value);

/* Where the effective value of key came from: "default", "file", "env",
 * "flag" or "runtime". Static string. */
const char *lh_config_source(const lh_config_t *cfg, const char *key);

/* `lakehouse config show`: every key, its effective value, its source
 * (default|file|env|flag|runtime), secrets masked. */
void lh_config_show(const lh_config_t *cfg, FILE *out);
/* docs/config.md generated from the key table. */
void lh_config_doc(FILE *out);

#endif
