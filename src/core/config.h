/* Configuration: one table of keys (section.key) with defaults. Sources, lowest
 * to highest: defaults < YAML file (--config, LAKEHOUSE_CONFIG, or
 * <data-dir>/lakehouse.yaml) < environment LAKEHOUSE_<SECTION>_<KEY> <
 * flags --<section>-<key> VALUE / --<section>-<key>=VALUE.
 * Fixed names: core.data_dir is LAKEHOUSE_DATA_DIR / --data-dir; core.config
 * is LAKEHOUSE_CONFIG / --config; core.access_key / core.secret_key are
 * LAKEHOUSE_ACCESS_KEY / LAKEHOUSE_SECRET_KEY; core.url is LAKEHOUSE_URL;
 * core.dags_dir is LAKEHOUSE_DAGS_DIR (default <data-dir>/dags). */
#ifndef LH_CORE_CONFIG_H
#define LH_CORE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef struct lh_config lh_config_t;

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
